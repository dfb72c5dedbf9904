"""Entries, balances as of a date, payment allocation (Civil Code art. 319), overpayment, events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.cases.models import CaseEvent, CaseFlag
from core.errors import PermissionDenied, ValidationFailed
from core.events import subscribe
from core.ledger.service import (
    EntryKind,
    balance,
    case_entries,
    offset_overpayment,
    post_entry,
    reverse_entry,
)
from tests.factories import make_creditor, make_user
from tests.ledger.helpers import SYSTEM, case_with_debt

D = Decimal
DAY = dt.date(2024, 3, 1)

_seen: list[tuple[str, dict]] = []


@subscribe("payment.posted")
def _on_payment(session, actor, payloads):  # type: ignore[no-untyped-def]
    _seen.extend(("payment.posted", p) for p in payloads)


@subscribe("debt.repaid")
def _on_repaid(session, actor, payloads):  # type: ignore[no-untyped-def]
    _seen.extend(("debt.repaid", p) for p in payloads)


@subscribe("debt.written_off")
def _on_written_off(session, actor, payloads):  # type: ignore[no-untyped-def]
    _seen.extend(("debt.written_off", p) for p in payloads)


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    _seen.clear()


def test_balance_by_component_and_as_of_date(session) -> None:
    case = case_with_debt(session, "10000.00", interest="3000.00", state_fee="200.00")
    post_entry(session, SYSTEM, case.id, "postage", D("85.50"), DAY, "postal", "RA123")
    session.commit()
    now = balance(session, case.id)
    assert (now.principal, now.interest, now.state_fee, now.postage) == (
        D("10000.00"),
        D("3000.00"),
        D("200.00"),
        D("85.50"),
    )
    assert now.total == D("13285.50")
    before = balance(session, case.id, as_of=DAY - dt.timedelta(days=1))
    assert before.postage == D("0.00")
    assert before.total == D("13200.00")
    assert before.as_of == DAY - dt.timedelta(days=1)
    assert balance(session, case.id, as_of=dt.date(2020, 1, 1)).total == D("0.00")


def test_payment_pays_costs_then_interest_then_principal_then_penalty(session) -> None:
    """A loan of 2013 (before 353-FZ came into force on 01.07.2014): Civil Code art. 319 order."""
    clerk = make_user(session, "clerk")
    case = case_with_debt(
        session,
        "10000.00",
        interest="3000.00",
        penalty="500.00",
        state_fee="200.00",
        postage="100.00",
        contract_date=dt.date(2013, 5, 6),
    )
    entry = post_entry(session, clerk, case.id, EntryKind.PAYMENT, D("3500.00"), DAY, "manual", "receipt 1")
    session.commit()
    views = {v.id: v for v in case_entries(session, clerk, case.id)}
    assert views[entry.id].allocation == {
        "state_fee": D("200.00"),
        "postage": D("100.00"),
        "interest": D("3000.00"),
        "principal": D("200.00"),
    }
    bal = balance(session, case.id)
    assert (bal.principal, bal.interest, bal.penalty, bal.state_fee, bal.postage) == (
        D("9800.00"),
        D("0.00"),
        D("500.00"),
        D("0.00"),
        D("0.00"),
    )
    assert (
        "payment.posted",
        {"case_id": case.id, "entry_id": entry.id, "amount": D("3500.00"), "effective_date": DAY},
    ) in _seen


def test_creditor_order_is_used(session) -> None:
    creditor = make_creditor(session)
    creditor.allocation_order = "state_fee,postage,court_costs,principal,interest,penalty"
    case = case_with_debt(
        session, "1000.00", interest="500.00", state_fee="100.00", creditor=creditor, contract_date=dt.date(2013, 5, 6)
    )
    clerk = make_user(session, "clerk")
    entry = post_entry(session, clerk, case.id, "payment", D("600.00"), DAY, "manual")
    session.commit()
    alloc = {v.id: v.allocation for v in case_entries(session, clerk, case.id)}[entry.id]
    assert alloc == {"state_fee": D("100.00"), "principal": D("500.00")}
    assert balance(session, case.id).interest == D("500.00")


def test_payment_larger_than_debt_is_an_overpayment_and_repays(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00", interest="250.00", responsible=clerk)
    post_entry(session, clerk, case.id, "payment", D("1500.00"), DAY, "manual")
    session.commit()
    bal = balance(session, case.id)
    assert bal.total == D("0.00")
    assert bal.overpayment == D("250.00")
    assert [e for e, _ in _seen].count("debt.repaid") == 1
    flags = session.scalars(select(CaseFlag).where(CaseFlag.case_id == case.id)).all()
    assert [f.kind for f in flags] == ["ready_for_repaid"]
    assert "250,00" in flags[0].reason
    # a second payment does not announce the repayment again
    post_entry(session, clerk, case.id, "payment", D("10.00"), DAY, "manual")
    assert [e for e, _ in _seen].count("debt.repaid") == 1


def test_refund_and_offset_of_overpayment(session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "1000.00")
    post_entry(session, lawyer, case.id, "payment", D("1300.00"), DAY, "manual")
    with pytest.raises(ValidationFailed, match="only the overpayment"):
        post_entry(session, lawyer, case.id, "refund", D("300.01"), DAY, "manual")
    post_entry(session, lawyer, case.id, "refund", D("100.00"), DAY, "manual", comment="to the debtor's card")
    post_entry(session, lawyer, case.id, "state_fee", D("150.00"), DAY, "manual")
    offset_overpayment(session, lawyer, case.id, DAY)
    session.commit()
    bal = balance(session, case.id)
    assert bal.state_fee == D("0.00")
    assert bal.overpayment == D("50.00")
    assert bal.total == D("0.00")


def test_backdated_payment_never_pays_a_component_twice(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00")
    post_entry(session, clerk, case.id, "payment", D("1000.00"), dt.date(2024, 3, 10), "manual")
    post_entry(session, clerk, case.id, "payment", D("400.00"), dt.date(2024, 3, 5), "manual")
    session.commit()
    bal = balance(session, case.id)
    assert bal.principal == D("0.00")
    assert bal.overpayment == D("400.00")


def test_reversal_restores_the_debt(session) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "1000.00", interest="100.00")
    pay = post_entry(session, clerk, case.id, "payment", D("1100.00"), DAY, "manual")
    session.commit()
    assert balance(session, case.id).total == D("0.00")
    with pytest.raises(PermissionDenied):
        reverse_entry(session, clerk, pay.id, "bank returned it")
    rev = reverse_entry(session, lawyer, pay.id, "bank returned it")
    session.commit()
    assert rev.amount == D("-1100.00")
    assert balance(session, case.id).total == D("1100.00")
    assert not session.scalars(
        select(CaseFlag).where(CaseFlag.case_id == case.id, CaseFlag.resolved_at.is_(None))
    ).all()
    with pytest.raises(ValidationFailed, match="already reversed"):
        reverse_entry(session, lawyer, pay.id, "again")
    views = case_entries(session, lawyer, case.id)
    assert {v.id: v.reversed_by_id for v in views}[pay.id] == rev.id


def test_permissions_by_kind(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00")
    post_entry(session, clerk, case.id, "postage", D("70.00"), DAY, "manual")
    for kind in ("adjustment", "write_off", "interest", "refund"):
        with pytest.raises(PermissionDenied, match="ledger.adjust"):
            post_entry(session, clerk, case.id, kind, D("10.00"), DAY, "manual", component="principal")


def test_adjustment_and_write_off(session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "1000.00", interest="300.00")
    post_entry(
        session,
        lawyer,
        case.id,
        "adjustment",
        D("-100.00"),
        DAY,
        "manual",
        component="interest",
        comment="court reduced",
    )
    with pytest.raises(ValidationFailed, match="negative"):
        post_entry(session, lawyer, case.id, "adjustment", D("-500.00"), DAY, "manual", component="interest")
    with pytest.raises(ValidationFailed, match="names the component"):
        post_entry(session, lawyer, case.id, "adjustment", D("5.00"), DAY, "manual")
    post_entry(session, lawyer, case.id, "write_off", D("200.00"), DAY, "manual", component="interest")
    session.commit()
    bal = balance(session, case.id)
    assert bal.interest == D("0.00")
    assert bal.total == D("1000.00")
    assert ("debt.written_off", {"case_id": case.id, "amount": D("200.00"), "effective_date": DAY}) in _seen
    with pytest.raises(ValidationFailed, match="more than is owed"):
        post_entry(session, lawyer, case.id, "write_off", D("1000.01"), DAY, "manual")


@pytest.mark.parametrize(
    ("amount", "match"),
    [(1.5, "not a float"), (D("1.005"), "two digits"), (D("0"), "zero"), (D("-5.00"), "reverse it")],
)
def test_bad_payments_are_refused_with_a_reason(session, amount: object, match: str) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00")
    with pytest.raises(ValidationFailed, match=match):
        post_entry(session, clerk, case.id, "payment", amount, DAY, "manual")  # type: ignore[arg-type]


def test_future_payment_and_unknown_kind_refused(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00")
    with pytest.raises(ValidationFailed, match="future"):
        post_entry(session, clerk, case.id, "payment", D("1.00"), dt.date.today() + dt.timedelta(days=3), "manual")
    with pytest.raises(ValidationFailed, match="not a kind"):
        post_entry(session, clerk, case.id, "bonus", D("1.00"), DAY, "manual")


def test_payment_writes_timeline_and_audit(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00")
    entry = post_entry(session, clerk, case.id, "payment", D("250.00"), DAY, "manual", "receipt 7")
    session.commit()
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.user_id == clerk.id)).all()
    assert len(events) == 1 and "250,00" in (events[0].comment or "")
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "ledger.payment")).all()
    assert [a.entity_id for a in audit] == [str(entry.id)]
    assert audit[0].details["allocation"] == {"principal": "250.00"}


def test_amounts_come_back_as_decimal(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "0.10", interest="0.20")
    post_entry(session, clerk, case.id, "payment", D("0.10"), DAY, "manual")
    session.commit()
    bal = balance(session, case.id)
    for value in (bal.principal, bal.interest, bal.total, bal.overpayment):
        assert type(value) is Decimal
    assert bal.total == D("0.20")
    for view in case_entries(session, clerk, case.id):
        assert type(view.amount) is Decimal
        assert all(type(v) is Decimal for v in view.allocation.values())

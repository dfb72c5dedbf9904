"""The workflow stays honest (repaid needs a zero balance, write-off books the rest) and plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.cases.models import CaseFlag
from core.cases.service import transition_case, transition_cases
from core.errors import ValidationFailed
from core.ledger.plans import Instalment, check_plans, generate_schedule, plan_status, save_plan
from core.ledger.service import balance, case_entries, post_entry
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal
DAY = dt.date(2024, 3, 1)


def _open_flags(session, case_id: int) -> list[str]:
    return [
        f.kind
        for f in session.scalars(select(CaseFlag).where(CaseFlag.case_id == case_id, CaseFlag.resolved_at.is_(None)))
    ]


def test_repaid_is_refused_while_money_is_owed(session) -> None:
    clerk = make_user(session, "clerk")
    owes = case_with_debt(session, "1000.00", interest="234.56", stage="enforcement")
    paid = case_with_debt(session, "500.00", stage="enforcement")
    session.commit()
    post_entry(session, clerk, paid.id, "payment", D("500.00"), DAY, "manual")
    session.commit()
    assert _open_flags(session, paid.id) == ["ready_for_repaid"]
    report = transition_cases(session, clerk, [owes.id, paid.id], "mark_repaid")
    session.commit()
    outcome = {o.case_id: o for o in report.outcomes}
    assert outcome[paid.id].moved
    assert not outcome[owes.id].moved
    assert "1\u00a0234,56" in outcome[owes.id].reason
    assert "interest 234,56" in outcome[owes.id].reason
    assert _open_flags(session, paid.id) == []
    with pytest.raises(ValidationFailed, match="still owes"):
        transition_case(session, clerk, owes.id, "mark_repaid", owes.version)


def test_write_off_transition_books_the_remaining_balance(session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "1000.00", interest="200.00", state_fee="50.00", stage="enforcement")
    session.commit()
    transition_case(session, lawyer, case.id, "write_off", case.version, {"reason": "debtor is bankrupt"})
    session.commit()
    assert balance(session, case.id).total == D("0.00")
    write_offs = [e for e in case_entries(session, lawyer, case.id) if e.kind == "write_off"]
    assert len(write_offs) == 1
    assert write_offs[0].amount == D("1250.00")
    assert write_offs[0].comment == "debtor is bankrupt"
    assert write_offs[0].allocation == {"state_fee": D("50.00"), "interest": D("200.00"), "principal": D("1000.00")}


def test_generate_schedule_splits_to_the_kopeck() -> None:
    plan = generate_schedule(D("1000.00"), 3, dt.date(2024, 1, 31))
    assert [i.amount for i in plan] == [D("333.33"), D("333.33"), D("333.34")]
    assert [i.due_date for i in plan] == [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    assert sum(i.amount for i in plan) == D("1000.00")
    with pytest.raises(ValidationFailed):
        generate_schedule(D("0.02"), 3, dt.date(2024, 1, 31))


def test_plan_adherence_and_broken_flag(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "3000.00")
    session.commit()
    save_plan(
        session, clerk, case.id, generate_schedule(D("3000.00"), 3, dt.date(2024, 2, 10)), starts_on=dt.date(2024, 2, 1)
    )
    post_entry(session, clerk, case.id, "payment", D("1000.00"), dt.date(2024, 2, 9), "manual")
    post_entry(session, clerk, case.id, "payment", D("600.00"), dt.date(2024, 3, 15), "manual")
    session.commit()
    view = plan_status(session, clerk, case.id, dt.date(2024, 4, 5))
    assert view is not None
    assert [i.status for i in view.instalments] == ["paid_on_time", "missed", "upcoming"]
    assert view.instalments[1].paid == D("600.00")
    result = check_plans(session, dt.date(2024, 4, 5))
    session.commit()
    assert result.flagged == 1
    assert _open_flags(session, case.id) == ["plan_broken"]
    # running the check again raises nothing new
    assert check_plans(session, dt.date(2024, 4, 5)).flagged == 0
    # catching up: the second instalment is paid late and the flag clears
    post_entry(session, clerk, case.id, "payment", D("400.00"), dt.date(2024, 4, 4), "manual")
    session.commit()
    view = plan_status(session, clerk, case.id, dt.date(2024, 4, 5))
    assert [i.status for i in view.instalments] == ["paid_on_time", "paid_late", "upcoming"]
    check_plans(session, dt.date(2024, 4, 5))
    session.commit()
    assert _open_flags(session, case.id) == []


def test_plan_validation(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "3000.00")
    bad = [Instalment(dt.date(2024, 3, 1), D("100.00")), Instalment(dt.date(2024, 2, 1), D("100.00"))]
    with pytest.raises(ValidationFailed, match="increasing"):
        save_plan(session, clerk, case.id, bad, starts_on=dt.date(2024, 1, 1))
    with pytest.raises(ValidationFailed, match="Decimal"):
        save_plan(session, clerk, case.id, [Instalment(dt.date(2024, 3, 1), 100.0)], starts_on=dt.date(2024, 1, 1))  # type: ignore[arg-type]


def test_a_new_plan_replaces_the_old_one(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "3000.00")
    save_plan(
        session, clerk, case.id, generate_schedule(D("3000.00"), 3, dt.date(2024, 2, 10)), starts_on=dt.date(2024, 2, 1)
    )
    second = save_plan(
        session, clerk, case.id, generate_schedule(D("3000.00"), 6, dt.date(2024, 5, 10)), starts_on=dt.date(2024, 5, 1)
    )
    session.commit()
    view = plan_status(session, clerk, case.id, dt.date(2024, 5, 2))
    assert view is not None and view.plan_id == second.id and len(view.instalments) == 6


def test_a_bulk_write_off_resolves_the_money_flags_of_every_case_and_keeps_the_others(session) -> None:
    from core.cases.service import raise_flag

    lawyer = make_user(session, "lawyer")
    cases = [case_with_debt(session, "1000.00", stage="enforcement") for _ in range(3)]
    session.commit()
    for case in cases:
        raise_flag(session, case.id, "plan_broken", "instalment of 01.03.2024 not paid")
        raise_flag(session, case.id, "bureau_rejected", "E031")
    session.commit()
    report = transition_cases(session, lawyer, [c.id for c in cases], "write_off", {"reason": "bankrupt"})
    session.commit()
    assert all(o.moved for o in report.outcomes)
    session.expire_all()
    assert [_open_flags(session, c.id) for c in cases] == [["bureau_rejected"]] * 3

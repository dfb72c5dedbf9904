"""The state fee's one life: paid by the creditor, awarded by the court, credited on cancellation.

Figures by hand (Tax Code art. 333.19 in the wording from 09.09.2024): a claim of 50,000 rub.
costs 4,000 (the minimum of the first band); a court-order application costs half, 2,000. When
the order is cancelled, the 2,000 counts toward the claim's 4,000 (Tax Code art. 333.20 p. 1
subp. 13), so the creditor pays 2,000 more for the claim.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.cases.service import transition_case
from core.errors import ValidationFailed
from core.ledger.fee_life import available_credit, claim_fee_due, fee_story
from core.ledger.service import EntryKind, balance, post_entry
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal


def _move(session, actor, case, name, data=None):  # type: ignore[no-untyped-def]
    session.refresh(case)
    return transition_case(session, actor, case.id, name, case.version, data or {})


def test_imported_fee_and_ocr_fee_are_booked_once(session) -> None:
    """Issue #18 item 7: a case imported with its state fee 2,000 and then the order's fee of
    2,000 confirmed (OCR review books with source "court_order") owes 2,000 of fee, not 4,000."""
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "48000.00", interest="2000.00", state_fee="2000.00", stage="order_issued")
    post_entry(session, lawyer, case.id, "state_fee", D("2000.00"), dt.date(2024, 10, 1), "court_order", "2-1/2024")
    session.commit()
    assert balance(session, case.id).state_fee == D("2000.00")
    # a manual second booking of the same act's fee with another figure is refused with the reason
    with pytest.raises(ValidationFailed, match="already booked"):
        post_entry(session, lawyer, case.id, "state_fee", D("1500.00"), dt.date(2024, 10, 2), "manual")
    # the court's act with another figure books only the difference: 2,100 in all
    post_entry(session, lawyer, case.id, "state_fee", D("2100.00"), dt.date(2024, 10, 3), "court_order")
    assert balance(session, case.id).state_fee == D("2100.00")


def test_cancelled_order_fee_is_reversed_and_credited_to_the_claim(session) -> None:
    """01.10.2024 application mailed: 2,000 paid by the creditor (not the debtor's yet).
    10.11.2024 order issued: 2,000 awarded -> debtor owes 50,000 + 2,000.
    01.12.2024 order cancelled: the 2,000 leaves the debtor's ledger and is credited.
    10.12.2024 lawsuit filed: claim fee 4,000 - credit 2,000 = 2,000 to pay.
    20.03.2025 judgment: the claim fee 4,000 awarded; debtor owes 4,000 of fee, never 6,000."""
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "48000.00", interest="2000.00", stage="claim_prepared")
    session.commit()
    _move(session, lawyer, case, "mail_claim", {"tracking_number": "14571286000013"})
    assert balance(session, case.id).state_fee == D("0.00")  # the creditor's expense so far
    _move(session, lawyer, case, "deliver_claim", {"delivered_on": "05.10.2024"})
    _move(
        session,
        lawyer,
        case,
        "issue_order",
        {"act_number": "2-1234/2024", "act_date": "10.11.2024", "awarded_amount": "52000,00"},
    )
    assert balance(session, case.id).state_fee == D("2000.00")
    _move(session, lawyer, case, "cancel_order", {"act_date": "01.12.2024"})
    assert balance(session, case.id).state_fee == D("0.00")
    assert available_credit(session, case.id) == D("2000.00")
    due = claim_fee_due(session, case.id, D("50000.00"), dt.date(2024, 12, 10))
    assert (due.fee, due.credit, due.to_pay) == (D("4000"), D("2000.00"), D("2000.00"))
    _move(session, lawyer, case, "file_lawsuit")
    assert available_credit(session, case.id) == D("0.00")
    _move(session, lawyer, case, "schedule_hearing", {"hearing_date": "01.03.2025"})
    _move(
        session,
        lawyer,
        case,
        "receive_judgment",
        {"act_number": "2-99/2025", "act_date": "20.03.2025", "awarded_amount": "54000,00"},
    )
    session.commit()
    bal = balance(session, case.id)
    assert bal.state_fee == D("4000.00")
    story = [(s.act, s.what, s.amount) for s in fee_story(session, lawyer, case.id)]
    assert ("court_order", "paid", D("2000.00")) in story
    assert ("court_order", "reversed", D("-2000.00")) in story
    assert ("court_order", "credited", D("2000.00")) in story
    assert ("claim", "awarded", D("4000.00")) in story


def test_fee_the_debtor_paid_under_a_cancelled_order_becomes_an_overpayment(session) -> None:
    """The debtor paid 50,000 + the 2,000 fee under the order (353-FZ order: interest 2,000,
    principal 48,000, fee 2,000); the order is cancelled: the fee is reversed and the 2,000 the
    debtor paid for it is an overpayment (Civil Procedure Code art. 443), not a negative fee."""
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "48000.00", interest="2000.00", stage="order_issued")
    post_entry(session, lawyer, case.id, "state_fee", D("2000.00"), dt.date(2024, 11, 10), "court_order")
    post_entry(session, lawyer, case.id, EntryKind.PAYMENT, D("52000.00"), dt.date(2024, 11, 20), "manual")
    session.commit()
    _move(session, lawyer, case, "cancel_order", {"act_date": "01.12.2024"})
    bal = balance(session, case.id)
    assert bal.state_fee == D("0.00")
    assert bal.total == D("0.00")
    assert bal.overpayment == D("2000.00")


def test_refused_order_fee_is_credited_to_the_claim(session) -> None:
    """The court refuses the order (CPC art. 125): the 2,000 paid counts toward the claim's 4,000
    (Tax Code art. 333.20 p. 1 subp. 13, "при отказе в принятии ... заявления о выдаче судебного
    приказа"); nothing was awarded, so the debtor's ledger has no fee."""
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "48000.00", interest="2000.00", stage="claim_prepared")
    session.commit()
    _move(session, lawyer, case, "mail_claim", {"tracking_number": "14571286000013"})
    _move(session, lawyer, case, "deliver_claim", {"delivered_on": "05.10.2024"})
    _move(session, lawyer, case, "refuse_order", {"act_date": "15.10.2024", "reason": "спор о праве"})
    assert balance(session, case.id).state_fee == D("0.00")
    assert available_credit(session, case.id) == D("2000.00")

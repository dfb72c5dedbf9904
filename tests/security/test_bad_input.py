"""Issue #19, item 7: bad input gets a clear refusal instead of a crash. A tracking number with a
superscript no longer aborts a whole bulk move, full-width digits are read as digits, the all-zero
number is refused, and court acts, deliveries and charges cannot be dated in the future."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.cases.service import transition_case, transition_cases
from core.errors import ValidationFailed
from core.ledger.service import post_entry
from core.postal.tracking import domestic_check_digit, normalize_tracking, tracking_problem
from tests.factories import make_case, make_user

GOOD = "80085012345673"


@pytest.mark.parametrize(
    ("pasted", "why"),
    [
        ("8008501234567²", "only Latin letters and digits"),
        ("RA12345678５RU\u2074", "only Latin letters and digits"),
        ("8008501234567🙂", "only Latin letters and digits"),
        ("RА123456785RU", "only Latin letters and digits"),  # a Cyrillic А among the Latin letters
        ("00000000000000", "post office index"),
    ],
)
def test_strange_tracking_numbers_get_a_message_never_an_exception(pasted: str, why: str) -> None:
    problem = tracking_problem(pasted)
    assert problem is not None and why in problem


def test_full_width_digits_are_read_as_digits() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GOOD)  # ８００８５０...
    assert tracking_problem(full_width) is None
    assert normalize_tracking(full_width) == GOOD
    assert normalize_tracking("ｒａ １２３４５６７８５ ｒｕ") == "RA123456785RU"
    assert domestic_check_digit(GOOD[:13]) == int(GOOD[13])


def test_one_bad_tracking_number_refuses_one_case_of_a_bulk_move(session: Session) -> None:
    clerk = make_user(session, "clerk")
    cases = [make_case(session, stage="claim_prepared", responsible=clerk) for _ in range(3)]
    session.commit()
    numbers = {cases[0].id: GOOD, cases[1].id: "8008501234567²", cases[2].id: "８００８５０１２３４５６７３"}
    report = transition_cases(
        session,
        clerk,
        [c.id for c in cases],
        "mail_claim",
        per_case_data={k: {"tracking_number": v} for k, v in numbers.items()},
    )
    session.commit()
    outcome = {o.case_id: o for o in report.outcomes}
    assert [outcome[c.id].moved for c in cases] == [True, False, True]
    assert "only Latin letters and digits" in outcome[cases[1].id].reason
    assert session.get(Case, cases[2].id).tracking_number == GOOD  # stored in ASCII


def test_a_court_order_dated_2099_is_refused(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    case = make_case(session, stage="claim_delivered", responsible=lawyer)
    session.commit()
    data = {"act_number": "2-1234/2026", "act_date": "01.01.2099", "awarded_amount": "35000"}
    with pytest.raises(ValidationFailed, match="01.01.2099 is in the future"):
        transition_case(session, lawyer, case.id, "issue_order", case.version, data)
    session.rollback()
    assert session.get(Case, case.id, populate_existing=True).stage == "claim_delivered"
    # a hearing is scheduled ahead, and that stays possible
    tomorrow = dt.date.today() + dt.timedelta(days=30)
    later = make_case(session, stage="lawsuit_filed", responsible=lawyer)
    session.commit()
    moved = transition_case(session, lawyer, later.id, "schedule_hearing", later.version, {"hearing_date": tomorrow})
    assert moved.moved


def test_a_charge_dated_in_the_future_is_refused(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_prepared", responsible=clerk)
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        post_entry(session, clerk, case.id, "state_fee", Decimal("1500.00"), dt.date(2099, 1, 1), "manual")
    assert "future" in str(exc.value.problems)

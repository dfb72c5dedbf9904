"""Civil Procedure Code art. 121: a court order only for a claim of at most 500,000 rubles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.cases.service import transition_case, transition_cases
from core.errors import ValidationFailed
from core.ledger.fees import court_order_allowed
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal


def test_limit_is_inclusive() -> None:
    assert court_order_allowed(D("500000.00"))
    assert not court_order_allowed(D("500000.01"))


def test_order_route_refused_over_500000_with_the_amount(session) -> None:
    """Principal 480,000 + interest 20,000 + penalty 0.01 = 500,000.01: refused; the same case
    without the penalty (500,000.00) may go. State fee and postage are not part of the claim."""
    clerk = make_user(session, "clerk")
    over = case_with_debt(session, "480000.00", interest="20000.00", penalty="0.01")
    at_limit = case_with_debt(session, "480000.00", interest="20000.00", state_fee="3000.00")
    session.commit()
    report = transition_cases(session, clerk, [over.id, at_limit.id], "prepare_claim")
    refused = {o.case_id: o.reason for o in report.refused}
    assert set(refused) == {over.id}
    assert "500" in refused[over.id] and "121" in refused[over.id]
    assert [o.case_id for o in report.moved] == [at_limit.id]


def test_lawyer_can_take_a_big_claim_straight_to_a_lawsuit(session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "700000.00")
    session.commit()
    with pytest.raises(ValidationFailed, match="121"):
        transition_case(session, lawyer, case.id, "prepare_claim", case.version)
    session.rollback()
    session.refresh(case)
    outcome = transition_case(session, lawyer, case.id, "file_lawsuit", case.version)
    assert outcome.to_stage == "lawsuit_filed"

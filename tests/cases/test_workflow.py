"""Every transition path and its guards, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from core.cases.models import Case, CaseEvent
from core.cases.service import transition_case
from core.cases.workflow import STAGE_BY_CODE, STAGES, TRANSITIONS, Transition, transitions_from
from core.errors import PermissionDenied, ValidationFailed
from tests.factories import make_case, make_user

VALID: dict[str, Any] = {
    "tracking_number": "RA123456785RU",
    "delivered_on": "12.03.2025",
    "act_number": "2-1078/2025",
    "act_date": "2025-04-01",
    "awarded_amount": "45 300,50",
    "in_force_date": "20.04.2025",
    "hearing_date": "01.06.2025",
    "enforcement_body": "ФССП России, Тверское ОСП",
    "reason": "debtor deceased, no heirs",
}


def _valid_data(t: Transition) -> dict[str, Any]:
    return {f.name: VALID[f.name] for f in t.fields}


def test_workflow_is_consistent() -> None:
    codes = {s.code for s in STAGES}
    for t in TRANSITIONS:
        assert t.target in codes
        assert set(t.sources) <= codes
        assert t.roles
    # every open stage can be left, every closed stage cannot
    for s in STAGES:
        assert bool(transitions_from(s.code)) is (not s.closed), s.code


@pytest.mark.parametrize(
    ("name", "source"), [(t.name, s) for t in TRANSITIONS for s in t.sources], ids=lambda v: str(v)
)
def test_each_transition_path(session, name: str, source: str) -> None:
    t = next(t for t in TRANSITIONS if t.name == name)
    actor = make_user(session, "admin")
    lawyer = make_user(session, "lawyer")
    clerk = make_user(session, "clerk")
    case = make_case(session, stage=source, responsible=clerk)
    session.commit()
    before = case.version
    out = transition_case(session, actor, case.id, name, before, _valid_data(t))
    session.commit()
    fresh = session.get(Case, case.id)
    assert out.moved and fresh.stage == t.target
    assert fresh.version == before + 1
    target = STAGE_BY_CODE[t.target]
    if target.closed:
        assert fresh.closed_at is not None
    expected_role_user = {"clerk": clerk.id, "lawyer": lawyer.id}.get(target.role.value)
    if expected_role_user and not target.closed:
        assert fresh.responsible_id == expected_role_user
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition")).one()
    assert (event.from_stage, event.to_stage, event.user_id) == (source, t.target, actor.id)


@pytest.mark.parametrize("t", [t for t in TRANSITIONS if any(f.required for f in t.fields)], ids=lambda t: t.name)
def test_guard_refuses_missing_data(session, t: Transition) -> None:
    actor = make_user(session, "admin")
    case = make_case(session, stage=t.sources[0])
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        transition_case(session, actor, case.id, t.name, case.version, {})
    required = [f for f in t.fields if f.required]
    assert required[0].label in str(exc.value)
    session.rollback()
    assert session.get(Case, case.id).stage == t.sources[0]


def test_guard_rejects_bad_tracking_number_and_says_why(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_prepared")
    session.commit()
    with pytest.raises(ValidationFailed, match="check digit"):
        transition_case(session, clerk, case.id, "mail_claim", case.version, {"tracking_number": "RA123456784RU"})


def test_guard_court_order_needs_number_date_and_amount(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_delivered")
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        transition_case(session, clerk, case.id, "issue_order", case.version, {"act_number": "2-5/2025"})
    assert "Date of the act" in str(exc.value) and "Amount awarded" in str(exc.value)
    session.rollback()
    transition_case(session, clerk, case.id, "issue_order", case.version, VALID)
    session.commit()
    fresh = session.get(Case, case.id)
    assert fresh.court_case_number == "2-1078/2025"
    assert fresh.court_act_date == dt.date(2025, 4, 1)
    assert fresh.awarded_amount == Decimal("45300.50")


def test_wrong_stage_is_refused_with_reason(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="new")
    session.commit()
    with pytest.raises(ValidationFailed, match="made only from"):
        transition_case(session, clerk, case.id, "issue_order", case.version, VALID)


def test_role_not_allowed_for_transition(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="order_refused")
    session.commit()
    with pytest.raises(PermissionDenied, match="File a lawsuit"):
        transition_case(session, clerk, case.id, "file_lawsuit", case.version)


def test_least_loaded_user_of_the_role_is_assigned(session) -> None:
    admin = make_user(session, "admin")
    busy = make_user(session, "lawyer")
    idle = make_user(session, "lawyer")
    make_user(session, "lawyer").is_active = False
    for _ in range(3):
        make_case(session, stage="order_issued", responsible=busy)
    case = make_case(session, stage="claim_delivered")
    session.commit()
    out = transition_case(session, admin, case.id, "issue_order", case.version, VALID)
    assert out.responsible_id == idle.id


def test_explicit_responsible_wins(session) -> None:
    admin = make_user(session, "admin")
    make_user(session, "lawyer")
    chosen = make_user(session, "lawyer")
    case = make_case(session, stage="claim_delivered")
    session.commit()
    out = transition_case(session, admin, case.id, "issue_order", case.version, VALID, responsible_id=chosen.id)
    assert out.responsible_id == chosen.id

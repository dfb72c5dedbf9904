"""Bulk transitions: a mix of valid and invalid cases, per-case report, audit per case."""

from __future__ import annotations

from sqlalchemy import func, select

from core.audit.models import AuditLog
from core.cases.models import Case, CaseEvent
from core.cases.service import reassign, transition_cases
from tests.factories import make_case, make_user


def test_bulk_moves_valid_and_reports_refused(session) -> None:
    clerk = make_user(session, "clerk")
    good = [make_case(session, stage="new") for _ in range(5)]
    wrong_stage = make_case(session, stage="claim_mailed")
    session.commit()
    ids = [c.id for c in good] + [wrong_stage.id, 999_999]
    seen = []
    report = transition_cases(session, clerk, ids, "prepare_claim", progress=lambda d, t: seen.append((d, t)))
    session.commit()
    assert len(report.moved) == 5
    refused = {o.case_id: o.reason for o in report.refused}
    assert "made only from" in refused[wrong_stage.id]
    assert refused[999_999] == "no such case"
    assert seen[-1] == (7, 7)
    stages = set(session.scalars(select(Case.stage).where(Case.id.in_([c.id for c in good]))))
    assert stages == {"claim_prepared"}
    assert session.get(Case, wrong_stage.id).stage == "claim_mailed"
    n_events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "transition"))
    n_audit = session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "case.transition"))
    assert n_events == 5 and n_audit == 5


def test_bulk_per_case_data_and_guard_failures(session) -> None:
    clerk = make_user(session, "clerk")
    a, b, c = (make_case(session, stage="claim_prepared") for _ in range(3))
    session.commit()
    report = transition_cases(
        session,
        clerk,
        [a.id, b.id, c.id],
        "mail_claim",
        per_case_data={a.id: {"tracking_number": "RA123456785RU"}, b.id: {"tracking_number": "12345"}},
    )
    session.commit()
    outcome = {o.case_id: o for o in report.outcomes}
    assert outcome[a.id].moved
    assert "14 digits" in outcome[b.id].reason
    assert "Tracking number is required" in outcome[c.id].reason
    assert session.get(Case, a.id).tracking_number == "RA123456785RU"


def test_bulk_spreads_cases_over_least_loaded(session) -> None:
    admin = make_user(session, "admin")
    lawyers = [make_user(session, "lawyer") for _ in range(3)]
    cases = [make_case(session, stage="order_refused") for _ in range(9)]
    session.commit()
    report = transition_cases(session, admin, [c.id for c in cases], "file_lawsuit")
    counts = {u.id: 0 for u in lawyers}
    for o in report.moved:
        counts[o.responsible_id] += 1
    assert sorted(counts.values()) == [3, 3, 3]


def test_bulk_refuses_cases_changed_since_loaded(session) -> None:
    clerk = make_user(session, "clerk")
    a = make_case(session, stage="new")
    session.commit()
    report = transition_cases(session, clerk, [a.id], "prepare_claim", expected_versions={a.id: a.version - 1})
    assert not report.moved and "since you loaded it" in report.refused[0].reason


def test_reassign(session) -> None:
    lawyer = make_user(session, "lawyer")
    clerk = make_user(session, "clerk")
    cases = [make_case(session) for _ in range(3)]
    session.commit()
    assert reassign(session, lawyer, [c.id for c in cases], clerk.id) == 3
    session.commit()
    assert set(session.scalars(select(Case.responsible_id).where(Case.id.in_([c.id for c in cases])))) == {clerk.id}
    assert reassign(session, lawyer, [c.id for c in cases], clerk.id) == 0

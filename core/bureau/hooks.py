"""Where bureau events come from: workflow moves and other domains' events.

Every function here runs inside the caller's transaction (``core.cases.hooks``,
``core.events``), so the outbox row and the business change commit or roll back together: the
bureau never hears of a change that did not happen, and no change is lost (218-FZ art. 5).
Each handler is set-based: one SELECT of the cases involved and one INSERT of events per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.permissions import Actor
from core.bureau.events import (
    ACQUIRED,
    COURT,
    PAYMENT,
    REPAID,
    SUBJECT_CHANGED,
    TERMINATIONS,
    WRITTEN_OFF,
    EventSpec,
    cases_with_event,
    record_events,
)
from core.calendar import local_date
from core.cases.hooks import MovedCase, after_transition
from core.cases.models import AssignmentAgreement, Case, Creditor
from core.db import utcnow
from core.events import subscribe

# transition name -> court event (RUTDF 2.6) it reports
COURT_TRANSITIONS: dict[str, str] = {
    "mail_claim": "application_filed",
    "deliver_claim": "application_filed",
    "issue_order": "order_issued",
    "cancel_order": "order_cancelled",
    "order_in_force": "order_in_force",
    "file_lawsuit": "lawsuit_filed",
    "receive_judgment": "judgment",
    "start_enforcement": "enforcement_started",
}
TERMINATION_TRANSITIONS: dict[str, str] = {"mark_repaid": REPAID, "write_off": WRITTEN_OFF}
IN_FORCE = {"order_in_force", "enforcement_started"}


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


CHUNK = 5000  # ids per IN list (SQLite limits bound parameters; an import publishes many at once)


def _case_rows(session: Session, case_ids: Sequence[int]) -> dict[int, Any]:
    ids = sorted(set(case_ids))
    out: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                Case.id,
                Case.debtor_id,
                Case.court_name,
                Case.court_case_number,
                Case.court_act_date,
                Case.awarded_amount,
            ).where(Case.id.in_(ids[start : start + CHUNK]))
        ).all()
        out.update({int(r.id): r for r in rows})
    return out


@after_transition
def report_court_and_termination(session: Session, actor: Actor | None, moved: Sequence[MovedCase]) -> None:
    """2.6 for court steps, 2.5 for repayment and write-off, in the move's transaction."""
    relevant = [m for m in moved if m.transition in COURT_TRANSITIONS or m.transition in TERMINATION_TRANSITIONS]
    if not relevant:
        return
    cases = _case_rows(session, [m.case_id for m in relevant])
    ids = [m.case_id for m in relevant]
    already_filed = cases_with_event(session, ids, [COURT], "application_filed")
    already_ended = cases_with_event(session, ids, TERMINATIONS)
    specs: list[EventSpec] = []
    for m in relevant:
        row = cases.get(m.case_id)
        if row is None:
            continue
        recorded_day = local_date(m.at)
        if m.transition in TERMINATION_TRANSITIONS:
            if m.case_id in already_ended:
                continue
            already_ended.add(m.case_id)
            kind = TERMINATION_TRANSITIONS[m.transition]
            payload: dict[str, Any] = {"end_date": recorded_day, "reason": m.data.get("reason")}
            specs.append(EventSpec(m.case_id, row.debtor_id, kind, recorded_day, payload, m.at, m.source))
            continue
        court_event = COURT_TRANSITIONS[m.transition]
        if court_event == "application_filed":
            if m.case_id in already_filed:
                continue
            already_filed.add(m.case_id)
        act_date = _as_date(m.data.get("act_date")) or row.court_act_date
        occurred = (
            _as_date(m.data.get("in_force_date"))
            or _as_date(m.data.get("delivered_on"))
            or (_as_date(m.data.get("act_date")) if court_event != "application_filed" else None)
            or recorded_day
        )
        payload = {
            "court_event": court_event,
            "dispute": True,
            "court_name": row.court_name,
            "act_number": m.data.get("act_number") or row.court_case_number,
            "act_date": act_date if court_event not in ("application_filed", "lawsuit_filed") else None,
            "in_force": court_event in IN_FORCE,
            "in_force_date": _as_date(m.data.get("in_force_date")),
            "awarded_amount": m.data.get("awarded_amount") or row.awarded_amount,
            "enforcement_body": m.data.get("enforcement_body"),
        }
        specs.append(EventSpec(m.case_id, row.debtor_id, COURT, occurred, payload, m.at, m.source))
    record_events(session, specs)


def _recorded(payload: dict[str, Any]) -> dt.datetime:
    at = payload.get("recorded_at")
    return at if isinstance(at, dt.datetime) else utcnow()


@subscribe("payment.posted")
def report_payments(session: Session, actor: Actor | None, payloads: Sequence[dict[str, Any]]) -> None:
    """2.3: every posted payment, with its amount and date."""
    cases = _case_rows(session, [int(p["case_id"]) for p in payloads])
    specs = []
    for p in payloads:
        row = cases.get(int(p["case_id"]))
        if row is None:
            continue
        at = _recorded(p)
        paid_on = _as_date(p.get("effective_date")) or local_date(at)
        payload = {"amount": p["amount"], "payment_date": paid_on, "entry_id": p.get("entry_id")}
        specs.append(EventSpec(row.id, row.debtor_id, PAYMENT, paid_on, payload, at, p.get("source", "system")))
    record_events(session, specs)


def _terminations(session: Session, payloads: Sequence[dict[str, Any]], kind: str) -> None:
    ids = [int(p["case_id"]) for p in payloads]
    cases = _case_rows(session, ids)
    ended = cases_with_event(session, ids, TERMINATIONS)
    specs = []
    for p in payloads:
        row = cases.get(int(p["case_id"]))
        if row is None or row.id in ended:
            continue
        ended.add(row.id)
        at = _recorded(p)
        day = _as_date(p.get("effective_date")) or local_date(at)
        payload = {"end_date": day, "amount": p.get("amount"), "reason": p.get("reason")}
        specs.append(EventSpec(row.id, row.debtor_id, kind, day, payload, at, p.get("source", "system")))
    record_events(session, specs)


@subscribe("debt.repaid")
def report_repaid(session: Session, actor: Actor | None, payloads: Sequence[dict[str, Any]]) -> None:
    """2.5: the balance reached zero (one termination per obligation, whoever reports it first)."""
    _terminations(session, payloads, REPAID)


@subscribe("debt.written_off")
def report_written_off(session: Session, actor: Actor | None, payloads: Sequence[dict[str, Any]]) -> None:
    """2.5 with the write-off reason."""
    _terminations(session, payloads, WRITTEN_OFF)


@subscribe("debtor.changed")
def report_debtor_changed(session: Session, actor: Actor | None, payloads: Sequence[dict[str, Any]]) -> None:
    """1.9: the subject's data changed; one event per debtor, tied to the debtor's first case."""
    wanted: dict[int, tuple[list[int], list[str], dict[str, Any]]] = {}
    for p in payloads:
        debtor_id = int(p["debtor_id"])
        case_ids, fields, first = wanted.setdefault(debtor_id, ([], [], p))
        case_ids.extend(int(c) for c in p.get("case_ids") or [])
        fields.extend(str(f) for f in p.get("fields") or [])
    if not wanted:
        return
    lookup = sorted(d for d, (case_ids, _, _) in wanted.items() if not case_ids)
    known: dict[int, int] = {}
    for start in range(0, len(lookup), CHUNK):
        rows = session.execute(
            select(Case.debtor_id, func.min(Case.id))
            .where(Case.debtor_id.in_(lookup[start : start + CHUNK]))
            .group_by(Case.debtor_id)
        ).all()
        known.update({int(d): int(c) for d, c in rows})
    specs = []
    for debtor_id, (case_ids, fields, first) in wanted.items():
        case_id = min(case_ids) if case_ids else known.get(debtor_id)
        if case_id is None:
            continue
        at = _recorded(first)
        payload = {"fields": sorted(set(fields))}
        specs.append(
            EventSpec(
                int(case_id), debtor_id, SUBJECT_CHANGED, local_date(at), payload, at, first.get("source", "system")
            )
        )
    record_events(session, specs)


@subscribe("claim.acquired")
def report_acquired(session: Session, actor: Actor | None, payloads: Sequence[dict[str, Any]]) -> None:
    """2.11: the company became the creditor by assignment (Civil Code art. 382)."""
    cases = _case_rows(session, [int(p["case_id"]) for p in payloads])
    agreement_ids = {int(p["agreement_id"]) for p in payloads if p.get("agreement_id")}
    agreements = {
        a.id: a for a in session.scalars(select(AssignmentAgreement).where(AssignmentAgreement.id.in_(agreement_ids)))
    }
    creditor_ids = {a.cedent_id for a in agreements.values()} | {a.assignee_id for a in agreements.values()}
    creditors = {c.id: c for c in session.scalars(select(Creditor).where(Creditor.id.in_(creditor_ids)))}
    specs = []
    for p in payloads:
        row = cases.get(int(p["case_id"]))
        if row is None:
            continue
        at = _recorded(p)
        agreement = agreements.get(int(p["agreement_id"])) if p.get("agreement_id") else None
        day = _as_date(p.get("effective_date")) or (agreement.date if agreement else local_date(at))
        cedent = creditors.get(agreement.cedent_id) if agreement else None
        assignee = creditors.get(agreement.assignee_id) if agreement else None
        payload = {
            "agreement_number": agreement.number if agreement else None,
            "agreement_date": agreement.date if agreement else None,
            "cedent_name": cedent.name if cedent else None,
            "cedent_inn": cedent.inn if cedent else None,
            "assignee_name": assignee.name if assignee else None,
            "assignee_inn": assignee.inn if assignee else None,
        }
        specs.append(EventSpec(row.id, row.debtor_id, ACQUIRED, day, payload, at, p.get("source", "system")))
    record_events(session, specs)

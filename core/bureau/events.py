"""The outbox: bureau events created inside the caller's transaction, with their due dates.

Which change makes which event (codes of the bureau's unified format, RUTDF):

- 1.9  the subject's data changed (name, passport, address...)
- 2.3  a payment on the obligation
- 2.5  the obligation ended: repaid in full, or written off (termination reason tells which)
- 2.6  a court dispute or a court act: application filed, order issued / cancelled / in force,
       lawsuit filed, judgment, enforcement started
- 2.11 the company took the claim over by assignment (cession)

Deadlines. Federal Law 218-FZ "On credit histories", art. 5 part 5: a source reports a change
not later than the set number of business days (``Settings.bureau_statutory_days``, 5 today)
from the day of the change or the day it learned of it. Cessio's own, stricter target is the
next business day after the change was recorded (the ``due_date``); both are kept per event
and the page shows each. Business days are those of the Russian production calendar
(``core.calendar``: weekends, public holidays and the government's transferred days off).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bureau.models import PENDING, BureauEvent
from core.calendar import add_business_days, local_date, next_business_day
from core.config import get_settings
from core.db import bulk_insert, json_safe, utcnow
from core.i18n import N_

SUBJECT_CHANGED = "subject_changed"
PAYMENT = "payment"
REPAID = "repaid"
WRITTEN_OFF = "written_off"
COURT = "court"
ACQUIRED = "acquired"

EVENT_CODES: dict[str, str] = {
    SUBJECT_CHANGED: "1.9",
    PAYMENT: "2.3",
    REPAID: "2.5",
    WRITTEN_OFF: "2.5",
    COURT: "2.6",
    ACQUIRED: "2.11",
}
KIND_LABELS: dict[str, str] = {
    SUBJECT_CHANGED: N_("Debtor data changed"),
    PAYMENT: N_("Payment"),
    REPAID: N_("Repaid in full"),
    WRITTEN_OFF: N_("Written off"),
    COURT: N_("Court"),
    ACQUIRED: N_("Claim acquired"),
}
TERMINATIONS = (REPAID, WRITTEN_OFF)

# Court events (2.6): what happened in the dispute, and whether the act is in force.
COURT_EVENT_LABELS: dict[str, str] = {
    "application_filed": N_("Application for a court order filed"),
    "order_issued": N_("Court order issued"),
    "order_cancelled": N_("Court order cancelled"),
    "order_in_force": N_("Court order in force"),
    "lawsuit_filed": N_("Lawsuit filed"),
    "judgment": N_("Judgment"),
    "enforcement_started": N_("Enforcement started"),
}


@lru_cache(maxsize=4096)
def due_date_for(recorded_day: dt.date) -> dt.date:
    """Cessio's target: the first business day after the day the change was recorded."""
    return next_business_day(recorded_day)


def statutory_date_for(recorded_day: dt.date) -> dt.date:
    """The last day allowed by 218-FZ art. 5 part 5 (business days counted from the change)."""
    return _statutory(recorded_day, get_settings().bureau_statutory_days)


@lru_cache(maxsize=4096)
def _statutory(recorded_day: dt.date, days: int) -> dt.date:
    return add_business_days(recorded_day, days)


@dataclass(frozen=True)
class EventSpec:
    case_id: int
    debtor_id: int
    kind: str
    occurred_on: dt.date
    payload: dict[str, Any] = field(default_factory=dict)
    recorded_at: dt.datetime | None = None
    source: str = "system"


def record_events(session: Session, specs: Sequence[EventSpec]) -> int:
    """Insert the events with one statement, in the caller's transaction; returns how many."""
    if not specs:
        return 0
    now = utcnow()
    rows = []
    for spec in specs:
        recorded = spec.recorded_at or now
        recorded_day = local_date(recorded)
        rows.append(
            {
                "record_uid": str(uuid.uuid4()),
                "case_id": spec.case_id,
                "debtor_id": spec.debtor_id,
                "kind": spec.kind,
                "event_code": EVENT_CODES[spec.kind],
                "occurred_on": spec.occurred_on,
                "created_at": recorded,
                "due_date": due_date_for(recorded_day),
                "statutory_date": statutory_date_for(recorded_day),
                "payload": json_safe(spec.payload),
                "status": PENDING,
                "send_count": 0,
                "source": spec.source,
            }
        )
    bulk_insert(session, BureauEvent, rows)
    return len(rows)


def cases_with_event(
    session: Session, case_ids: Sequence[int], kinds: Sequence[str], court_event: str | None = None
) -> set[int]:
    """Cases that already have an event of these kinds (one termination per obligation)."""
    ids = sorted(set(case_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(BureauEvent.case_id, BureauEvent.payload).where(
                BureauEvent.case_id.in_(ids[start : start + 5000]), BureauEvent.kind.in_(list(kinds))
            )
        ).all()
        found.update(
            int(r.case_id) for r in rows if court_event is None or (r.payload or {}).get("court_event") == court_event
        )
    return found

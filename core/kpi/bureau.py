"""Credit-bureau compliance: the share of events reported on time, and the events overdue now.

"On time" is the legal deadline of Federal Law 218-FZ "On credit histories", art. 5 part 5
(``bureau_events.statutory_date``, business days from the change): an event is on time when the
bureau accepted it on or before that day (local date of ``accepted_at``). Timeliness counts the
events whose deadline fell in the period and has passed (or is today and already met); the
overdue list is a snapshot of events past their deadline and still not accepted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from core.calendar import local_date
from core.i18n import N_
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult, frame, unavailable
from core.kpi.sql import days_between, has_table, moment

try:
    from core.bureau import models as bureau
except ImportError:  # the bureau domain is optional for the dashboard
    bureau = None  # type: ignore[assignment]

ACCEPTED = "accepted"
OUTCOME_LABELS = {
    "on_time": N_("Reported on time"),
    "late": N_("Reported late"),
    "overdue": N_("Not reported, deadline passed"),
}
STATUS_LABELS = {
    "pending": N_("Waiting to be sent"),
    "held": N_("Held by validation"),
    "sending": N_("Sent, no acknowledgement yet"),
    "rejected": N_("Rejected by the bureau"),
}
NOT_SET_UP = N_("No data yet: bureau reporting is not set up")


def _available(session: Session) -> bool:
    return bureau is not None and has_table(session, "bureau_events")


def _events(f: KpiFilters, *columns: Any) -> Any:
    assert bureau is not None
    stmt = select(*columns)
    if f.narrows_cases():
        stmt = stmt.where(bureau.BureauEvent.case_id.in_(f.case_ids_subquery()))
    return stmt


def timeliness(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    title = N_("Bureau reporting on time (218-FZ deadline)")
    columns = ["outcome", "label", "events"]
    if not _available(session):
        return unavailable("bureau_timeliness", title, columns, NOT_SET_UP)
    assert bureau is not None
    e = bureau.BureauEvent
    today = local_date(now)
    last = min(f.date_to, today)
    accepted_day = days_between(moment(f.start), e.accepted_at).label("acc")
    rows = session.execute(
        _events(f, e.statutory_date, e.status, accepted_day, func.count())
        .where(e.statutory_date >= f.date_from, e.statutory_date <= last)
        .group_by(e.statutory_date, e.status, literal_column("acc"))
    ).all()
    counts: Counter[str] = Counter()
    for deadline, status, acc, n in rows:
        if status == ACCEPTED:
            accepted_on = f.date_from + dt.timedelta(days=int(acc)) if acc is not None else deadline
            counts["on_time" if accepted_on <= deadline else "late"] += int(n)
        elif deadline < today:
            counts["overdue"] += int(n)
    if not counts:
        return KpiResult("bureau_timeliness", title, frame([], columns))
    data = [(k, label, counts.get(k, 0)) for k, label in OUTCOME_LABELS.items()]
    total = sum(counts.values())
    return KpiResult(
        "bureau_timeliness",
        title,
        frame(data, columns),
        {"events": total, "on_time_share": round(counts["on_time"] / total, 4)},
    )


def overdue(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Events past their legal deadline and not accepted yet, by where they are stuck (now)."""
    title = N_("Bureau events overdue now")
    columns = ["status", "label", "events", "oldest_deadline"]
    if not _available(session):
        return unavailable("bureau_overdue", title, columns, NOT_SET_UP)
    assert bureau is not None
    e = bureau.BureauEvent
    today = local_date(now)
    rows = session.execute(
        _events(f, e.status, func.count(), func.min(e.statutory_date))
        .where(e.status != ACCEPTED, e.statutory_date < today)
        .group_by(e.status)
    ).all()
    data = [(r[0], STATUS_LABELS.get(r[0], r[0]), int(r[1]), r[2]) for r in sorted(rows, key=lambda r: r[0])]
    result = frame(data, columns)
    oldest = min((r[3] for r in data), default=None)
    return KpiResult(
        "bureau_overdue",
        title,
        result,
        {
            "overdue": int(result["events"].sum()) if data else 0,
            "oldest_days": (today - oldest).days if oldest else None,
        },
        "" if data else N_("No overdue bureau events"),
    )

"""How fast work moves: stage moves by the stage entered, new cases against closed ones, per day,
week or month of the period (``core/kpi/periods.py``).

Weeks start on Monday (local time); a period that starts mid-week has a partial first week
labelled by its Monday; months likewise. Transitions are the timeline's ``transition`` events, so bulk moves,
the postal job and OCR confirmations all count, one per case moved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.cases.models import CaseEvent
from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.i18n import N_
from core.kpi.daily import daily
from core.kpi.filters import KpiFilters, local_midnight
from core.kpi.periods import bucket_start, bucket_starts
from core.kpi.result import KpiResult, frame
from core.kpi.sql import days_between, moment

TITLE_MOVES = N_("Stage moves by the stage entered")
TITLE_OPENED_CLOSED = N_("New cases against closed cases")


def week_anchor(f: KpiFilters) -> dt.date:
    """The Monday on or before the period's first day."""
    return f.date_from - dt.timedelta(days=f.date_from.weekday())


def week_of(column: Any, f: KpiFilters) -> ColumnElement[int]:
    """Week number of a timestamp counted from ``week_anchor`` (0 = the first week)."""
    return days_between(moment(local_midnight(week_anchor(f))), column) // 7


def weeks(f: KpiFilters) -> list[dt.date]:
    """The Mondays of every week the period touches."""
    start = week_anchor(f)
    return [start + dt.timedelta(days=7 * i) for i in range((f.date_to - start).days // 7 + 1)]


def transition_events(f: KpiFilters, *columns: Any) -> Any:
    """SELECT over transition events in the period, on the filtered cases."""
    stmt = select(*columns).where(CaseEvent.kind == "transition", CaseEvent.at >= f.start, CaseEvent.at < f.end)
    if f.narrows_cases():
        stmt = stmt.where(CaseEvent.case_id.in_(f.case_ids_subquery()))
    return stmt


def transitions_per_bucket(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Moves per day, week or month (``f.bucket``), split by the stage the cases were moved into."""
    g = f.bucket
    per_bucket: dict[tuple[dt.date, str], int] = defaultdict(int)
    for (day, stage), count in daily(session, f).moves.items():
        if f.date_from <= day <= f.date_to:
            per_bucket[(bucket_start(day, g), stage)] += count
    columns = ["period", "stage", "label", "moves"]
    order = {s.code: i for i, s in enumerate(STAGES)}
    data = [
        (start, stage, STAGE_BY_CODE[stage].label if stage in STAGE_BY_CODE else stage, moves)
        for (start, stage), moves in per_bucket.items()
    ]
    data.sort(key=lambda x: (x[0], order.get(x[1], 99)))
    result = frame(data, columns)
    total = int(result["moves"].sum()) if not result.empty else 0
    return KpiResult("transitions", TITLE_MOVES, result, {"moves": total})


def opened_closed_per_bucket(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """New cases against closed ones (repaid or written off), per day, week or month of the period."""
    g = f.bucket
    days = daily(session, f)
    opened: dict[dt.date, int] = defaultdict(int)
    closed: dict[dt.date, int] = defaultdict(int)
    for day, (count, _) in days.opened.items():
        if f.date_from <= day <= f.date_to:
            opened[bucket_start(day, g)] += count
    for (day, _), count in days.closed.items():
        if f.date_from <= day <= f.date_to:
            closed[bucket_start(day, g)] += count
    columns = ["period", "opened", "closed"]
    if not opened and not closed:
        return KpiResult("opened_closed", TITLE_OPENED_CLOSED, frame([], columns))
    data = [(start, opened.get(start, 0), closed.get(start, 0)) for start in bucket_starts(f.date_from, f.date_to, g)]
    return KpiResult(
        "opened_closed",
        TITLE_OPENED_CLOSED,
        frame(data, columns),
        {"opened": sum(opened.values()), "closed": sum(closed.values())},
    )

"""The one definition of "over SLA", and the nightly marking of cases that overstayed.

A stage's SLA is a number of days (workflow data, ARCHITECTURE rule 10). A case's *days in
stage* are the whole days (24-hour spans) since it entered the stage, the number every screen
shows; the case is **over its SLA when its days in stage exceed the stage's SLA days**: a "New"
case (SLA 5 days) is within it at 5 days and over it at 6. The case search (its filter and its
"Over SLA" column), the stage board, the KPI tiles, the aging chart and its drill-down and the
nightly flag all use the functions below, so a case counted as over is always shown as over.

The flag ``sla_breached_at`` records when a breach was first seen, for the heads' reports; the
search and the board compute "over SLA" live, so the flag never makes a screen stale. It is a
derived mark, not a user edit, so it does not bump the case version (no false conflicts).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, false, not_, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.cases.models import Case
from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.db import utcnow

DAY = dt.timedelta(days=1)


def days_in_stage(entered_stage_at: dt.datetime, now: dt.datetime) -> int:
    """Whole days since the case entered its stage (what the screens show)."""
    return (now - entered_stage_at).days


def breach_moment(sla_days: int, now: dt.datetime, over_by: int = 0) -> dt.datetime:
    """A case that entered its stage at or before this moment is over an SLA of ``sla_days``
    by more than ``over_by`` days: its days in stage are at least ``sla_days + over_by + 1``."""
    return now - (sla_days + over_by + 1) * DAY


def is_over_sla(stage: str, entered_stage_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a case of ``stage`` that entered it at ``entered_stage_at`` is over its SLA now."""
    sla_days = STAGE_BY_CODE[stage].sla_days
    return sla_days is not None and days_in_stage(entered_stage_at, now) > sla_days


def days_over_sla(stage: str, entered_stage_at: dt.datetime, now: dt.datetime) -> int | None:
    """How many days past the SLA (0 or less: within it); None for a stage without an SLA."""
    sla_days = STAGE_BY_CODE[stage].sla_days
    return None if sla_days is None else days_in_stage(entered_stage_at, now) - sla_days


def over_sla_condition(now: dt.datetime) -> ColumnElement[bool]:
    """SQL: the cases over their stage's SLA at ``now`` (the same rule as ``is_over_sla``)."""
    parts = [
        and_(Case.stage == s.code, Case.entered_stage_at <= breach_moment(s.sla_days, now))
        for s in STAGES
        if s.sla_days is not None
    ]
    return or_(*parts) if parts else false()


def refresh_sla_breaches(session: Session, now: dt.datetime | None = None) -> tuple[int, int]:
    """Mark newly breached cases and clear marks of cases no longer over; returns (marked, cleared)."""
    now = now or utcnow()
    over = over_sla_condition(now)
    table = Case.__table__
    marked = session.execute(
        update(table).where(and_(table.c.sla_breached_at.is_(None), over)).values(sla_breached_at=now)
    ).rowcount
    cleared = session.execute(
        update(table).where(and_(table.c.sla_breached_at.is_not(None), not_(over))).values(sla_breached_at=None)
    ).rowcount
    return int(marked or 0), int(cleared or 0)

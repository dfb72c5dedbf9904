"""Nightly marking of cases that overstayed their stage's SLA (days per stage, workflow data).

The flag ``sla_breached_at`` records when a breach was first seen, for the heads' reports; the
search and the board compute "over SLA" live, so the flag never makes a screen stale. It is a
derived mark, not a user edit, so it does not bump the case version (no false conflicts).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, not_, update
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.cases.search import over_sla_condition
from core.db import utcnow


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

"""Day-level aggregates shared by several KPIs: cases opened, cases closed, stage moves.

Per local day of the previous and the current period: cases opened (and their claim amounts),
cases closed by closing stage, and transition events by the stage entered. The headline tiles,
new-against-closed, transitions per week, court outcomes, claimed per month, the recovery rate
and the write-off rate all read these three small results, so a dashboard runs three queries
for them instead of one or two per KPI. Remembered briefly per database and filter set.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from core.cases.models import Case, CaseEvent
from core.db import Money
from core.kpi.cache import TtlCache
from core.kpi.filters import KpiFilters
from core.kpi.sql import days_between, moment

ZERO = Decimal("0.00")
_memo = TtlCache(ttl_seconds=60, max_entries=64)


@dataclass(frozen=True)
class Daily:
    """Keyed by local date, covering the previous and the current period."""

    opened: dict[dt.date, tuple[int, Decimal]]  # day -> (cases opened, their claim amounts)
    closed: dict[tuple[dt.date, str], int]  # (day, closing stage) -> cases closed
    moves: dict[tuple[dt.date, str], int]  # (day, stage entered) -> transition events

    def moves_between(self, first: dt.date, last: dt.date) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for (day, stage), count in self.moves.items():
            if first <= day <= last:
                out[stage] += count
        return dict(out)

    def opened_between(self, first: dt.date, last: dt.date) -> tuple[int, Decimal]:
        n, amount = 0, ZERO
        for day, (count, claimed) in self.opened.items():
            if first <= day <= last:
                n, amount = n + count, amount + claimed
        return n, amount

    def closed_between(self, first: dt.date, last: dt.date) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for (day, stage), count in self.closed.items():
            if first <= day <= last:
                out[stage] += count
        return dict(out)


def daily(session: Session, f: KpiFilters) -> Daily:
    key = (session.get_bind().url.render_as_string(hide_password=True), f)
    return _memo.get_or_compute(key, lambda: _load(session, f))  # type: ignore[no-any-return]


def clear() -> None:
    _memo.clear()


def _load(session: Session, f: KpiFilters) -> Daily:
    p = f.previous()
    conds = f.case_conditions()
    d_open = days_between(moment(p.start), Case.opened_at).label("d")
    opened = {
        p.date_from + dt.timedelta(days=int(r[0])): (int(r[1]), r[2] or ZERO)
        for r in session.execute(
            select(d_open, func.count(), func.sum(Case.claim_amount, type_=Money()))
            .where(Case.opened_at >= p.start, Case.opened_at < f.end, *conds)
            .group_by(literal_column("d"))
        )
    }
    d_closed = days_between(moment(p.start), Case.closed_at).label("d")
    closed = {
        (p.date_from + dt.timedelta(days=int(r[0])), r[1]): int(r[2])
        for r in session.execute(
            select(d_closed, Case.stage, func.count())
            .where(Case.closed_at >= p.start, Case.closed_at < f.end, *conds)
            .group_by(literal_column("d"), Case.stage)
        )
    }
    d_moved = days_between(moment(p.start), CaseEvent.at).label("d")
    moved = select(d_moved, CaseEvent.to_stage, func.count()).where(
        CaseEvent.kind == "transition", CaseEvent.at >= p.start, CaseEvent.at < f.end, CaseEvent.to_stage.is_not(None)
    )
    if f.narrows_cases():
        moved = moved.where(CaseEvent.case_id.in_(f.case_ids_subquery()))
    moves = {
        (p.date_from + dt.timedelta(days=int(r[0])), r[1]): int(r[2])
        for r in session.execute(moved.group_by(literal_column("d"), CaseEvent.to_stage))
    }
    return Daily(opened, closed, moves)

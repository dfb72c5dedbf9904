"""Where the cases stand now: the stage funnel and stage aging against each stage's SLA.

The SLA of a stage is workflow data (``core/cases/workflow.py``, ARCHITECTURE rule 10); a case
is over its SLA when its whole days in the stage exceed ``sla_days`` (``core/cases/sla.py``), the
rule the case search uses for its ``over_sla`` filter and column. Both KPIs are snapshots: the period filter does not apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import String, case, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from core.cases.models import Case
from core.cases.sla import breach_moment
from core.cases.workflow import STAGES
from core.db import Money
from core.i18n import N_
from core.kpi.cache import TtlCache
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult, frame
from core.kpi.sql import moment

SLA_STAGES = tuple(s for s in STAGES if not s.closed and s.sla_days is not None)
#: "How far over": the aging chart's bands of days past the SLA.
OVER_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("over_1_7", 0, 7),
    ("over_8_30", 7, 30),
    ("over_31", 30, None),
)
BAND_LABELS: dict[str, str] = {
    "within_sla": N_("Within SLA"),
    "over_1_7": N_("Over by 1–7 days"),
    "over_8_30": N_("Over by 8–30 days"),
    "over_31": N_("Over by more than 30 days"),
}
TITLE_STAGES = N_("Cases by stage now")
TITLE_AGING = N_("Open cases against their stage's SLA")


def sla_deadlines(now: dt.datetime) -> Subquery:
    """One row per stage with an SLA: the moments before which a case must have entered the
    stage to be over its SLA by more than 0, 7 and 30 days (columns ``over_0``, ``over_7``, ...),
    from ``core.cases.sla.breach_moment``: the one definition the search and the board use too.

    Joined to ``cases`` on the stage (a hash join against a dozen rows), so each case compares
    its ``entered_stage_at`` with its own stage's deadlines directly; a ``CASE`` over the stage
    code per band cost about 1.5 times as much on a million cases (bench/kpi.py).
    """
    rows = [
        select(
            literal(s.code, String()).label("stage"),
            *(
                moment(breach_moment(s.sla_days, now, lo)).label(f"over_{lo}")  # type: ignore[arg-type]
                for _, lo, _ in OVER_BANDS
            ),
        )
        for s in SLA_STAGES
    ]
    return union_all(*rows).subquery("sla")


@dataclass(frozen=True)
class SnapshotRow:
    """Cases now, per (stage, responsible person): the one scan of ``cases`` that the funnel,
    stage aging and workload share."""

    stage: str
    responsible_id: int | None
    cases: int
    claim_amount: Decimal
    oldest_entered: dt.datetime | None
    over_from: tuple[int, ...]  # over the SLA by more than 0, 7, 30 days (OVER_BANDS)
    claimed_before: Decimal  # claim amounts of the cases opened before the period (recovery rate)


_snapshots = TtlCache(ttl_seconds=60, max_entries=64)


def case_snapshot(session: Session, f: KpiFilters, now: dt.datetime) -> list[SnapshotRow]:
    """Remembered for the same database, filters and clock, so one dashboard scans once."""
    key = (session.get_bind().url.render_as_string(hide_password=True), f, now)
    return _snapshots.get_or_compute(key, lambda: _scan(session, f, now))  # type: ignore[no-any-return]


def _scan(session: Session, f: KpiFilters, now: dt.datetime) -> list[SnapshotRow]:
    sla = sla_deadlines(now)
    # a case of a stage without an SLA finds no deadline row: NULL comparisons count as 0
    band_sums = [func.sum(case((Case.entered_stage_at <= sla.c[f"over_{lo}"], 1), else_=0)) for _, lo, _ in OVER_BANDS]
    rows = session.execute(
        select(
            Case.stage,
            Case.responsible_id,
            func.count(),
            func.sum(Case.claim_amount, type_=Money()),
            func.min(Case.entered_stage_at),
            func.sum(case((Case.opened_at < f.start, Case.claim_amount), else_=None), type_=Money()),
            *band_sums,
        )
        .select_from(Case)
        .outerjoin(sla, sla.c.stage == Case.stage)
        .where(*f.case_conditions())
        .group_by(Case.stage, Case.responsible_id)
    ).all()
    return [
        SnapshotRow(
            r[0],
            r[1],
            int(r[2]),
            r[3] or Decimal("0.00"),
            r[4],
            tuple(int(x or 0) for x in r[6:]),
            r[5] or Decimal("0.00"),
        )
        for r in rows
    ]


def clear_snapshots() -> None:
    _snapshots.clear()


def funnel(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Cases and their claimed amount by current stage, in workflow order (every stage shown)."""
    found: dict[str, list[Any]] = {}
    for r in case_snapshot(session, f, now):
        acc = found.setdefault(r.stage, [0, Decimal("0.00")])
        acc[0] += r.cases
        acc[1] += r.claim_amount
    columns = ["stage", "label", "cases", "claim_amount", "closed", "color"]
    if not found:
        return KpiResult("funnel", TITLE_STAGES, frame([], columns))
    none = [0, Decimal("0.00")]
    data = [
        (s.code, s.label, *found.get(s.code, none), s.closed, s.color)
        for s in STAGES
        if not f.stages or s.code in f.stages
    ]
    result = frame(data, columns)
    total = int(result["cases"].sum())
    open_cases = int(result.loc[~result["closed"], "cases"].sum())
    return KpiResult("funnel", TITLE_STAGES, result, {"total": total, "open": open_cases})


def aging(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Open cases per stage: within the SLA, and how far over it (bands of days), the oldest."""
    columns = ["stage", "label", "sla_days", "cases", "within_sla"] + [b[0] for b in OVER_BANDS]
    columns += ["over_sla", "over_share", "oldest_days"]
    by_stage: dict[str, list[Any]] = {}
    for r in case_snapshot(session, f, now):
        acc = by_stage.setdefault(r.stage, [0, None, [0] * len(OVER_BANDS)])
        acc[0] += r.cases
        if r.oldest_entered is not None and (acc[1] is None or r.oldest_entered < acc[1]):
            acc[1] = r.oldest_entered
        acc[2] = [a + b for a, b in zip(acc[2], r.over_from, strict=True)]
    data: list[tuple[Any, ...]] = []
    for s in SLA_STAGES:
        if s.code not in by_stage:
            continue
        cases, oldest, over_from = by_stage[s.code]
        bands = [over_from[i] - (over_from[i + 1] if i + 1 < len(over_from) else 0) for i in range(len(over_from))]
        share = round(over_from[0] / cases, 4) if cases else 0.0
        oldest_days = (now - oldest).days if oldest else 0
        data.append(
            (s.code, s.label, s.sla_days, cases, cases - over_from[0], *bands, over_from[0], share, oldest_days)
        )
    if not data:
        return KpiResult("aging", TITLE_AGING, frame([], columns))
    result = frame(data, columns)
    over = int(result["over_sla"].sum())
    open_cases = int(result["cases"].sum())
    return KpiResult(
        "aging",
        TITLE_AGING,
        result,
        {"open": open_cases, "over_sla": over, "over_share": round(over / open_cases, 4) if open_cases else 0.0},
    )

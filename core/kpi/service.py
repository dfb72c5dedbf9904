"""The KPI dashboard: permission check, the registry of KPIs, headline tiles, a short cache.

Every KPI is one or a few SQL aggregations returning a small DataFrame (``core/kpi/<family>.py``).
Results are cached for ``CACHE_SECONDS`` per database, KPI and filter set, so flipping filters
back and forth or several heads opening the page at once does not repeat the queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from core.auth.models import User
from core.auth.permissions import Actor, Permission, Role, require
from core.cases.models import AssignmentAgreement, Creditor
from core.cases.workflow import CLOSED_STAGES, OPEN_STAGES
from core.db import Money, utcnow
from core.i18n import N_
from core.kpi import bureau, court, daily, mail, money, ocr, stages, throughput, workload
from core.kpi.cache import TtlCache
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult

CACHE_SECONDS = 60.0
_cache = TtlCache(CACHE_SECONDS)

Compute = Callable[[Session, KpiFilters, dt.datetime], KpiResult]
Link = Callable[[KpiFilters], dict[str, str]]


@dataclass(frozen=True)
class KpiSpec:
    key: str
    family: str
    compute: Compute
    link: Link


def _same(f: KpiFilters) -> dict[str, str]:
    return f.search_params()


def _stages(*codes: str) -> Link:
    def link(f: KpiFilters) -> dict[str, str]:
        chosen = [c for c in codes if not f.stages or c in f.stages] or list(codes)
        return f.search_params(stages=chosen)

    return link


REGISTRY: tuple[KpiSpec, ...] = (
    KpiSpec("funnel", "Stages", stages.funnel, _same),
    KpiSpec("aging", "Stages", stages.aging, lambda f: f.search_params(over_sla=True)),
    KpiSpec("transitions", "Throughput", throughput.transitions_per_bucket, _same),
    KpiSpec(
        "opened_closed",
        "Throughput",
        throughput.opened_closed_per_bucket,
        lambda f: f.search_params(opened_in_period=True),
    ),
    KpiSpec("court_outcomes", "Court", court.court_outcomes, _stages(*(c for c, _ in court.OUTCOMES))),
    KpiSpec("mail_to_order", "Court", court.mail_to_order_days, _stages(court.ORDER_STAGE)),
    KpiSpec(
        "claimed_collected", "Money", money.claimed_and_collected, lambda f: f.search_params(opened_in_period=True)
    ),
    KpiSpec("recovery_rate", "Money", money.recovery_rate, _same),
    KpiSpec("cycle_time", "Money", money.cycle_time, _stages("repaid")),
    KpiSpec("write_off", "Money", money.write_off_rate, _stages(*CLOSED_STAGES)),
    KpiSpec("plan_adherence", "Money", money.plan_adherence, _same),
    KpiSpec("mail_delivery", "Mail", mail.delivery_days, _same),
    KpiSpec("mail_outcomes", "Mail", mail.mail_outcomes, lambda f: f.search_params(flags=["mail_returned"])),
    KpiSpec("bureau_timeliness", "Bureau", bureau.timeliness, _same),
    KpiSpec("bureau_overdue", "Bureau", bureau.overdue, _same),
    KpiSpec("workload", "Workload", workload.workload, _stages(*OPEN_STAGES)),
    KpiSpec("ocr_corrections", "OCR", ocr.corrections, _same),
)
SPEC_BY_KEY: dict[str, KpiSpec] = {s.key: s for s in REGISTRY}


def clear_cache() -> None:
    _cache.clear()
    stages.clear_snapshots()
    daily.clear()


def _db_key(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=True)


def _cached(session: Session, name: str, f: KpiFilters, now: dt.datetime | None, compute: Callable[[], Any]) -> Any:
    return _cache.get_or_compute((_db_key(session), name, f, now), compute)


def _spec(key: str) -> KpiSpec:
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise KeyError(f"unknown KPI '{key}'; known: {', '.join(SPEC_BY_KEY)}")
    return spec


def _kpi(session: Session, spec: KpiSpec, f: KpiFilters, now: dt.datetime | None, at: dt.datetime) -> KpiResult:
    """``now`` is the caller's fixed clock (part of the cache key), ``at`` the clock used."""

    def compute() -> KpiResult:
        return replace(spec.compute(session, f, at), search=spec.link(f))

    return _cached(session, spec.key, f, now, compute)  # type: ignore[no-any-return]


def kpi(session: Session, actor: Actor, key: str, f: KpiFilters, now: dt.datetime | None = None) -> KpiResult:
    """One KPI for the filter set (cached briefly); ``now`` fixes the clock (tests)."""
    require(actor, Permission.KPI_VIEW)
    return _kpi(session, _spec(key), f, now, now or utcnow())


@dataclass(frozen=True)
class Tile:
    """A headline number and the same number for the previous, equally long period."""

    key: str
    label: str
    value: Any
    previous: Any = None
    unit: str = "count"  # count | money | share
    higher_is_better: bool = True
    search: dict[str, str] = field(default_factory=dict)

    @property
    def delta(self) -> Any:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Dashboard:
    filters: KpiFilters
    generated_at: dt.datetime
    tiles: list[Tile]
    kpis: dict[str, KpiResult]


def _two_periods(session: Session, f: KpiFilters, now: dt.datetime) -> dict[str, tuple[Any, Any]]:
    """Period-based headline numbers for this period and the previous one (shared day-level
    aggregates, plus one query on the ledger)."""
    p = f.previous()
    days = daily.daily(session, f)
    new_now, claimed_now = days.opened_between(f.date_from, f.date_to)
    new_prev, claimed_prev = days.opened_between(p.date_from, p.date_to)
    closed_now = sum(days.closed_between(f.date_from, f.date_to).values())
    closed_prev = sum(days.closed_between(p.date_from, p.date_to).values())
    moved_now = days.moves_between(f.date_from, f.date_to)
    moved_prev = days.moves_between(p.date_from, p.date_to)
    moves_now, moves_prev = sum(moved_now.values()), sum(moved_prev.values())
    orders_now, orders_prev = moved_now.get(court.ORDER_STAGE, 0), moved_prev.get(court.ORDER_STAGE, 0)
    out: dict[str, tuple[Any, Any]] = {
        "new_cases": (int(new_now or 0), int(new_prev or 0)),
        "claimed": (claimed_now or Decimal("0.00"), claimed_prev or Decimal("0.00")),
        "closed": (int(closed_now or 0), int(closed_prev or 0)),
        "moves": (int(moves_now or 0), int(moves_prev or 0)),
        "orders": (int(orders_now or 0), int(orders_prev or 0)),
    }
    if money.ledger_available(session):
        e = money.ledger.LedgerEntry
        col_now, col_prev = session.execute(
            money.payments_query(
                f,
                func.sum(case((e.effective_date >= f.date_from, e.amount), else_=None), type_=Money()),
                func.sum(case((e.effective_date < f.date_from, e.amount), else_=None), type_=Money()),
            ).where(e.effective_date >= p.date_from, e.effective_date <= f.date_to)
        ).one()
        out["collected"] = (col_now or Decimal("0.00"), col_prev or Decimal("0.00"))
    return out


def headline(session: Session, actor: Actor, f: KpiFilters, now: dt.datetime | None = None) -> list[Tile]:
    """The tiles above the charts: period numbers with the change against the previous period,
    and two snapshot numbers (open cases, over SLA) without a comparison."""
    require(actor, Permission.KPI_VIEW)
    return _headline(session, f, now, now or utcnow())


def _headline(session: Session, f: KpiFilters, now: dt.datetime | None, at: dt.datetime) -> list[Tile]:
    def compute() -> list[Tile]:
        two = _two_periods(session, f, at)
        aging = _kpi(session, _spec("aging"), f, now, at)
        tiles = [
            Tile("new_cases", N_("New cases"), *two["new_cases"], search=f.search_params(opened_in_period=True)),
            Tile(
                "claimed",
                N_("Claimed"),
                *two["claimed"],
                unit="money",
                search=f.search_params(opened_in_period=True),
            ),
        ]
        if "collected" in two:
            tiles.append(Tile("collected", N_("Collected"), *two["collected"], unit="money"))
        tiles += [
            Tile("closed", N_("Closed cases"), *two["closed"], search=f.search_params(stages=list(CLOSED_STAGES))),
            Tile("moves", N_("Stage moves"), *two["moves"]),
            Tile(
                "orders",
                N_("Orders issued"),
                *two["orders"],
                search=f.search_params(stages=[court.ORDER_STAGE]),
            ),
            Tile(
                "open_cases",
                N_("Open cases now"),
                aging.stats.get("open", 0),
                search=f.search_params(stages=[s for s in OPEN_STAGES if not f.stages or s in f.stages]),
            ),
            Tile(
                "over_sla",
                N_("Over SLA now"),
                aging.stats.get("over_sla", 0),
                higher_is_better=False,
                search=f.search_params(over_sla=True),
            ),
        ]
        return tiles

    return _cached(session, "headline", f, now, compute)


def dashboard(session: Session, actor: Actor, f: KpiFilters, now: dt.datetime | None = None) -> Dashboard:
    """Everything the page shows for one filter set."""
    require(actor, Permission.KPI_VIEW)
    at = now or utcnow()  # one clock for the whole page, so the KPIs share their scans
    tiles = _headline(session, f, now, at)
    return Dashboard(f, at, tiles, {s.key: _kpi(session, s, f, now, at) for s in REGISTRY})


# A "loose index scan": one ``ix_debtors_region`` probe per distinct region (a few dozen) instead
# of grouping a million debtors; portable (SQLite and PostgreSQL both have recursive CTEs).
_DISTINCT_REGIONS = text(
    """
    WITH RECURSIVE r(region) AS (
        SELECT min(region) FROM debtors
        UNION ALL
        SELECT (SELECT min(d.region) FROM debtors d WHERE d.region > r.region) FROM r WHERE r.region IS NOT NULL
    )
    SELECT region FROM r WHERE region IS NOT NULL ORDER BY region
    """
)


def distinct_regions(session: Session) -> list[str]:
    """The debtors' regions, sorted, without NULL."""
    return [str(r) for (r,) in session.execute(_DISTINCT_REGIONS)]


@dataclass(frozen=True)
class FilterOptions:
    creditors: dict[int, str]
    agreements: dict[int, str]
    regions: list[str]
    users: dict[int, str]
    stages: dict[str, str]

    def names(self) -> dict[str, dict[Any, str]]:
        return {"creditors": self.creditors, "agreements": self.agreements, "users": self.users}


def filter_options(session: Session, actor: Actor) -> FilterOptions:
    """What the filter widgets offer (cached like the KPIs)."""
    require(actor, Permission.KPI_VIEW)
    from core.cases.workflow import STAGES

    def compute() -> FilterOptions:
        creditors = {
            int(i): n
            for i, n in session.execute(
                select(Creditor.id, Creditor.short_name).where(Creditor.is_own.is_(False)).order_by(Creditor.short_name)
            )
        }
        agreements = {
            int(i): f"{n}, {d:%d.%m.%Y}"
            for i, n, d in session.execute(
                select(AssignmentAgreement.id, AssignmentAgreement.number, AssignmentAgreement.date).order_by(
                    AssignmentAgreement.date.desc(), AssignmentAgreement.number
                )
            )
        }
        regions = distinct_regions(session)
        users = {
            int(i): n
            for i, n in session.execute(
                select(User.id, User.full_name)
                .where(User.is_active.is_(True), User.role.in_([Role.CLERK.value, Role.LAWYER.value, Role.HEAD.value]))
                .order_by(User.full_name)
            )
        }
        return FilterOptions(creditors, agreements, regions, users, {s.code: s.label for s in STAGES})

    return _cached(session, "filter_options", KpiFilters.last_days(1), None, compute)

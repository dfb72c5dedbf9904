"""The dashboard's filter set and how it narrows the case queries and the search links.

The period is a range of local calendar days (the department's time zone), inclusive at both
ends; it selects *what happened* (cases opened, transitions made, payments received) in that
range. The other filters select *which cases* count: creditor, assignment agreement, debtor's
region, responsible person and the case's current stage. Snapshot KPIs (funnel, aging,
workload) show the cases as they stand now and ignore the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from core.calendar import local_date, local_tz
from core.cases.models import Case, Debtor
from core.cases.search import CaseFilter, filter_conditions
from core.cases.workflow import STAGE_BY_CODE
from core.db import utcnow
from core.errors import ValidationFailed
from core.i18n import _
from core.kpi.periods import GRANULARITIES, Granularity, auto_granularity

#: the page opens on the last twelve calendar months (this one to date), shown by month: enough
#: history for a trend, and what a head reports on; ``last_days`` keeps a plain day count
DEFAULT_PERIOD_MONTHS = 12
DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3 * 366


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC moment a local calendar day starts."""
    return dt.datetime.combine(day, dt.time(), tzinfo=local_tz()).astimezone(dt.UTC)


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(sorted({int(v) for v in values or ()}))


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values or () if str(v).strip()}))


@dataclass(frozen=True)
class KpiFilters:
    """One filter set; hashable, so it keys the KPI cache."""

    date_from: dt.date
    date_to: dt.date
    creditor_ids: tuple[int, ...] = field(default=())
    agreement_ids: tuple[int, ...] = field(default=())
    regions: tuple[str, ...] = field(default=())
    responsible_ids: tuple[int, ...] = field(default=())
    stages: tuple[str, ...] = field(default=())
    #: time buckets of the period charts: auto (by the period's length), day, week or month
    granularity: str = "auto"

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.date_from > self.date_to:
            problems.append(
                _("the period starts ({start}) after it ends ({end}); swap the dates").format(
                    start=f"{self.date_from:%d.%m.%Y}", end=f"{self.date_to:%d.%m.%Y}"
                )
            )
        elif (self.date_to - self.date_from).days + 1 > MAX_PERIOD_DAYS:
            problems.append(_("the period is longer than {n} days; choose a shorter one").format(n=MAX_PERIOD_DAYS))
        unknown = [s for s in self.stages if s not in STAGE_BY_CODE]
        if unknown:
            problems.append(_("unknown stage(s): {stages}").format(stages=", ".join(unknown)))
        if self.granularity not in GRANULARITIES:
            problems.append(
                _("unknown time bucket '{value}'; choose one of: {choices}").format(
                    value=self.granularity, choices=", ".join(GRANULARITIES)
                )
            )
        if problems:
            raise ValidationFailed(_("The KPI filters cannot be used."), problems)
        object.__setattr__(self, "creditor_ids", _ints(self.creditor_ids))
        object.__setattr__(self, "agreement_ids", _ints(self.agreement_ids))
        object.__setattr__(self, "responsible_ids", _ints(self.responsible_ids))
        object.__setattr__(self, "regions", _strs(self.regions))
        object.__setattr__(self, "stages", tuple(s for s in STAGE_BY_CODE if s in set(self.stages)))

    @classmethod
    def last_days(cls, days: int = DEFAULT_PERIOD_DAYS, today: dt.date | None = None, **kw: Any) -> KpiFilters:
        """The ``days`` local days ending today (the page's default period)."""
        today = today or local_date(utcnow())
        return cls(date_from=today - dt.timedelta(days=days - 1), date_to=today, **kw)

    @classmethod
    def last_months(cls, months: int = DEFAULT_PERIOD_MONTHS, today: dt.date | None = None, **kw: Any) -> KpiFilters:
        """The ``months`` calendar months ending with the current one (to ``today``): the page's
        default period, so every monthly bar but the last is a whole month."""
        today = today or local_date(utcnow())
        first = today.replace(day=1)
        for _i in range(months - 1):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return cls(date_from=first, date_to=today, **kw)

    @property
    def bucket(self) -> Granularity:
        """The time bucket the period charts use."""
        if self.granularity == "auto":
            return auto_granularity(self.days)
        return self.granularity  # type: ignore[return-value]

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> dt.datetime:
        """First UTC moment of the period."""
        return local_midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """First UTC moment after the period."""
        return local_midnight(self.date_to + dt.timedelta(days=1))

    def previous(self) -> KpiFilters:
        """The same filters over the equally long period just before this one."""
        return KpiFilters(
            date_from=self.date_from - dt.timedelta(days=self.days),
            date_to=self.date_from - dt.timedelta(days=1),
            creditor_ids=self.creditor_ids,
            agreement_ids=self.agreement_ids,
            regions=self.regions,
            responsible_ids=self.responsible_ids,
            stages=self.stages,
            granularity=self.granularity,
        )

    def narrows_cases(self) -> bool:
        return bool(self.creditor_ids or self.agreement_ids or self.regions or self.responsible_ids or self.stages)

    def case_conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions on ``cases`` for the case filters (not the period).

        The search's own conditions for ``case_filter()``, so a KPI counts the cases its search link
        shows; only the region is asked through a subquery, as the KPI queries do not join the debtor.
        The filter sets no time-dependent condition, so the ``now`` passed is never used.
        """
        conditions = filter_conditions(self.case_filter(regions=[]), utcnow())
        if self.regions:
            conditions.append(Case.debtor_id.in_(select(Debtor.id).where(Debtor.region.in_(self.regions))))
        return conditions

    def case_ids_subquery(self) -> Any:
        """``SELECT cases.id`` under the case filters, for queries on other tables."""
        return select(Case.id).where(*self.case_conditions())

    def case_filter(self, *, opened_in_period: bool = False, **extra: Any) -> CaseFilter:
        """The case search filter showing the same cases (``extra`` overrides, e.g. stages)."""
        f = CaseFilter(
            creditor_ids=list(self.creditor_ids),
            agreement_ids=list(self.agreement_ids),
            regions=list(self.regions),
            responsible_ids=list(self.responsible_ids),
            stages=list(self.stages),
        )
        if opened_in_period:
            f.opened_from, f.opened_to = self.date_from, self.date_to
        for key, value in extra.items():
            setattr(f, key, value)
        return f

    def search_params(self, *, opened_in_period: bool = False, **extra: Any) -> dict[str, str]:
        """Query parameters of the case search page (``pages/search.py``) for the same cases."""
        return self.case_filter(opened_in_period=opened_in_period, **extra).to_query_params()

    def describe(self, names: dict[str, dict[Any, str]] | None = None) -> list[tuple[str, str]]:
        """Human-readable filter lines (export sheet, captions); ``names`` maps ids to names."""
        names = names or {}
        everything = _("all")

        def label(kind: str, values: tuple[Any, ...]) -> str:
            lookup = names.get(kind, {})
            return ", ".join(lookup.get(v, str(v)) for v in values) if values else everything

        return [
            (_("Period"), f"{self.date_from:%d.%m.%Y} – {self.date_to:%d.%m.%Y}"),
            (_("Creditors"), label("creditors", self.creditor_ids)),
            (_("Assignment agreements"), label("agreements", self.agreement_ids)),
            (_("Regions"), ", ".join(self.regions) or everything),
            (_("Responsible"), label("users", self.responsible_ids)),
            (_("Stages"), ", ".join(_(STAGE_BY_CODE[s].label) for s in self.stages) or everything),
        ]

"""Case search: filters -> SQL, any sortable column, keyset pagination, total count, export.

Keyset pagination (``WHERE (sort, id) > (last sort, last id)``) keeps page N as fast as page 1
on a million cases and stable while others edit: a row never appears twice or is skipped
because rows before it moved.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, literal, select, tuple_
from sqlalchemy.orm import Session, aliased

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import Actor, Permission, require
from core.cases.models import AssignmentAgreement, Case, CaseFlag, Contract, Creditor, Debtor
from core.cases.name_match import debtor_name_contains, like_contains_pattern
from core.cases.sla import days_in_stage, is_over_sla, over_sla_condition
from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.db import utcnow
from core.i18n import N_
from core.text import escape_spreadsheet_cell, name_search_key

EXPORT_CAP = 500_000


@dataclass
class CaseFilter:
    number: str | None = None
    contract_number: str | None = None
    creditor_ids: list[int] = field(default_factory=list)
    agreement_ids: list[int] = field(default_factory=list)
    debtor_name: str | None = None
    birth_date: dt.date | None = None
    court_case_number: str | None = None
    stages: list[str] = field(default_factory=list)
    responsible_ids: list[int] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    claim_min: Decimal | None = None
    claim_max: Decimal | None = None
    min_days_in_stage: int | None = None
    over_sla: bool = False
    flags: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))

    def to_query_params(self) -> dict[str, str]:
        """The filter as URL parameters (lists comma-separated, dates ISO, flags 1)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", [], False):
                continue
            if isinstance(value, list):
                out[f.name] = ",".join(str(v) for v in value)
            elif isinstance(value, bool):
                out[f.name] = "1"
            elif isinstance(value, dt.date):
                out[f.name] = value.isoformat()
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_query_params(cls, params: dict[str, str]) -> CaseFilter:
        """Inverse of ``to_query_params``; unreadable values are ignored, not fatal."""
        f = cls()
        int_lists = {"creditor_ids", "agreement_ids", "responsible_ids"}
        str_lists = {"stages", "regions", "flags"}
        for key, raw in params.items():
            if not raw or not hasattr(f, key):
                continue
            try:
                if key in int_lists:
                    setattr(f, key, [int(x) for x in raw.split(",") if x.strip()])
                elif key in str_lists:
                    setattr(f, key, [x.strip() for x in raw.split(",") if x.strip()])
                elif key in {"birth_date", "opened_from", "opened_to"}:
                    setattr(f, key, dt.date.fromisoformat(raw))
                elif key in {"claim_min", "claim_max"}:
                    setattr(f, key, Decimal(raw))
                elif key == "min_days_in_stage":
                    setattr(f, key, int(raw))
                elif key == "over_sla":
                    setattr(f, key, raw.lower() in {"1", "true", "yes"})
                else:
                    setattr(f, key, raw)
            except (ValueError, ArithmeticError):
                continue
        return f


Responsible = aliased(User)

SORTABLE: dict[str, str] = {
    "opened_at": N_("Opened"),
    "number": N_("Case"),
    "debtor": N_("Debtor"),
    "birth_date": N_("Birth date"),
    "contract": N_("Contract"),
    "creditor": N_("Creditor"),
    "stage": N_("Stage"),
    "days_in_stage": N_("Days in stage"),
    "responsible": N_("Responsible"),
    "region": N_("Region"),
    "claim_amount": N_("Claim amount"),
    "court_case_number": N_("Court case no."),
}


def _sort_expr(sort: str) -> ColumnElement[Any]:
    exprs: dict[str, ColumnElement[Any]] = {
        "opened_at": Case.opened_at,
        "number": Case.id,
        "debtor": Debtor.name_search,
        "birth_date": func.coalesce(Debtor.birth_date, dt.date(1900, 1, 1)),
        "contract": Contract.number,
        "creditor": Creditor.short_name,
        "stage": Case.stage,
        # more days in stage = entered earlier; sorting "descending by days" is ascending by date
        "days_in_stage": Case.entered_stage_at,
        "responsible": func.coalesce(Responsible.full_name, ""),
        "region": func.coalesce(Debtor.region, ""),
        "claim_amount": Case.claim_amount,
        "court_case_number": func.coalesce(Case.court_case_number, ""),
    }
    if sort not in exprs:
        raise ValueError(f"cannot sort by '{sort}'; choose one of {', '.join(SORTABLE)}")
    return exprs[sort]


def filter_conditions(f: CaseFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
    """WHERE conditions of a case filter (``now`` dates the days-in-stage and SLA ones).

    The KPI dashboard reuses them so a KPI counts the cases its search link shows. The contract
    number, debtor name, birth date and region conditions name ``contracts`` and ``debtors``: a
    statement using them joins those tables (see ``_base`` and ``_narrow``).
    """
    c: list[ColumnElement[bool]] = []
    if f.number:
        text = f.number.strip().upper()
        digits = text.removeprefix("C").lstrip("-")
        c.append(Case.id == int(digits) if digits.isdigit() else Case.number == text)
    if f.contract_number:
        c.append(Contract.number.ilike(f"%{f.contract_number.strip()}%"))
    if f.creditor_ids:
        c.append(Case.creditor_id.in_(f.creditor_ids))
    if f.agreement_ids:
        c.append(Case.agreement_id.in_(f.agreement_ids))
    if f.debtor_name and f.debtor_name.strip():
        c.append(debtor_name_contains(Debtor.name_search, f.debtor_name))
    if f.birth_date:
        c.append(Debtor.birth_date == f.birth_date)
    if f.court_case_number:
        c.append(Case.court_case_number.ilike(f"%{f.court_case_number.strip()}%"))
    if f.stages:
        c.append(Case.stage.in_(f.stages))
    if f.responsible_ids:
        c.append(Case.responsible_id.in_(f.responsible_ids))
    if f.regions:
        c.append(Debtor.region.in_(f.regions))
    if f.opened_from:
        c.append(Case.opened_at >= _local_midnight(f.opened_from))
    if f.opened_to:
        c.append(Case.opened_at < _local_midnight(f.opened_to + dt.timedelta(days=1)))
    if f.claim_min is not None:
        c.append(Case.claim_amount >= f.claim_min)
    if f.claim_max is not None:
        c.append(Case.claim_amount <= f.claim_max)
    if f.min_days_in_stage:
        c.append(Case.entered_stage_at <= now - dt.timedelta(days=f.min_days_in_stage))
    if f.over_sla:
        c.append(over_sla_condition(now))
    if f.flags:
        c.append(
            exists().where(CaseFlag.case_id == Case.id, CaseFlag.kind.in_(f.flags), CaseFlag.resolved_at.is_(None))
        )
    return c


def _local_midnight(day: dt.date) -> dt.datetime:
    from core.calendar import local_tz

    return dt.datetime.combine(day, dt.time(), tzinfo=local_tz()).astimezone(dt.UTC)


def _base(f: CaseFilter, now: dt.datetime, columns: Sequence[Any]) -> Any:
    stmt = (
        select(*columns)
        .select_from(Case)
        .join(Debtor, Debtor.id == Case.debtor_id)
        .join(Contract, Contract.id == Case.contract_id)
        .join(Creditor, Creditor.id == Case.creditor_id)
        .outerjoin(Responsible, Responsible.id == Case.responsible_id)
        .outerjoin(AssignmentAgreement, AssignmentAgreement.id == Case.agreement_id)
    )
    for cond in filter_conditions(f, now):
        stmt = stmt.where(cond)
    return stmt


def _narrow(f: CaseFilter, now: dt.datetime, sort: str | None, columns: Sequence[Any]) -> Any:
    """Cases joined only to what the filters or the sort need (the joins are 1:1, so they never
    change which cases match)."""
    stmt = select(*columns).select_from(Case)
    if f.debtor_name or f.birth_date or f.regions or sort in {"debtor", "birth_date", "region"}:
        stmt = stmt.join(Debtor, Debtor.id == Case.debtor_id)
    if f.contract_number or sort == "contract":
        stmt = stmt.join(Contract, Contract.id == Case.contract_id)
    if sort == "creditor":
        stmt = stmt.join(Creditor, Creditor.id == Case.creditor_id)
    if sort == "responsible":
        stmt = stmt.outerjoin(Responsible, Responsible.id == Case.responsible_id)
    for cond in filter_conditions(f, now):
        stmt = stmt.where(cond)
    return stmt


def _count_stmt(f: CaseFilter, now: dt.datetime) -> Any:
    return _narrow(f, now, None, (func.count(),))


@dataclass(frozen=True)
class CaseRow:
    id: int
    number: str
    debtor_name: str
    birth_date: dt.date | None
    region: str | None
    contract_number: str
    creditor: str
    agreement: str | None
    stage: str
    stage_label: str
    responsible: str | None
    days_in_stage: int
    over_sla: bool
    claim_amount: Decimal
    opened_at: dt.datetime
    court_case_number: str | None
    version: int


@dataclass(frozen=True)
class Cursor:
    value: Any
    id: int


@dataclass(frozen=True)
class SearchPage:
    rows: list[CaseRow]
    total: int | None
    next_cursor: Cursor | None


_ROW_COLUMNS = (
    Case.id,
    Case.number,
    Debtor.full_name,
    Debtor.birth_date,
    Debtor.region,
    Contract.number.label("contract_number"),
    Creditor.short_name.label("creditor"),
    AssignmentAgreement.number.label("agreement"),
    Case.stage,
    Responsible.full_name.label("responsible"),
    Case.entered_stage_at,
    Case.claim_amount,
    Case.opened_at,
    Case.court_case_number,
    Case.version,
)


def _to_row(r: Any, now: dt.datetime) -> CaseRow:
    st = STAGE_BY_CODE[r.stage]
    days = days_in_stage(r.entered_stage_at, now)
    return CaseRow(
        id=r.id,
        number=r.number,
        debtor_name=r.full_name,
        birth_date=r.birth_date,
        region=r.region,
        contract_number=r.contract_number,
        creditor=r.creditor,
        agreement=r.agreement,
        stage=r.stage,
        stage_label=st.label,
        responsible=r.responsible,
        days_in_stage=days,
        over_sla=is_over_sla(r.stage, r.entered_stage_at, now),
        claim_amount=r.claim_amount,
        opened_at=r.opened_at,
        court_case_number=r.court_case_number,
        version=r.version,
    )


def search_cases(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    sort: str = "opened_at",
    descending: bool = True,
    limit: int = 50,
    after: Cursor | None = None,
    with_total: bool = True,
    now: dt.datetime | None = None,
) -> SearchPage:
    """One page of matching cases after ``after`` (None = first page), and the total count."""
    require(actor, Permission.CASE_VIEW)
    now = now or utcnow()
    key = _sort_expr(sort)
    # Deferred join: find the page's ids on the narrow case rows (joining only what the filter or
    # the sort needs), then fetch the page's details for those ids alone.
    # A name search finds its matches through the name index, not in the order of any sort, so
    # the page query visits every match anyway: it counts them in the same pass (one read of the
    # matches instead of two). Other filters page from an index and count separately.
    if not with_total and sort == "debtor" and not descending:
        walked = _name_walk_page(session, f, now, limit, after)
        if walked is not None:
            return _page_from_keys(session, walked, limit, now)
    counted_in_page = with_total and after is None and bool(f.debtor_name and f.debtor_name.strip())
    columns = [Case.id, key.label("sort_key")]
    if counted_in_page:
        columns.append(func.count().over().label("total"))
    stmt = _narrow(f, now, sort, columns)
    if after is not None:
        pair = tuple_(key, Case.id)
        bound = tuple_(literal(after.value, key.type), literal(after.id))
        stmt = stmt.where(pair < bound if descending else pair > bound)
    order = (key.desc(), Case.id.desc()) if descending else (key.asc(), Case.id.asc())
    keys = session.execute(stmt.order_by(*order).limit(limit + 1)).all()
    page = _page_from_keys(session, keys, limit, now)
    total: int | None = None
    if counted_in_page:
        total = int(keys[0].total) if keys else 0
    elif with_total:
        total = int(session.scalar(_count_stmt(f, now)) or 0)
    return SearchPage(page.rows, total, page.next_cursor)


def _page_from_keys(session: Session, keys: Sequence[Any], limit: int, now: dt.datetime) -> SearchPage:
    """The page's rows for up to ``limit + 1`` (id, sort_key) pairs; the extra one says "more"."""
    has_more = len(keys) > limit
    keys = keys[:limit]
    details = {
        r.id: r
        for r in session.execute(_base(CaseFilter(), now, _ROW_COLUMNS).where(Case.id.in_([k.id for k in keys])))
    }
    rows = [_to_row(details[k.id], now) for k in keys if k.id in details]
    next_cursor = Cursor(keys[-1].sort_key, keys[-1].id) if has_more and keys else None
    return SearchPage(rows, None, next_cursor)


# How many distinct names, in order, the first page of a name search reads before it falls back
# to the name-fragment index (``_name_walk_page``); an index-only walk of 20,000 names costs a few
# milliseconds.
NAME_WALK_BUDGET = 20_000
_NAME_WALK_FILTERS = {
    "number",
    "debtor_name",
    "stages",
    "creditor_ids",
    "agreement_ids",
    "responsible_ids",
    "court_case_number",
    "opened_from",
    "opened_to",
    "claim_min",
    "claim_max",
    "min_days_in_stage",
    "over_sla",
    "flags",
}


def _name_walk_page(
    session: Session, f: CaseFilter, now: dt.datetime, limit: int, after: Cursor | None
) -> Sequence[Any] | None:
    """The first page of a partial-name search in name order, read in the order the name index
    keeps: walk the distinct names alphabetically (from the cursor), keep those that contain the
    text, stop at ``limit + 1`` cases. A common fragment ("ов", "иванов") fills the page within
    the first few thousand names, whatever the number of matches; a rare one ("кондрат") does
    not fill it within ``NAME_WALK_BUDGET`` names and returns None: the name-fragment index then
    finds its few matches (a cost that grows with the matches, which are few). The page is the
    same either way: the ``limit`` first matching cases by (name, case id)."""
    key = name_search_key(f.debtor_name or "")
    if not key or any(
        getattr(f, name) != getattr(CaseFilter(), name)
        for name in set(CaseFilter.__dataclass_fields__) - _NAME_WALK_FILTERS
    ):
        return None
    # distinct names, read from the name index alone (an index-only scan): many debtors share a
    # name, and the budget counts names, not debtors
    walk = select(Debtor.name_search).distinct()
    if after is not None:
        walk = walk.where(Debtor.name_search >= after.value)
    walk_sub = walk.order_by(Debtor.name_search).limit(NAME_WALK_BUDGET).subquery("walk")
    stmt = (
        select(Case.id, walk_sub.c.name_search.label("sort_key"))
        .select_from(walk_sub)
        .join(Debtor, Debtor.name_search == walk_sub.c.name_search)
        .join(Case, Case.debtor_id == Debtor.id)
        .where(walk_sub.c.name_search.like(like_contains_pattern(key), escape="/"))
    )
    for cond in filter_conditions(replace(f, debtor_name=None), now):
        stmt = stmt.where(cond)
    if after is not None:
        stmt = stmt.where(
            tuple_(walk_sub.c.name_search, Case.id)
            > tuple_(literal(after.value, Debtor.name_search.type), literal(after.id))
        )
    keys = session.execute(stmt.order_by(walk_sub.c.name_search, Case.id).limit(limit + 1)).all()
    return keys if len(keys) > limit else None


def count_cases(session: Session, actor: Actor, f: CaseFilter, now: dt.datetime | None = None) -> int:
    """How many cases match ``f`` (exactly).

    The search page shows the first page before it asks this (``search_cases(with_total=False)``):
    on a million cases a partial name that matches thousands costs more to count than to page.
    """
    require(actor, Permission.CASE_VIEW)
    return int(session.scalar(_count_stmt(f, now or utcnow())) or 0)


def matching_ids(session: Session, actor: Actor, f: CaseFilter, cap: int = 100_000) -> list[int]:
    """Ids of every matching case (for "select all matching" bulk actions), at most ``cap``."""
    require(actor, Permission.CASE_VIEW)
    stmt = _base(f, utcnow(), (Case.id,)).order_by(Case.id).limit(cap)
    return [int(i) for i in session.scalars(stmt)]


# ---------------------------------------------------------------- export

EXPORT_HEADERS = (
    "Case",
    "Debtor",
    "Birth date",
    "Region",
    "Contract",
    "Creditor",
    "Assignment agreement",
    "Stage",
    "Responsible",
    "Days in stage",
    "Over SLA",
    "Claim amount",
    "Opened",
    "Court case no.",
)


def _export_values(row: CaseRow) -> list[Any]:
    return [
        row.number,
        row.debtor_name,
        row.birth_date.strftime("%d.%m.%Y") if row.birth_date else "",
        row.region or "",
        row.contract_number,
        row.creditor,
        row.agreement or "",
        row.stage_label,
        row.responsible or "",
        row.days_in_stage,
        "yes" if row.over_sla else "",
        row.claim_amount,
        row.opened_at.date().strftime("%d.%m.%Y"),
        row.court_case_number or "",
    ]


def export_cases(
    session: Session, actor: Actor, f: CaseFilter, fmt: str = "csv", sort: str = "opened_at", descending: bool = True
) -> bytes:
    """The whole filtered result as CSV (UTF-8 with BOM, ``;``) or XLSX; the export is audited."""
    require(actor, Permission.CASE_EXPORT)
    if fmt not in {"csv", "xlsx"}:
        raise ValueError("export format must be csv or xlsx")
    now = utcnow()
    key = _sort_expr(sort)
    order = (key.desc(), Case.id.desc()) if descending else (key.asc(), Case.id.asc())
    stmt = _base(f, now, _ROW_COLUMNS).order_by(*order).limit(EXPORT_CAP)
    result = session.execute(stmt.execution_options(yield_per=5000))
    count = 0
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";")
        writer.writerow(EXPORT_HEADERS)
        for r in result:
            values = _export_values(_to_row(r, now))
            values[11] = str(values[11]).replace(".", ",")
            writer.writerow([escape_spreadsheet_cell(v) for v in values])
            count += 1
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Cases")
        ws.append(list(EXPORT_HEADERS))
        for r in result:
            ws.append([escape_spreadsheet_cell(v) for v in _export_values(_to_row(r, now))])
            count += 1
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    record_audit(session, actor, "case.export", "case", None, {"format": fmt, "rows": count, **f.to_query_params()})
    return data


# ---------------------------------------------------------------- filter options and the board


@dataclass(frozen=True)
class FilterOptions:
    creditors: list[tuple[int, str]]
    agreements: list[tuple[int, str]]
    regions: list[str]
    users: list[tuple[int, str]]


def filter_options(session: Session) -> FilterOptions:
    return FilterOptions(
        creditors=[
            (r.id, r.short_name)
            for r in session.execute(select(Creditor.id, Creditor.short_name).order_by(Creditor.short_name))
        ],
        agreements=[
            (r.id, r.number)
            for r in session.execute(
                select(AssignmentAgreement.id, AssignmentAgreement.number).order_by(AssignmentAgreement.number)
            )
        ],
        regions=[
            r
            for r in session.scalars(
                select(Debtor.region).where(Debtor.region.is_not(None)).distinct().order_by(Debtor.region)
            )
        ],
        users=[(r.id, r.full_name) for r in session.execute(select(User.id, User.full_name).order_by(User.full_name))],
    )


@dataclass(frozen=True)
class StageSummary:
    stage: str
    label: str
    color: str
    count: int
    oldest_entered_at: dt.datetime | None
    over_sla: int
    sla_days: int | None


def stage_board(session: Session, actor: Actor, now: dt.datetime | None = None) -> list[StageSummary]:
    """Per stage: how many cases, the oldest one's entry date, how many are over the SLA."""
    require(actor, Permission.CASE_VIEW)
    now = now or utcnow()
    over = case((over_sla_condition(now), 1), else_=0)
    rows = {
        r.stage: r
        for r in session.execute(
            select(
                Case.stage,
                func.count().label("n"),
                func.min(Case.entered_stage_at).label("oldest"),
                func.sum(over).label("over"),
            ).group_by(Case.stage)
        )
    }
    out = []
    for s in STAGES:
        r = rows.get(s.code)
        oldest = r.oldest if r else None
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        out.append(
            StageSummary(
                s.code, s.label, s.color, int(r.n) if r else 0, oldest, int(r.over or 0) if r else 0, s.sla_days
            )
        )
    return out

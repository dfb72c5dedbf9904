"""Reading the legacy spreadsheet: ``.xlsx`` (every sheet) and ``.csv``, and finding its header.

A register as departments keep it has a bold title, an "exported by" line and blank rows above
the header, sometimes a header over two rows under merged group titles ("Задолженность" over
"ОД", "%", "пени"), and sometimes a summary sheet before the register. So the header is looked
for, not assumed: in the first ``HEADER_SCAN_ROWS`` non-empty rows of every sheet, the row
(or pair of rows) whose cells name the most known fields wins, and the sheet with the best
header is taken. The caller may name another sheet or header line (the Import page offers it).

A CSV from the shared drive is UTF-8 (with or without BOM) or Windows-1251, separated by ``;``
(Russian Excel) or ``,``. The encoding is decided by a strict UTF-8 decode (Windows-1251 text
is practically never valid UTF-8), the separator by counting candidates in the first line.

Spreadsheet bombs (issue #19): a few kilobytes of xlsx can describe a cell at row 1,000,000 and
column 16,000, and a reader that builds the grid from A1 allocates billions of cells. So before
any grid is built the file size, the unpacked size of its XML and, per sheet, the extent of the
cells that hold a value are checked (``_scan_sheets``, a streaming pass over the XML); a sheet
larger than ``MAX_GRID_CELLS`` is not read, and the grid starts at the first cell with a value
(empty areas above and to the left are skipped, line numbers stay those the user sees in Excel).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

from core.errors import ValidationFailed
from core.i18n import _
from core.importer.mapping import HEADER_PART_SEPARATOR, guess_field

DELIMITERS = (";", ",", "\t")
HEADER_SCAN_ROWS = 30
MIN_HEADER_FIELDS = 3  # a row naming fewer known fields is not taken for the header on its own
MAX_FILE_BYTES = 50 * 1024 * 1024  # the upload limit of .streamlit/config.toml
MAX_UNPACKED_BYTES = 800 * 1024 * 1024  # all sheets and shared strings, unpacked
MAX_GRID_CELLS = 4_000_000  # rows x columns of one sheet's used area (100,000 rows x 40 columns)
_SMALL_XML_BYTES = 5 * 1024 * 1024  # workbook.xml and its relations are read whole
_FILLED_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
_EMPTY_CELL = re.compile(rb"<c\b[^>]*/>")
_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,7})"')
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class SheetInfo:
    """One sheet as the Import page lists it: its size, where its header was found and how
    many known fields the header names (0: no recognisable header), or why it was not read."""

    name: str
    rows: int = 0
    columns: int = 0
    header_line: int | None = None
    header_fields: int = 0
    problem: str | None = None


@dataclass
class Table:
    """A header and data rows; ``lines[i]`` is the spreadsheet line number of ``rows[i]``."""

    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_line: int = 1  # the (first) line of the header as Excel numbers it
    header_rows: int = 1  # 2 for a header over two rows
    header_fields: int = 0
    sheets: list[SheetInfo] = field(default_factory=list)

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
    """The separator that splits the first lines into the most columns (quotes respected)."""
    lines = [line for line in text.splitlines()[:HEADER_SCAN_ROWS] if line.strip()]
    best, best_count = ";", 0
    for delim in DELIMITERS:
        try:
            count = max((len(r) for r in csv.reader(lines, delimiter=delim)), default=0)
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delim, count
    return best


# ---------------------------------------------------------------- the header


def _blank(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _label(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _fields_named(names: Sequence[str]) -> int:
    return len({guess_field(n) for n in names if n} - {""})


def _single_names(row: Sequence[Any]) -> list[str]:
    return [_label(v) if _is_text(v) else "" for v in row]


def _pair_names(top: Sequence[Any], bottom: Sequence[Any], merged_top: dict[int, int], carry_right: bool) -> list[str]:
    """Column names of a header over two rows: the upper cell (spread over its merged columns,
    or, in a file that knows no merges such as CSV, carried right over empty upper cells)
    joined with the lower one."""
    width = max(len(top), len(bottom))
    upper: list[str] = []
    carry = ""
    for i in range(width):
        cell = _label(top[i]) if i < len(top) and _is_text(top[i]) else ""
        if cell:
            carry = cell
        elif i in merged_top:
            cell = upper[merged_top[i]] if merged_top[i] < len(upper) else ""
        elif carry_right and carry and i < len(bottom) and _is_text(bottom[i]):
            cell = carry
        upper.append(cell)
    names = []
    for i in range(width):
        lower = _label(bottom[i]) if i < len(bottom) and _is_text(bottom[i]) else ""
        if upper[i] and lower:
            names.append(f"{upper[i]}{HEADER_PART_SEPARATOR}{lower}")
        else:
            names.append(upper[i] or lower)
    return names


def _unique(names: Sequence[str]) -> list[str]:
    """Header texts must be unique (the mapping is keyed by them): a repeated one gets "(2)"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} ({seen[name]})"
        out.append(name)
    return out


@dataclass
class _Header:
    index: int  # position of the (first) header row in the sheet's rows
    rows: int  # 1 or 2
    names: list[str]
    fields: int


def _merged_into(merges: Sequence[tuple[int, int, int, int]], row: int) -> dict[int, int]:
    """Column -> first column of the merge covering it, for one row (0-based, sheet-relative)."""
    out: dict[int, int] = {}
    for r0, c0, r1, c1 in merges:
        if r0 <= row <= r1:
            for c in range(c0 + 1, c1 + 1):
                out[c] = c0
    return out


def find_header(
    rows: Sequence[Sequence[Any]],
    merges: Sequence[tuple[int, int, int, int]] = (),
    at: int | None = None,
) -> _Header | None:
    """The header among the first non-empty rows: the row, or pair of rows, naming the most
    known fields (a pair wins only when it names more than either row alone). ``at`` forces
    the (first) header row."""
    candidates = [i for i, r in enumerate(rows) if not _blank(r)][:HEADER_SCAN_ROWS] if at is None else [at]
    best: _Header | None = None
    for i in candidates:
        if i >= len(rows):
            continue
        names = _single_names(rows[i])
        score = _fields_named(names)
        option = _Header(i, 1, names, score)
        nxt = i + 1
        if nxt < len(rows) and not _blank(rows[nxt]) and all(v in (None, "") or _is_text(v) for v in rows[nxt]):
            pair = _pair_names(rows[i], rows[nxt], _merged_into(merges, i), not merges)
            pair_score = _fields_named(pair)
            if pair_score > score and pair_score > _fields_named(_single_names(rows[nxt])):
                option = _Header(i, 2, pair, pair_score)
        if best is None or option.fields > best.fields:
            best = option
    if best is None or (at is None and best.fields < MIN_HEADER_FIELDS):
        return None
    return best


def _table(
    rows: Sequence[Sequence[Any]],
    first_line: int,
    merges: Sequence[tuple[int, int, int, int]] = (),
    header_line: int | None = None,
) -> Table | None:
    """The table below the header found (or forced at ``header_line``); None without a header."""
    at = None if header_line is None else header_line - first_line
    if at is not None and not 0 <= at < len(rows):
        return None
    header = find_header(rows, merges, at)
    if header is None:
        return None
    names = _unique(header.names)
    table = Table(names, header_line=first_line + header.index, header_rows=header.rows, header_fields=header.fields)
    width = len(names)
    for offset, row in enumerate(rows[header.index + header.rows :], start=header.index + header.rows):
        if _blank(row):
            continue
        cells = list(row[:width])
        if len(cells) < width:
            cells += [None] * (width - len(cells))
        table.rows.append(cells)
        table.lines.append(first_line + offset)
    return table


# ---------------------------------------------------------------- CSV


def read_csv(data: bytes, header_line: int | None = None) -> Table:
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    rows = [
        [c if c.strip() else None for c in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]
    if _blank([c for r in rows for c in r]):
        raise ValidationFailed(_("The CSV file is empty: no header row was found."))
    table = _table(rows, 1, (), header_line)
    if table is None and header_line is None:  # no recognisable header: the first row, to map by hand
        table = _table(rows, 1, (), 1 + next(i for i, r in enumerate(rows) if not _blank(r)))
    if table is None:
        raise ValidationFailed(_("The file has no line {line}.").format(line=header_line))
    table.encoding, table.delimiter = encoding, delimiter
    table.sheets = [
        SheetInfo("CSV", len(rows), max((len(r) for r in rows), default=0), table.header_line, table.header_fields)
    ]
    return table


# ---------------------------------------------------------------- xlsx: bounds first


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


@dataclass
class _Extent:
    cells: int = 0
    min_row: int = 0
    max_row: int = 0
    min_col: int = 0
    max_col: int = 0

    @property
    def rows(self) -> int:
        return self.max_row - self.min_row + 1 if self.cells else 0

    @property
    def columns(self) -> int:
        return self.max_col - self.min_col + 1 if self.cells else 0

    @property
    def area(self) -> int:
        return self.rows * self.columns


def _extent(stream: Any) -> _Extent:
    """The extent of a sheet's cells that hold something (a self-closed ``<c .../>`` holds
    nothing), read in pieces so a huge sheet never sits in memory. Rows are taken from the
    ``<row>`` elements (any row with a cell counts, which errs on the large side), columns from
    the references of the cells with content; a row or cell without a reference (allowed by
    the format) follows the previous one, so the counts bound the extent too."""
    ext = _Extent()
    columns: set[bytes] = set()
    rows_seen = 0
    tail = b""
    while True:
        piece = stream.read(4 * 1024 * 1024)
        buf = tail + piece
        cut = buf.rfind(b">") + 1 if piece else len(buf)
        part = buf[:cut]
        columns.update(_FILLED_COLUMN.findall(part))
        numbers = _ROW_NUMBER.findall(part)
        rows_seen += part.count(b"<row ") + part.count(b"<row>")
        ext.cells += part.count(b"<c ") + part.count(b"<c>") - len(_EMPTY_CELL.findall(part))
        if numbers:
            low, high = min(map(int, numbers)), max(map(int, numbers))
            ext.min_row = low if ext.min_row == 0 else min(ext.min_row, low)
            ext.max_row = max(ext.max_row, high)
        tail = buf[cut:]
        if not piece:
            break
    if ext.cells <= 0:
        return _Extent()
    ext.max_row = max(ext.max_row, rows_seen)
    ext.min_row = ext.min_row or 1
    numbers = [_column_number(c) for c in columns] or [1]
    ext.min_col, ext.max_col = min(numbers), max(numbers)
    return ext


def _broken() -> ValidationFailed:
    return ValidationFailed(_("The workbook cannot be opened. Save it again in Excel as .xlsx and retry."))


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, XML member) in the workbook's order, from workbook.xml and its relations."""
    try:
        infos = {i.filename: i for i in zf.infolist()}
        book, rels = infos.get("xl/workbook.xml"), infos.get("xl/_rels/workbook.xml.rels")
        if book is None or rels is None or max(book.file_size, rels.file_size) > _SMALL_XML_BYTES:
            raise _broken()
        targets = {
            r.get("Id"): r.get("Target", "")
            for r in ElementTree.fromstring(zf.read(rels)).iter(f"{_NS_PKG_REL}Relationship")
        }
        out = []
        for sheet in ElementTree.fromstring(zf.read(book)).iter(f"{_NS_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_NS_REL}id"), "")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            if member in infos:
                out.append((sheet.get("name", ""), member))
        return out
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError):
        raise _broken() from None


def _scan_sheets(data: bytes) -> dict[str, _Extent]:
    """Check the file's size, the unpacked size of its parts and each sheet's used extent,
    without building any grid; returns sheet name -> extent."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(
            _("The file is {size} MB; the importer reads files up to {limit} MB. Split the register.").format(
                size=f"{len(data) / (1024 * 1024):.1f}", limit=MAX_FILE_BYTES // (1024 * 1024)
            )
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _broken() from None
    with zf:
        unpacked = sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/"))
        if unpacked > MAX_UNPACKED_BYTES:
            raise ValidationFailed(
                _(
                    "The workbook unpacks to more than {limit} MB of data: it is not a register the importer "
                    "can read. Copy the register to a new workbook and retry."
                ).format(limit=MAX_UNPACKED_BYTES // (1024 * 1024))
            )
        out: dict[str, _Extent] = {}
        for name, member in _sheet_parts(zf):
            try:
                with zf.open(member) as stream:
                    out[name] = _extent(stream)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError):
                raise _broken() from None
        return out


def _too_large(name: str, ext: _Extent) -> str:
    return _(
        "Sheet “{sheet}” spans {rows} rows × {columns} columns ({cells} cells with a value); the importer "
        "reads at most {limit} cells a sheet. Delete the far cells or copy the register to a new sheet."
    ).format(sheet=name, rows=ext.rows, columns=ext.columns, cells=ext.cells, limit=MAX_GRID_CELLS)


def _sheet_grids(
    data: bytes, wanted: str | None, engine: str
) -> Iterator[tuple[SheetInfo, list[list[Any]], int, list[Any]]]:
    """(info, rows, first line, merges) of each sheet that may be read (within the bounds)."""
    extents = _scan_sheets(data)
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # the fallback of a machine without the wheel
        engine = "openpyxl"
    if engine == "openpyxl":
        yield from _openpyxl_grids(data, extents, wanted)
        return
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises its own error types for broken files
        raise _broken() from None
    for name in book.sheet_names:
        ext = extents.get(name, _Extent())
        info = SheetInfo(name, ext.rows, ext.columns)
        if wanted is not None and name != wanted:
            yield info, [], 1, []
            continue
        if ext.area > MAX_GRID_CELLS or ext.cells > MAX_GRID_CELLS:
            info.problem = _too_large(name, ext)
            yield info, [], 1, []
            continue
        try:
            sheet = book.get_sheet_by_name(name)
            if sheet.height * sheet.width > MAX_GRID_CELLS:  # the scan missed cells: do not build it
                info.problem = _too_large(name, _Extent(sheet.height * sheet.width, 1, sheet.height, 1, sheet.width))
                yield info, [], 1, []
                continue
            rows = sheet.to_python(skip_empty_area=True)
            top, left = sheet.start if rows else (0, 0)
            merges = [
                (r0 - top, c0 - left, r1 - top, c1 - left) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            ]
        except Exception:
            raise _broken() from None
        info.rows, info.columns = len(rows), max((len(r) for r in rows), default=0)
        yield info, [list(r) for r in rows], top + 1, merges


def _openpyxl_grids(
    data: bytes, extents: dict[str, _Extent], wanted: str | None
) -> Iterator[tuple[SheetInfo, list[list[Any]], int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _broken() from None
    try:
        for ws in book.worksheets:
            ext = extents.get(ws.title, _Extent())
            info = SheetInfo(ws.title, ext.rows, ext.columns)
            if (wanted is not None and ws.title != wanted) or ext.area > MAX_GRID_CELLS:
                if ext.area > MAX_GRID_CELLS:
                    info.problem = _too_large(ws.title, ext)
                yield info, [], 1, []
                continue
            rows = [
                list(r)[ext.min_col - 1 : ext.max_col]
                for r in ws.iter_rows(min_row=ext.min_row or 1, max_row=ext.max_row or 1, values_only=True)
            ]
            yield info, rows, ext.min_row or 1, []
    finally:
        book.close()


def read_xlsx(data: bytes, sheet: str | None = None, header_line: int | None = None, engine: str = "calamine") -> Table:
    """The sheet with the best header (or the one named), read within the bounds above.
    python-calamine (Rust) reads 100,000 rows in about a second; without it openpyxl's read-only
    reader is used (some twenty times slower, same values)."""
    infos: list[SheetInfo] = []
    best: Table | None = None
    fallback: Table | None = None
    for info, rows, first_line, merges in _sheet_grids(data, sheet, engine):
        infos.append(info)
        if not rows:
            continue
        table = _table(rows, first_line, merges, header_line)
        if table is None:
            first = next((i for i, r in enumerate(rows) if not _blank(r)), None)
            if fallback is None and first is not None:
                fallback = _table(rows, first_line, merges, first_line + first)
                if fallback is not None:
                    fallback.sheet = info.name
            if sheet is None or fallback is None:
                continue
            table = fallback
        info.header_line, info.header_fields = table.header_line, table.header_fields
        table.sheet = info.name
        if best is None or table.header_fields > best.header_fields:
            best = table
    if sheet is not None and all(i.name != sheet for i in infos):
        raise ValidationFailed(_("The workbook has no sheet named “{sheet}”.").format(sheet=sheet))
    if best is None and fallback is not None:
        best = fallback  # no recognisable header anywhere: the first row of the first sheet, to map by hand
    if best is None:
        problems = [i.problem for i in infos if i.problem]
        raise ValidationFailed(" ".join(problems) or _("The workbook is empty: no sheet holds a value."))
    best.sheets = infos
    return best


def read_table(data: bytes, filename: str, sheet: str | None = None, header_line: int | None = None) -> Table:
    """Read an uploaded file by its extension; a clear error for anything else."""
    suffix = PurePath(filename).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        _scan_sheets(data)  # raises the size message
    if suffix == ".xlsx" or (suffix not in (".csv", ".txt") and data[:2] == b"PK"):
        return read_xlsx(data, sheet, header_line)
    if suffix in (".csv", ".txt"):
        return read_csv(data, header_line)
    raise ValidationFailed(
        _("“{name}” is neither .xlsx nor .csv. Save the spreadsheet as .xlsx or CSV and retry.").format(name=filename)
    )


def cell_text(value: Any) -> str:
    """A cell as the report and the invalid-rows file show it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

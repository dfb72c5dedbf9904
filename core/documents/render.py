"""PDF rendering with fpdf2: a small, fast layout engine and the drawing of template lines.

Speed matters (a print package is thousands of documents), so:
- one ``Canvas`` (one FPDF) renders a whole batch of documents; the DejaVu fonts are parsed
  and subset once per batch instead of once per document (fontTools dominates otherwise);
- lines are wrapped here with the font's width table (a dict lookup per character) and drawn
  with ``FPDF.text``; fpdf2's general ``multi_cell`` is about ten times slower for this text.
The batch PDF is then cut into one PDF per document with pypdf (``split_pdf``).

DejaVu Sans ships in ``fonts/`` (Bitstream Vera / DejaVu licence, LICENSE-DejaVu.txt), so
Cyrillic renders the same on every machine without system fonts.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from core.documents.template import CompiledTemplate, Line

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

PT = 25.4 / 72  # mm per point
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 25.0, 15.0, 15.0, 17.0
BODY_W = PAGE_W - LEFT - RIGHT
BODY_SIZE = 11.0
SMALL_SIZE = 9.0
PARA_INDENT = 10.0
RIGHT_BLOCK_X = LEFT + BODY_W * 0.45

# fpdf2 logs one warning per glyph missing from the font; the PDF still renders (a box)
logging.getLogger("fpdf.output").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # share of the body width; the shares of a table add up to 1
    align: str = "L"  # L | C | R


@dataclass
class Table:
    columns: Sequence[Column]
    rows: list[list[str]]
    footer: list[str] | None = None  # a bold last row (totals)


@dataclass
class DocData:
    """Everything a template needs for one document: placeholder values and block contents."""

    values: dict[str, str]
    tables: dict[str, Table] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


class Canvas:
    """One FPDF that renders many documents; ``begin``/``end`` mark where each one is."""

    def __init__(self) -> None:
        pdf = FPDF(unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(LEFT, TOP, RIGHT)
        pdf.set_creator("Cessio")
        for style, name in FONT_FILES.items():
            pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / name))
        self.pdf = pdf
        self._cw = {style: pdf.fonts[f"{FONT_FAMILY.lower()}{style}"].cw for style in FONT_FILES}
        self._font: tuple[str, float] | None = None
        # width of each word at 1 pt, per style: the same words recur in every document
        self._word_w: dict[str, dict[str, float]] = {style: {} for style in FONT_FILES}
        # encoded PDF strings of lines already drawn, per style (template lines recur in every case)
        self._encoded: dict[str, dict[str, str]] = {style: {} for style in FONT_FILES}
        self.y = TOP
        self._first_page = 0
        self._footer = ""

    # ------------------------------------------------------------ primitives

    def _set_font(self, style: str, size: float) -> None:
        if self._font != (style, size):
            self.pdf.set_font(FONT_FAMILY, style, size)
            self._font = (style, size)

    def draw(self, x: float, baseline: float, text: str) -> None:
        """``FPDF.text`` for black, plain text, with the encoded string cached per canvas.

        The first text after a font change or a new page goes through ``FPDF.text`` (it puts the
        font on the page); later ones append the same text operator directly. The subset map of
        an FPDF never changes a glyph's code once given, so a cached encoding stays valid.
        """
        pdf = self.pdf
        if not pdf.current_font_is_set_on_page or self._font is None:
            pdf.text(x, baseline, text)
            return
        cache = self._encoded[self._font[0]]
        encoded = cache.get(text)
        if encoded is None:
            assert pdf.current_font is not None
            encoded = cache[text] = pdf.current_font.encode_text(text)
        pdf._out(f"BT {x * pdf.k:.2f} {(pdf.h - baseline) * pdf.k:.2f} Td {encoded} ET")

    def width(self, text: str, style: str = "", size: float = BODY_SIZE) -> float:
        cw = self._cw[style]
        return sum(cw[ord(ch)] for ch in text) * size / 1000 * PT

    def wrap(self, text: str, width: float, style: str = "", size: float = BODY_SIZE, first: float = 0.0) -> list[str]:
        """Break ``text`` into lines no wider than ``width`` (the first line ``first`` mm narrower).

        Breaks at spaces; a word wider than a line is cut by characters (long addresses, URLs).
        A no-break space (inside formatted amounts) never breaks.
        """
        cw = self._cw[style]
        known = self._word_w[style]
        scale = size / 1000 * PT
        space = cw[32] * scale
        lines: list[str] = []
        current: list[str] = []
        current_w = 0.0
        limit = width - first
        for word in _clean(text).split(" "):
            if not word:
                continue
            unit = known.get(word)
            if unit is None:
                unit = known[word] = sum(cw[ord(ch)] for ch in word)
            w = unit * scale
            if current and current_w + space + w <= limit:
                current.append(word)
                current_w += space + w
                continue
            if current:
                lines.append(" ".join(current))
                limit = width
                current, current_w = [], 0.0
            while w > limit:  # cut an overlong word
                cut, cut_w = "", 0.0
                for ch in word:
                    ch_w = cw[ord(ch)] * scale
                    if cut and cut_w + ch_w > limit:
                        break
                    cut += ch
                    cut_w += ch_w
                hyphen = cut.rfind("-", 0, len(cut) - 1)
                if hyphen > 0:  # break a double-barrelled name after a hyphen, not mid-syllable
                    cut = cut[: hyphen + 1]
                    cut_w = sum(cw[ord(ch)] for ch in cut) * scale
                lines.append(cut)
                limit = width
                word = word[len(cut) :]
                w -= cut_w
            current, current_w = [word], w
        if current:
            lines.append(" ".join(current))
        return lines or [""]

    @staticmethod
    def line_height(size: float) -> float:
        return size * PT * 1.3

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = TOP
        if self._footer:
            self._set_font("", 7.5)
            number = self.pdf.page - self._first_page + 1
            self.pdf.text(LEFT, PAGE_H - 9, f"{self._footer} · стр. {number}")

    def ensure(self, height: float) -> None:
        if self.y + height > PAGE_H - BOTTOM:
            self.new_page()

    def text_lines(
        self,
        text: str,
        *,
        style: str = "",
        size: float = BODY_SIZE,
        align: str = "L",
        x: float = LEFT,
        width: float = BODY_W,
        indent: float = 0.0,
        hanging: str = "",
    ) -> None:
        """Draw a wrapped paragraph; ``indent`` indents the first line, ``hanging`` is a label
        (a list number) printed before the first line with the rest aligned after it."""
        lh = self.line_height(size)
        hang_w = self.width(hanging + " ", style, size) if hanging else 0.0
        lines = self.wrap(text, width - hang_w, style, size, first=indent)
        self._set_font(style, size)
        for i, line in enumerate(lines):
            self.ensure(lh)
            if self._font != (style, size):
                self._set_font(style, size)
            baseline = self.y + lh * 0.78
            if i == 0 and hanging:
                self.draw(x, baseline, hanging)
            lx = x + hang_w + (indent if i == 0 else 0.0)
            if align != "L":
                free = width - self.width(line, style, size)
                lx = x + (free if align == "R" else free / 2)
            self.draw(lx, baseline, line)
            self.y += lh

    def space(self, height: float) -> None:
        self.y += height

    def table(self, table: Table, size: float = SMALL_SIZE) -> None:
        """A bordered table; the header repeats on every page the table spills onto."""
        widths = [c.width * BODY_W for c in table.columns]
        lh = self.line_height(size)
        pad = 1.2

        def draw_row(cells: Sequence[str], style: str, aligns: Sequence[str]) -> None:
            wrapped = [self.wrap(cell, w - 2 * pad, style, size) for cell, w in zip(cells, widths, strict=True)]
            height = max(len(w) for w in wrapped) * lh + 2 * pad
            if self.y + height > PAGE_H - BOTTOM:
                self.new_page()
                if style != "B" or cells is not header:
                    draw_row(header, "B", ["C"] * len(header))
            self._set_font(style, size)
            x = LEFT
            for lines, w, align in zip(wrapped, widths, aligns, strict=True):
                self.pdf.rect(x, self.y, w, height)
                for i, line in enumerate(lines):
                    baseline = self.y + pad + i * lh + lh * 0.78
                    lx = x + pad
                    if align != "L":
                        free = w - 2 * pad - self.width(line, style, size)
                        lx += free if align == "R" else free / 2
                    self.draw(lx, baseline, line)
                x += w
            self.y += height

        header = [c.header for c in table.columns]
        aligns = [c.align for c in table.columns]
        self.pdf.set_line_width(0.2)
        draw_row(header, "B", ["C"] * len(header))
        for row in table.rows:
            draw_row(row, "", aligns)
        if table.footer:
            draw_row(table.footer, "B", aligns)
        self.space(2.0)

    # ------------------------------------------------------------ documents

    def begin(self, footer: str) -> None:
        self._footer = footer
        self._first_page = self.pdf.page + 1
        self.new_page()

    def end(self) -> tuple[int, int]:
        """(first page, number of pages) of the document just drawn; pages count from 1."""
        return self._first_page, self.pdf.page - self._first_page + 1

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def draw_template(canvas: Canvas, template: CompiledTemplate, data: DocData) -> None:
    """Draw the template's lines filled with ``data`` onto the current document."""
    values = data.values
    previous = ""
    for line in template.lines:
        kind = line.kind
        if kind == "space":
            canvas.space(2.5 if previous == "right" else 3.0)
        elif kind == "right":
            text = line.fill(values) if line.parts else ""
            if text:
                canvas.text_lines(text, size=10.0, x=RIGHT_BLOCK_X, width=PAGE_W - RIGHT - RIGHT_BLOCK_X)
            else:
                canvas.space(1.5)
        elif kind == "title":
            canvas.space(2.0)
            canvas.text_lines(line.fill(values), style="B", size=13.0, align="C")
        elif kind == "subtitle":
            canvas.text_lines(line.fill(values), style="B", size=BODY_SIZE, align="C")
        elif kind == "bold":
            canvas.text_lines(line.fill(values), style="B")
        elif kind == "item":
            canvas.text_lines(line.fill(values), hanging="–", x=LEFT + 5.0, width=BODY_W - 5.0)
        elif kind == "rightline":
            canvas.text_lines(line.fill(values), align="R")
        elif kind == "block":
            _draw_block(canvas, line, data)
        else:
            canvas.text_lines(line.fill(values), indent=PARA_INDENT)
        previous = kind


def _draw_block(canvas: Canvas, line: Line, data: DocData) -> None:
    name = line.block or ""
    if name in data.tables:
        canvas.space(1.0)
        canvas.table(data.tables[name])
    elif name in data.lists:
        for number, item in enumerate(data.lists[name], start=1):
            canvas.text_lines(item, hanging=f"{number}.", x=LEFT + 5.0, width=BODY_W - 5.0)


def split_pdf(pdf_bytes: bytes, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """Cut a batch PDF into one PDF per (first page, page count) range (pages count from 1).

    pdfium copies pages in C, about six times faster than pypdf for this.
    """
    import pypdfium2 as pdfium

    from core.files.checks import PDFIUM_LOCK

    out: list[bytes] = []
    with PDFIUM_LOCK:
        source = pdfium.PdfDocument(pdf_bytes)
        try:
            for first, count in ranges:
                part = pdfium.PdfDocument.new()
                try:
                    part.import_pages(source, list(range(first - 1, first - 1 + count)))
                    buffer = io.BytesIO()
                    part.save(buffer)
                finally:
                    part.close()
                out.append(buffer.getvalue())
        finally:
            source.close()
    return out

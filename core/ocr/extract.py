"""Field extraction from the recognised text of a court act, in Russian and English wording.

Input is a list of ``OcrLine`` (text, confidence, position); output is one ``ExtractedField``
per field found, with a normalised value (dates ISO ``YYYY-MM-DD``, amounts ``45300.50``), a
confidence and the line it came from, so the review page can show the clerk where it was read.

Formats follow what Russian courts print (Civil Procedure Code arts. 127, 198 for what a court
order and a judgment state): case numbers ``2-1078/2021``, ``2-AL-5/2024``, ``33-705/2023`` and
the unique case id (УИД) ``34RS0012-01-2021-001743-60``; amounts ``45 300,50``, ``45 300-50
руб.``, ``45300.50``, ``45,300.50``. OCR confusions (O/0, З/3, l/1, S/5, B/8) are undone only
inside fields whose format requires digits there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.i18n import N_
from core.money import MoneyParseError, parse_amount
from core.ocr import russian_acts
from core.ocr.engine import OcrLine

FIELD_LABELS: dict[str, str] = {
    "document_type": N_("Document type"),
    "court_name": N_("Court"),
    "judge": N_("Judge"),
    "case_number": N_("Court case number"),
    "case_uid": N_("Unique case id (UID)"),
    "act_date": N_("Date of the act"),
    "debtor_name": N_("Debtor"),
    "debtor_birth_date": N_("Debtor's birth date"),
    "claimant": N_("Claimant"),
    "contract_number": N_("Contract number"),
    "principal": N_("Principal"),
    "interest": N_("Interest"),
    "penalty": N_("Penalty"),
    "state_fee": N_("State fee"),
    "total": N_("Total awarded"),
}
FIELD_KINDS: dict[str, str] = {
    "act_date": "date",
    "debtor_birth_date": "date",
    "principal": "amount",
    "interest": "amount",
    "penalty": "amount",
    "state_fee": "amount",
    "total": "amount",
    "document_type": "choice",
}
DOCUMENT_TYPES: dict[str, str] = {
    "court_order": N_("Court order"),
    "refusal": N_("Refusal to issue a court order"),
    "cancellation": N_("Cancellation of a court order"),
    "writ": N_("Writ of execution"),
    "judgment": N_("Judgment"),
}
LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class ExtractedField:
    name: str
    value: str
    confidence: float
    source: str  # the line of text it was read from

    @property
    def low(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


# ---------------------------------------------------------------- OCR confusions

_TO_DIGIT = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "О": "0",
        "о": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "i": "1",
        "І": "1",
        "!": "1",
        "З": "3",
        "з": "3",
        "S": "5",
        "s": "5",
        "B": "8",
        "В": "8",
        "Z": "2",
        "z": "2",
        "б": "6",
        "G": "6",
    }
)
_D = r"[0-9OoОоDQlI|iІЗзSsBВZzбG]"  # a digit as OCR may misread it


def _digits(text: str) -> str:
    return text.translate(_TO_DIGIT)


def _clean(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("—", "-").replace("–", "-").replace("−", "-")
    # leader dots and underscores of tables and signature lines ("Total ........ 45 300,50"),
    # and the stray marks OCR leaves of them in front of a number ("Total _=.185 445,35")
    text = re.sub(r"[._…]{2,}", " ", text)
    return re.sub(r"(?<=\s)[._=,;:'`]+(?=\d)", "", text)


# ---------------------------------------------------------------- patterns

_CASE_NO = re.compile(
    r"(?<![\w/-])"
    rf"({_D}{{1,2}}[аaАA]?|[МMмm])"  # the kind of proceedings: 2 (civil), 2а (administrative), 33, М (material)
    r"\s?-\s?"
    rf"(?:([A-ZА-Яa-zа-я]{{1,3}}|{_D}{{1,5}})\s?-\s?)?"  # 2-AL-5/2024, 2-6416-159/2025
    rf"({_D}{{1,6}})"
    rf"(?:\s?/\s?({_D}{{1,4}}))??"  # the plot between slashes: 2-2328/259/2025
    rf"\s?/\s?((?:19|20|2O|2О){_D}{{2}})(?![\w/])"
)
_UID = re.compile(
    rf"({_D}{{2}})\s?([RРMМ][SС5])\s?({_D}{{4}})\s?-\s?({_D}{{2}})\s?-\s?({_D}{{4}})\s?-\s?({_D}{{6}})\s?-\s?({_D}{{2}})"
)
_NUM_DATE = re.compile(rf"(?<![\w.,])({_D}{{1,2}})\s?[.,]{{1,2}}\s?({_D}{{2}})\s?[.,]{{1,2}}\s?({_D}{{4}})(?![\w])")
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "мая": 5,
    "май": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}
_MONTH_WORD = r"([A-Za-zА-Яа-яЁё]{3,10})"
_DAY_MONTH_YEAR = re.compile(rf"[«\"']?\s?({_D}{{1,2}})\s?[»\"']?\s+{_MONTH_WORD}\s+({_D}{{4}})")
_MONTH_DAY_YEAR = re.compile(rf"{_MONTH_WORD}\s+({_D}{{1,2}})\s?[,.;:]{{0,2}}\s?({_D}{{4}})")
_AMOUNT = re.compile(
    r"(?<![\d/.,\-])("
    r"\d{1,3}(?:,\d{3})+\.\s?\d{2}"  # 45,300.50 (English)
    r"|\d{1,3}(?:[ .]\d{3})+(?:\s?[.,\-]\s?\d{2})?"  # 45 300,50 / 45 300-50 / 1.234.567,89
    r"|\d+\s?[.,\-]\s?\d{2}"  # 45300.50 / 45300,50 / 45300-50
    r")(?![\d/])"
)
_JUDGE = re.compile(r"([A-ZА-ЯЁ])\.?\s?[.,:;]?\s?([A-ZА-ЯЁ])\s?[.,:;]\s?([A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?)")

_TYPE_RULES: tuple[tuple[str, str], ...] = (
    (r"refus|отказ", "refusal"),
    (r"cancel|отмен", "cancellation"),
    (r"writ\b|writ of|исполнительн\w*\s+лист", "writ"),
    (r"court\s*order|судебн\w*\s+приказ", "court_order"),
    (r"judg[e]?ment|decision|решени", "judgment"),
)

# Labels before an amount, most specific first; ``total_generic`` only when nothing else fits.
_AMOUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("state_fee", r"state\s*fee|duty|пошлин|госпошлин"),
    ("principal", r"principal|основн\w*\s+долг"),
    ("interest", r"interest|процент"),
    ("penalty", r"penalt|неустойк|пени\b|штраф"),
    ("total", r"\btotal|итого|всего|общ\w+\s+сумм"),
    ("total_generic", r"amount\s+of|в\s+размере|в\s+сумме|задолженност"),
)


# ---------------------------------------------------------------- helpers


def _fix_case_number(m: re.Match[str]) -> str:
    """The number as the case file holds it: OCR confusions undone where digits must be, the
    letters of ``2а-`` and ``М-`` in Cyrillic (as courts write them)."""
    court, middle, number, plot, year = m.groups()
    if court.upper() in ("M", "М"):
        head = "М"
    elif court[-1] in "аaАA" and len(court) > 1:
        head = _digits(court[:-1]) + "а"
    else:
        head = _digits(court)
    parts = [head]
    if middle:
        parts.append(_digits(middle) if re.fullmatch(_D + "+", middle) and re.search(r"\d", middle) else middle.upper())
    parts.append(_digits(number))
    return "-".join(parts) + (f"/{_digits(plot)}" if plot else "") + "/" + _digits(year)


def _fix_uid(m: re.Match[str]) -> str:
    g = m.groups()
    letters = g[1].upper().replace("Р", "R").replace("М", "M").replace("С", "S").replace("5", "S")
    return f"{_digits(g[0])}{letters}{_digits(g[2])}-{_digits(g[3])}-{_digits(g[4])}-{_digits(g[5])}-{_digits(g[6])}"


def _month(word: str) -> int | None:
    return _MONTHS.get(word.lower()[:3])


def _valid_date(year: str, month: int, day: str) -> dt.date | None:
    try:
        value = dt.date(int(_digits(year)), month, int(_digits(day)))
    except ValueError:
        return None
    return value if 1900 <= value.year <= 2100 else None


@dataclass(frozen=True)
class _Found:
    value: str
    start: int
    end: int
    fixed: bool  # a confusion was undone


def find_dates(text: str) -> list[_Found]:
    """Every date in the text, in order; numeric ``14.03.2024`` and with month words."""
    out: list[_Found] = []
    for m in _NUM_DATE.finditer(text):
        try:
            month = int(_digits(m.group(2)))
        except ValueError:
            continue
        day = _valid_date(m.group(3), month, m.group(1)) if 1 <= month <= 12 else None
        if day:
            out.append(_Found(day.isoformat(), m.start(), m.end(), _digits(m.group(0)) != m.group(0)))
    for m in _DAY_MONTH_YEAR.finditer(text):
        month = _month(m.group(2))
        day = _valid_date(m.group(3), month, m.group(1)) if month else None
        if day:
            out.append(_Found(day.isoformat(), m.start(), m.end(), False))
    for m in _MONTH_DAY_YEAR.finditer(text):
        month = _month(m.group(1))
        day = _valid_date(m.group(3), month, m.group(2)) if month else None
        if day:
            out.append(_Found(day.isoformat(), m.start(), m.end(), False))
    return sorted(out, key=lambda f: f.start)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def find_amounts(text: str) -> list[tuple[Decimal, int, int]]:
    """Amounts in a line after dates, case numbers and ids are masked out."""
    spans = [(f.start, f.end) for f in find_dates(text)]
    spans += [m.span() for m in _CASE_NO.finditer(text)]
    spans += [m.span() for m in _UID.finditer(text)]
    spans += [m.span() for m in re.finditer(r"(?:No\.?|№|N)\s?[A-ZА-Я]{1,3}-\d+", text)]
    masked = _mask(text, spans)
    out = []
    for m in _AMOUNT.finditer(masked):
        raw = re.sub(r"\s?([.,\-])\s?(\d{2})$", r"\1\2", m.group(1))
        try:
            value = parse_amount(raw)
        except MoneyParseError:
            continue
        out.append((value, m.start(), m.end()))
    return out


# ---------------------------------------------------------------- the extractor


class _Collector:
    def __init__(self) -> None:
        self.fields: dict[str, ExtractedField] = {}

    def put(self, name: str, value: str, line: OcrLine, certainty: float, replace: bool = False) -> None:
        if name in self.fields and not replace:
            return
        value = value.strip(" ,.;:")
        if value:
            self.fields[name] = ExtractedField(name, value, round(line.confidence * certainty, 3), line.text)


def _lines_of(lines: Sequence[OcrLine] | str) -> list[OcrLine]:
    if isinstance(lines, str):
        return [OcrLine(_clean(t), 1.0, (0, 0, 0, 0)) for t in lines.splitlines() if t.strip()]
    return [OcrLine(_clean(line.text), line.confidence, line.box, line.page) for line in lines if line.text.strip()]


def extract_fields(lines: Sequence[OcrLine] | str) -> dict[str, ExtractedField]:
    """All fields that could be read; a field that is absent was not found (never guessed)."""
    items = _lines_of(lines)
    c = _Collector()
    if russian_acts.is_russian(items):
        return _russian(items, c)
    _document_type(items, c)
    _case_ids(items, c)
    _people(items, c)
    _act_date(items, c)
    _amounts(items, c)
    return c.fields


def _russian(items: list[OcrLine], c: _Collector) -> dict[str, ExtractedField]:
    """A Russian act: its anatomy first (``core.ocr.russian_acts``), then the generic readers
    for what it leaves (claimant, contract, judge)."""
    russian_acts.document_type(items, c.put)
    _case_ids(items, c)
    russian_acts.act_date(items, c.put, find_dates)
    russian_acts.debtor(items, c.put, find_dates)
    russian_acts.court(items, c.put)
    russian_acts.parties(items, c.put)
    doc_type = c.fields["document_type"].value if "document_type" in c.fields else None
    russian_acts.amounts(items, doc_type, c.put)
    _people(items, c)
    _act_date(items, c)
    return c.fields


def _document_type(items: list[OcrLine], c: _Collector) -> None:
    # The title comes first; a refusal or cancellation names "court order" too, so each line is
    # tested against the rules in order (refusal and cancellation before court order).
    for index, line in enumerate(items[:12]):
        low = line.text.lower()
        title_like = line.text.upper() == line.text or low.startswith(("ruling", "определение", "ruled"))
        if not title_like and index > 0:
            continue
        for pattern, kind in _TYPE_RULES:
            if re.search(pattern, low):
                c.put("document_type", kind, line, 1.0)
                return
    for line in items:
        for pattern, kind in _TYPE_RULES:
            if re.search(pattern, line.text.lower()):
                c.put("document_type", kind, line, 0.5)
                return


def _case_ids(items: list[OcrLine], c: _Collector) -> None:
    labelled = re.compile(r"(case|дел[оау]|№|No\.?)", re.IGNORECASE)
    for certainty_needed in (True, False):
        for line in items:
            if certainty_needed and not labelled.search(line.text):
                continue
            for m in _CASE_NO.finditer(line.text):
                value = _fix_case_number(m)
                c.put(
                    "case_number",
                    value,
                    line,
                    (1.0 if certainty_needed else 0.7) * (0.9 if value != m.group(0).replace(" ", "") else 1.0),
                )
                break
        if "case_number" in c.fields:
            break
    for line in items:
        m = _UID.search(line.text)
        if m:
            value = _fix_uid(m)
            c.put("case_uid", value, line, 0.9 if value != m.group(0).replace(" ", "") else 1.0)
            break


_RU_COURT = re.compile(
    r"((?:Мировой\s+судья\s+)?судебного\s+участка.*?|[А-ЯЁ][\w-]+\s+(?:районн|городск|областн)\w*\s+суд\w*.*?)"
    r"\s*,?\s*([А-ЯЁ])\.\s?([А-ЯЁ])\.\s?([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
)


def _people(items: list[OcrLine], c: _Collector) -> None:
    head = items[:14]
    joined = " ".join(line.text for line in head)
    m = _RU_COURT.search(joined)
    if m:
        source = next((line for line in head if line.text[:15] in m.group(1)), head[0])
        c.put("court_name", " ".join(m.group(1).split()), source, 0.85)
        c.put("judge", f"{m.group(2)}.{m.group(3)}. {m.group(4)}", source, 0.85)
    for i, line in enumerate(items):
        text = line.text
        following = items[i + 1].text if i + 1 < len(items) else ""
        if re.match(r"\s*(года\s+)?рожд", following, re.IGNORECASE):
            text = f"{text} {following}"
            line = OcrLine(text, min(line.confidence, items[i + 1].confidence), line.box, line.page)
        low = text.lower()
        if "judge" not in c.fields and re.search(r"judge|судья", low):
            judges = list(_JUDGE.finditer(text))
            if judges:
                m = judges[-1] if "судья" in low else judges[0]
                c.put(
                    "judge",
                    f"{m.group(1)}. {m.group(2)}. {m.group(3)}"
                    if "судья" not in low
                    else f"{m.group(1)}.{m.group(2)}. {m.group(3)}",
                    line,
                    0.9,
                )
                court = text[: m.start()].strip(" ,")
                if re.search(r"участ|суд", court.lower()) and "court_name" not in c.fields:
                    c.put("court_name", court, line, 0.8)
        if (
            "court_name" not in c.fields
            and i < 4
            and re.search(r"\bcourt\b|magistrate|суд\b|судебн\w+\s+участ|районн\w+\s+суд", low)
        ):
            if not re.search(r"court\s*order|судебн\w*\s+приказ|ruling", low):
                c.put("court_name", text, line, 0.9)
        if "debtor_birth_date" not in c.fields and re.search(r"\bborn|рожд", low):
            dates = find_dates(text)
            if dates:
                c.put("debtor_birth_date", dates[0].value, line, 0.95)
            name_part = re.split(r",?\s*\bborn\b|,\s*(?=[0-9OЗ]{1,2}[.,])|,?\s*дата\s+рожд", text, maxsplit=1)[0]
            name_part = re.sub(r".*(должника|debtor)\s*:?", "", name_part, flags=re.IGNORECASE).strip(" ,:")
            name = re.sub(r"[^A-Za-zА-Яа-яЁё\s-]", "", name_part).strip()
            if len(name.split()) >= 2:
                c.put("debtor_name", " ".join(name.split()), line, 0.9)
        if "claimant" not in c.fields and re.search(r"\(claimant\)|\(взыскател", low):
            head = re.split(r"\((claimant|взыскател)", text, flags=re.IGNORECASE)[0]
            head = re.sub(r".*(application of|заявление)\s*", "", head, flags=re.IGNORECASE).strip(" ,")
            c.put("claimant", head, line, 0.9)
        if "contract_number" not in c.fields and re.search(r"contract|договор", low):
            m = re.search(r"(?:No\.?|№|N)\s?([A-ZА-Я]{1,3}\s?-\s?[0-9OЗlI]{3,})", text)
            if m:
                prefix, _, digits = m.group(1).replace(" ", "").partition("-")
                c.put("contract_number", f"{prefix}-{_digits(digits)}", line, 0.9)


def _act_date(items: list[OcrLine], c: _Collector) -> None:
    """The date of the act: a labelled date (``Date:``, ``dated``, the case-number line), or
    the first date in the heading that is not a birth date or a contract date."""
    skip = re.compile(r"\bborn|рожд|contract|договор", re.IGNORECASE)
    for line in items:
        if re.search(r"\bdate\b|\bdated\b|\bот\b|^\s*[«\"]", line.text, re.IGNORECASE) and not skip.search(line.text):
            dates = find_dates(line.text)
            if dates:
                c.put("act_date", dates[0].value, line, 0.95 if not dates[0].fixed else 0.85)
                return
    for line in items[:10]:
        if skip.search(line.text):
            continue
        dates = find_dates(line.text)
        if dates:
            c.put("act_date", dates[0].value, line, 0.8)
            return


def _amounts(items: list[OcrLine], c: _Collector) -> None:
    found: dict[str, tuple[Decimal, OcrLine, float]] = {}
    previous_tail = ""
    for line in items:
        text = line.text
        amounts = find_amounts(text)
        cursor = 0
        for value, start, end in amounts:
            segment = text[cursor:start]
            if cursor == 0 and not _label_of(segment):
                segment = previous_tail + " " + segment
            label = _label_of(segment)
            cursor = end
            if label is None:
                continue
            if label == "total_generic":
                label = "total"
                certainty = 0.85
            else:
                certainty = 1.0
            if label not in found or (found[label][2] < certainty):
                found[label] = (value, line, certainty)
        previous_tail = text[cursor:] if amounts else text
    for name, (value, line, certainty) in found.items():
        c.put(name, f"{value:.2f}", line, certainty)
    parts = [found[k][0] for k in ("principal", "interest", "penalty") if k in found]
    if "total" in c.fields and len(parts) == 3:
        total = Decimal(c.fields["total"].value)
        if total == sum(parts):  # the parts add up: all four are very likely right
            for k in ("principal", "interest", "penalty", "total"):
                f = c.fields[k]
                c.fields[k] = ExtractedField(k, f.value, max(f.confidence, 0.95), f.source)
        else:
            f = c.fields["total"]
            c.fields["total"] = ExtractedField("total", f.value, min(f.confidence, 0.5), f.source)
    elif "total" not in c.fields and len(parts) == 3:
        line = found["principal"][1]
        c.put("total", f"{sum(parts):.2f}", line, 0.5)


def _label_of(segment: str) -> str | None:
    low = segment.lower()
    best: tuple[int, int, str] | None = None  # (priority, -position, field)
    for priority, (name, pattern) in enumerate(_AMOUNT_LABELS):
        for m in re.finditer(pattern, low):
            key = (priority, -m.start(), name)
            # the most specific label wins; among equals, the one nearest to the amount
            if best is None or key[0] < best[0] or (key[0] == best[0] and key[1] < best[1]):
                best = key
    return best[2] if best else None


_TITLE_LINES = (
    "СУДЕБНЫЙПРИКАЗ",
    "ОПРЕДЕЛЕНИЕ",
    "РЕШЕНИЕ",
    "ЗАОЧНОЕРЕШЕНИЕ",
    "ИСПОЛНИТЕЛЬНЫЙЛИСТ",
    "COURTORDER",
    "JUDGMENT",
    "WRITOFEXECUTION",
)


def starts_an_act(page_lines: Sequence[OcrLine]) -> bool:
    """The top of a page carries an act's title ("СУДЕБНЫЙ ПРИКАЗ", "ОПРЕДЕЛЕНИЕ", "РЕШЕНИЕ",
    "ИСПОЛНИТЕЛЬНЫЙ ЛИСТ"): a new act begins there, not the second page of the one before
    (whose top is a page number and the running text)."""
    from rapidfuzz import fuzz

    for line in page_lines[:6]:
        text = line.text.strip()
        if text.lower().startswith("ruling"):
            return True
        letters = re.sub(r"[^А-ЯЁA-Z]", "", text.upper())
        if len(letters) < 6 or letters != re.sub(r"[^А-ЯЁA-Z]", "", text):
            continue  # a title is typed in capitals
        if any(fuzz.ratio(letters, title) >= 85 for title in _TITLE_LINES):
            return True
    return False


def split_acts(reading: Any) -> list[tuple[int, list[OcrLine]]]:
    """(first page, lines) of each act in a scan: a later page that opens with an act's title
    starts the next act. One act (the usual case) comes back as one part."""
    by_page: dict[int, list[OcrLine]] = {}
    for line in reading.lines:
        by_page.setdefault(line.page, []).append(line)
    acts: list[tuple[int, list[OcrLine]]] = []
    for page in sorted(by_page):
        lines = by_page[page]
        if acts and starts_an_act(lines):
            acts.append((page, list(lines)))
        elif acts:
            acts[-1][1].extend(lines)
        else:
            acts.append((page, list(lines)))
    return acts or [(0, list(reading.lines))]


def values(fields: dict[str, ExtractedField]) -> dict[str, str]:
    return {name: f.value for name, f in fields.items()}

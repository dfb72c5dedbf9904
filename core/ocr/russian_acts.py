"""Reading the fields of a Russian court act from its recognised text.

A Russian act has a fixed anatomy (Civil Procedure Code art. 127 for a court order, art. 225 for
a ruling, art. 198 for a judgment; the writ's form is set by Government Decree No. 579 of
31.07.2008): a title ("СУДЕБНЫЙ ПРИКАЗ", "ОПРЕДЕЛЕНИЕ об отмене судебного приказа", "РЕШЕНИЕ
Именем Российской Федерации", "ИСПОЛНИТЕЛЬНЫЙ ЛИСТ"), the case number and the unique case id, the
date and place, the court and the judge, the reasons, and the operative part after a word in
capitals ("ПРИКАЗАЛ:", "ОПРЕДЕЛИЛ:", "РЕШИЛ:"). The fields are read from that anatomy:

- the document type from the title *and* the operative part (a stamp or a fold may smudge one);
- the act date from "Дата принятия судебного акта" (a writ) or the date line of the heading,
  never from the reasons (which quote the contract, the earlier order, the objections);
- the amounts only from the operative part, where the court awards them (the reasons quote
  what was claimed), each by the words before it; "а всего" is the debt plus the state fee;
- the debtor from "Взыскать с …", "о взыскании с …", "к … о взыскании", "Сведения о должнике",
  brought back to the nominative (``core.ocr.names``), and the birth date next to it.

Paragraphs are joined before reading, so an amount or a name broken across two lines (or by
the stamp laid over them) is still found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

from core.ocr.engine import OcrLine
from core.ocr.names import patronymic_form, to_nominative

# Latin letters OCR puts inside Cyrillic words ("OOO", "py6")
_LATIN_TO_CYR = str.maketrans("aeopcxyAEOPCXBKMHTk", "аеорсхуАЕОРСХВКМНТк")

_OPERATIVE_WORDS = {"ПРИКАЗАЛ": "court_order", "РЕШИЛ": "judgment", "ОПРЕДЕЛИЛ": "ruling"}
# the reasons begin with "УСТАНОВИЛ:"; the titles "ОПРЕДЕЛЕНИЕ", "РЕШЕНИЕ" look alike too
_NOT_OPERATIVE = ("УСТАНОВИЛ", "ПОСТАНОВИЛ", "ОПРЕДЕЛЕНИЕ", "РЕШЕНИЕ", "ЗАОЧНОЕРЕШЕНИЕ")
_BODY_START = re.compile(r"рассмотрев|в\s+составе|руководствуясь|установил", re.IGNORECASE)

_TITLE_RULES: tuple[tuple[str, str], ...] = (
    (r"об\s*отказе|отказ\w*\s+в\s+(?:принятии|выдаче|вынесении)", "refusal"),
    (r"об\s*отмене", "cancellation"),
    (r"исполнительн\w*\s*лист", "writ"),
    (r"судебн\w*\s*приказ", "court_order"),
    (r"\bрешени[ея]\b|именем\s+российской", "judgment"),
)

_NAME = r"([А-ЯЁ][а-яё]+(?:\s?-\s?[А-ЯЁ][а-яё]+)?)[\s.,'`’]{1,4}([А-ЯЁ][а-яё]+)[\s.,'`’]{1,4}([А-ЯЁ][а-яё]+)"
_NAME_CONTEXTS: tuple[tuple[str, float], ...] = (
    (r"сведения\s+о\s+должнике\s*:?\s*", 1.0),
    (r"взыскать\s+с\s+(?:должника\s+)?", 1.0),
    (r"о\s+взыскании\s+с\s+(?:должника\s+)?", 0.95),
    (r"\bк\s+", 0.9),  # "по иску … к Михайлову Артёму Андреевичу о взыскании"
    (r"возражения\s+(?:должника\s+)?", 0.9),
    (r"должник\w*\s*:?\s*", 0.9),
)
_DATE_TEXT = r"[0-9OОЗ]{1,2}\s?[.,]\s?[0-9OОЗ]{2}\s?[.,]\s?[0-9OОЗ]{4}"

_CURRENCY = r"(?:руб\w*\.?|рубл\w*|р\.)"
_RU_AMOUNT = re.compile(
    r"(?<![\d.,/№-])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)"  # whole roubles, maybe grouped
    r"(?:\s?[.,-]\s?(\d{2})(?!\d))?"  # ,01 kopecks
    rf"\s?[.,]?\s?{_CURRENCY}"
    r"(?:\s?(\d{1,2})\s?коп\w*\.?)?"  # 01 коп.
)
_AMOUNT_WORDS: tuple[tuple[str, str], ...] = (
    ("state_fee", r"пошлин"),
    ("principal", r"основн\w*\s+долг|сумм\w*\s+(?:основного\s+)?займа"),
    ("interest", r"процент"),
    ("penalty", r"неустойк|\bпени\b|штраф"),
    ("grand_total", r"а\s+всего|всего\s+взыскать|итого"),
    ("total", r"в\s+размере|в\s+сумме|задолженност"),
)


@dataclass(frozen=True)
class _Text:
    """The lines joined into one string, remembering where each line starts."""

    text: str
    starts: list[int]
    lines: list[OcrLine]

    @classmethod
    def of(cls, lines: list[OcrLine]) -> _Text:
        parts: list[str] = []
        starts: list[int] = []
        pos = 0
        for line in lines:
            starts.append(pos)
            parts.append(line.text)
            pos += len(line.text) + 1
        return cls(" ".join(parts), starts, lines)

    def line_at(self, pos: int) -> OcrLine:
        index = 0
        for i, start in enumerate(self.starts):
            if start <= pos:
                index = i
        return self.lines[index]


Put = Callable[[str, str, OcrLine, float], None]


def is_russian(lines: list[OcrLine]) -> bool:
    """More Cyrillic letters than Latin ones."""
    text = " ".join(line.text for line in lines)
    cyr = len(re.findall(r"[А-Яа-яЁё]", text))
    lat = len(re.findall(r"[A-Za-z]", text))
    return cyr > lat


def _letters(text: str) -> str:
    return re.sub(r"[^А-ЯЁA-Z]", "", text.upper().translate(_LATIN_TO_CYR))


def operative_index(lines: list[OcrLine]) -> tuple[int, str] | None:
    """The line of the operative word ("ПРИКАЗАЛ:", "РЕШИЛ:", "ОПРЕДЕЛИЛ:") and what it says;
    OCR noise is tolerated (a short line that is nearly the word)."""
    for i, line in enumerate(lines):
        letters = _letters(line.text)
        if not 4 <= len(letters) <= 14:
            continue
        other = max(fuzz.ratio(letters, word) for word in _NOT_OPERATIVE)
        score, kind = max((fuzz.ratio(letters, word), kind) for word, kind in _OPERATIVE_WORDS.items())
        if score >= 80 and score > other:
            return i, kind
    return None


def _head_end(lines: list[OcrLine]) -> int:
    """Index of the first line of the body (the court "рассмотрев…", "в составе…")."""
    for i, line in enumerate(lines[:18]):
        if _BODY_START.search(line.text):
            return i
    return min(len(lines), 8)


def document_type(lines: list[OcrLine], put: Put) -> None:
    head_end = _head_end(lines)
    title_kind = None
    title_line = lines[0] if lines else None
    head = lines[: max(head_end, 1) + 1]
    for pattern, kind in _TITLE_RULES:
        for line in head:
            if re.search(pattern, line.text.lower().replace("ё", "е").translate(_LATIN_TO_CYR)):
                title_kind, title_line = kind, line
                break
        if title_kind:
            break
    operative = operative_index(lines)
    op_kind = None
    op_line = None
    if operative is not None:
        index, word_kind = operative
        op_line = lines[index]
        after = " ".join(line.text for line in lines[index + 1 : index + 9]).lower()
        after = after.split("разъяснить")[0]  # the operative paragraph, not the explanations
        if word_kind == "ruling":
            if re.search(r"отказать", after[:200]):
                op_kind = "refusal"
            elif re.search(r"отменить|отмен[её]н", after):
                op_kind = "cancellation"
        else:
            op_kind = word_kind
    if title_kind and op_kind:
        agree = title_kind == op_kind or (title_kind == "writ" and op_kind == "judgment")
        assert title_line is not None
        put("document_type", title_kind, title_line, 1.0 if agree else 0.5)
    elif title_kind:
        assert title_line is not None
        put("document_type", title_kind, title_line, 0.85)
    elif op_kind and op_line is not None:
        put("document_type", op_kind, op_line, 0.75)


def act_date(lines: list[OcrLine], put: Put, find_dates: Callable[[str], list]) -> None:
    """ "Дата принятия судебного акта" (a writ), else the first date of the heading that is not
    a birth date; the reasons below the heading quote other dates."""
    for line in lines:
        m = re.search(r"дата\s+принятия", line.text, re.IGNORECASE)
        if m:
            dates = find_dates(line.text[m.end() :])
            if dates:
                put("act_date", dates[0].value, line, 0.95)
                return
    head_end = _head_end(lines)
    for line in lines[: head_end + 1]:
        if re.search(r"рожд|г\.\s?р\.|договор", line.text, re.IGNORECASE):
            continue
        dates = find_dates(line.text)
        if dates:
            put("act_date", dates[0].value, line, 0.95 if not dates[0].fixed else 0.85)
            return


def debtor(lines: list[OcrLine], put: Put, find_dates: Callable[[str], list]) -> None:
    """The debtor's name in the nominative and the birth date written next to it."""
    joined = _Text.of(lines)
    text = joined.text
    cyr = re.sub(r"[A-Za-z]+", lambda m: m.group(0).translate(_LATIN_TO_CYR), text)
    candidates: list[tuple[float, int, str, int]] = []  # (certainty, order, name, position)
    for order, (context, certainty) in enumerate(_NAME_CONTEXTS):
        for m in re.finditer("(?i:" + context + ")" + _NAME, cyr):
            surname, first, middle = (re.sub(r"\s", "", g) for g in m.groups())
            if patronymic_form(middle) is None:
                continue
            found = to_nominative(f"{surname} {first} {middle}")
            candidates.append((certainty, order, found.name, m.start(1)))
    if candidates:
        by_name: dict[str, list[tuple[float, int, str, int]]] = {}
        for cand in candidates:
            by_name.setdefault(cand[2], []).append(cand)
        # the name most contexts agree on; then the most certain context
        best = max(
            by_name.values(), key=lambda group: (len(group), max(c[0] for c in group), -min(c[1] for c in group))
        )
        certainty = min(1.0, max(c[0] for c in best) * (1.0 if len(best) > 1 else 0.9))
        put("debtor_name", best[0][2], joined.line_at(best[0][3]), certainty)
    born = re.search(
        rf"({_DATE_TEXT})\s*[,]?\s*(?:(?i:года\s+рождения)|г\.\s?р\.|г\.\s?рожд)|(?i:дата\s+рождения)\s*:?\s*({_DATE_TEXT})",
        text,
    )
    if born:
        raw = born.group(1) or born.group(2)
        dates = find_dates(raw)
        if dates:
            put("debtor_birth_date", dates[0].value, joined.line_at(born.start()), 0.95)


def _amount_value(m: re.Match[str]) -> Decimal | None:
    whole = re.sub(r"\D", "", m.group(1))
    kop = m.group(2) or m.group(3) or "00"
    try:
        return Decimal(f"{int(whole)}.{int(kop):02d}")
    except (InvalidOperation, ValueError):
        return None


def _label(segment: str) -> str | None:
    low = segment.lower()
    best: tuple[int, int, str] | None = None
    for priority, (name, pattern) in enumerate(_AMOUNT_WORDS):
        for m in re.finditer(pattern, low):
            key = (priority, -m.start(), name)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def amounts(lines: list[OcrLine], doc_type: str | None, put: Put) -> None:
    """The awarded total, its parts and the state fee, from the operative part only."""
    if doc_type in ("refusal", "cancellation"):
        return  # these acts award nothing; the sums they quote are someone else's
    operative = operative_index(lines)
    start = operative[0] + 1 if operative else 0
    body = lines[start:]
    stop = next((i for i, line in enumerate(body) if re.match(r"\s*Разъяснить|\s*Решение\s+может", line.text)), None)
    body = body[:stop] if stop else body
    if not body:
        return
    joined = _Text.of(body)
    text = joined.text.translate(_LATIN_TO_CYR)
    text = re.sub(r"ру[б6]|р[уy][б6]", "руб", text)
    text = re.sub(r"\bк[оo]п\b|\bкоп", "коп", text)
    found: dict[str, tuple[Decimal, OcrLine]] = {}
    cursor = 0
    for m in _RU_AMOUNT.finditer(text):
        value = _amount_value(m)
        segment = text[cursor : m.start()]
        cursor = m.end()
        label = _label(segment)
        if value is None or label is None or label in found:
            continue
        found[label] = (value, joined.line_at(m.start()))
    parts = [found[k][0] for k in ("principal", "interest", "penalty") if k in found]
    total = found.get("total")
    fee = found.get("state_fee")
    grand = found.get("grand_total")
    for name in ("principal", "interest", "penalty", "state_fee"):
        if name in found:
            put(name, f"{found[name][0]:.2f}", found[name][1], 0.9)
    # "а всего" / "итого" is the debt alone in some acts and the debt plus the fee in others:
    # the arithmetic of the parts decides which
    if total is not None and parts and sum(parts) == total[0]:
        put("total", f"{total[0]:.2f}", total[1], 1.0)
    elif grand is not None and parts and sum(parts) == grand[0]:
        put("total", f"{grand[0]:.2f}", grand[1], 1.0)
    elif parts and fee and grand and sum(parts) + fee[0] == grand[0]:
        # the total was misread, but the parts and "а всего" agree on it
        put("total", f"{sum(parts):.2f}", grand[1], 0.8)
    elif total is not None and fee and grand and total[0] + fee[0] == grand[0]:
        put("total", f"{total[0]:.2f}", total[1], 0.95)
    elif total is not None:
        put("total", f"{total[0]:.2f}", total[1], 0.55 if parts else 0.8)
    elif grand is not None:
        put("total", f"{grand[0]:.2f}", grand[1], 0.5)
    elif parts:
        put("total", f"{sum(parts):.2f}", found["principal"][1] if "principal" in found else body[0], 0.5)


def court(lines: list[OcrLine], put: Put) -> None:
    """ "Мировой судья судебного участка № 259 … района г. Волгограда И.О. Фамилия" or
    "… районный суд г. … в составе председательствующего судьи Фамилии И.О."."""
    for line_no, line in enumerate(lines[:20]):
        window = " ".join(x.text for x in lines[line_no : line_no + 3])
        m = re.search(
            r"((?:Мировой\s+судья\s+)?судебного\s+участка\s+№\s?\d+.*?)\s+([А-ЯЁ])\.\s?([А-ЯЁ])\.\s?([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)",
            window,
        )
        if m:
            put("court_name", " ".join(m.group(1).split()), line, 0.85)
            put("judge", f"{m.group(2)}.{m.group(3)}. {m.group(4)}", line, 0.85)
            return
        m = re.search(
            r"([А-ЯЁ][а-яё-]+\s+(?:районный|городской|областной)\s+суд\s+(?:г\.\s?)?[А-ЯЁ][А-Яа-яЁё-]*[а-яё](?:\s+[А-ЯЁ][а-яё-]+)*)",
            window,
        )
        if m:
            put("court_name", " ".join(m.group(1).split()), line, 0.85)
            return


# "ООО ПКО «Цессио»", "ООО «Профессиональная коллекторская организация «Вектор»" (nested quotes
# close once, as Russian typography has it)
_ORGANISATION = r"((?:ООО|АО|ПАО|НАО|ЗАО)\s*(?:ПКО|МФК|МКК)?\s*«[^«»]*(?:«[^«»]*»|»))"


def parties(lines: list[OcrLine], put: Put) -> None:
    """The claimant (an organisation "в пользу …", "заявление …", "по иску …") and the loan
    contract number ("по договору займа № …")."""
    joined = _Text.of(lines)
    text = joined.text
    for context in (r"в\s+пользу\s+", r"заявлени\w*\s+", r"по\s+иску\s+", r"взыскател\w*\s*:?\s*"):
        m = re.search(context + _ORGANISATION, text)
        if m:
            put("claimant", " ".join(m.group(1).split()), joined.line_at(m.start(1)), 0.9)
            break
    m = re.search(
        r"договор\w*\s+(?:займа|потребительского\s+(?:займа|кредита)|кредита|микрозайма)\s+№\s?([A-ZА-ЯЁ]{0,3}\s?-?\s?\d[\d-]{3,})",
        text,
    )
    if m:
        put("contract_number", re.sub(r"\s", "", m.group(1)), joined.line_at(m.start(1)), 0.9)

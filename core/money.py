"""Money as ``Decimal``: parsing the ways Russians write amounts, rounding, amounts in words.

Rounding is half-up to kopecks (ARCHITECTURE rule 3) and only where a rule says so.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.i18n import _

KOPECK = Decimal("0.01")
RUBLE = Decimal("1")
ZERO = Decimal("0.00")


class MoneyParseError(ValueError):
    pass


def to_kopecks(value: Decimal) -> Decimal:
    """Round half-up to kopecks."""
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def to_rubles(value: Decimal) -> Decimal:
    """Round half-up to whole rubles (Tax Code art. 52(6): under 50 kopecks dropped, 50+ up)."""
    return value.quantize(RUBLE, rounding=ROUND_HALF_UP)


_CURRENCY = re.compile(r"(руб(лей|ля|ль)?\.?|р\.|₽|rub\.?|rur)", re.IGNORECASE)
_RUB_KOP = re.compile(r"^(?P<rub>[\d\s\u00a0]+)\s*(руб\.?|р\.)?\s*(?P<kop>\d{1,2})\s*(коп\.?|к\.)$", re.IGNORECASE)


def parse_amount(text: str | int | Decimal) -> Decimal:
    """Parse ``45 300,50``, ``45300.50``, ``45 300-50 руб.``, ``1.234.567,89``, ``12 руб. 30 коп.``.

    Raises ``MoneyParseError`` saying what could not be read. Floats are refused: a float near
    money is a bug.
    """
    if isinstance(text, float):
        raise MoneyParseError(_("amounts must not be floats"))
    if isinstance(text, Decimal):
        return to_kopecks(text)
    if isinstance(text, int):
        return to_kopecks(Decimal(text))
    raw = text
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not s:
        raise MoneyParseError(_("the amount is empty"))
    m = _RUB_KOP.match(s)
    if m:
        rub = m.group("rub").replace(" ", "")
        return to_kopecks(Decimal(f"{rub}.{int(m.group('kop')):02d}"))
    s = _CURRENCY.sub("", s).strip()
    negative = s.startswith("-") or (s.startswith("(") and s.endswith(")"))
    s = s.strip("()").lstrip("-").strip()
    s = s.replace(" ", "").replace("'", "")
    dash = re.fullmatch(r"(\d+)-(\d{1,2})", s)
    if dash:
        s = (
            f"{dash.group(1)}.{int(dash.group(2)):02d}"
            if len(dash.group(2)) == 2
            else f"{dash.group(1)}.{dash.group(2)}"
        )
    s = _normalise_separators(s, raw)
    if not re.fullmatch(r"\d+(\.\d+)?", s):
        raise MoneyParseError(_("'{raw}' is not an amount (expected e.g. 45 300,50)").format(raw=raw))
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise MoneyParseError(_("'{raw}' is not an amount").format(raw=raw)) from None
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise MoneyParseError(_("'{raw}' has more than two digits after the decimal separator").format(raw=raw))
    return to_kopecks(-value if negative else value)


def _grouped(int_part: str, sep: str) -> bool:
    return sep not in int_part or re.fullmatch(rf"\d{{1,3}}({re.escape(sep)}\d{{3}})+", int_part) is not None


def _normalise_separators(s: str, raw: str) -> str:
    """Decide which of ``,`` and ``.`` is the decimal separator; thousands groups must be 3 digits."""
    if "," in s and "." in s:
        dec, thou = (",", ".") if s.rfind(",") > s.rfind(".") else (".", ",")
        head, _sep, tail = s.rpartition(dec)
        if not _grouped(head, thou):
            raise MoneyParseError(_("'{raw}' mixes separators in a way that is not an amount").format(raw=raw))
        return f"{head.replace(thou, '')}.{tail}"
    for sep in (",", "."):
        if sep in s:
            head, _sep, tail = s.rpartition(sep)
            if len(tail) <= 2 and s.count(sep) == 1:
                return f"{head.replace(sep, '')}.{tail}"
            if len(tail) == 3 and _grouped(s, sep):
                if sep == "." and s.count(".") == 1:
                    raise MoneyParseError(
                        _("'{raw}' is ambiguous: write 12345,00 or 12,35 (a dot followed by three digits)").format(
                            raw=raw
                        )
                    )
                return s.replace(sep, "")
            raise MoneyParseError(_("'{raw}' is not an amount (expected e.g. 45 300,50)").format(raw=raw))
    return s


def format_amount(value: Decimal, currency: bool = True) -> str:
    """``1234567.8`` -> ``1 234 567,80 руб.`` (a narrow no-break space groups thousands)."""
    q = to_kopecks(value)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    text = f"{sign}{groups},{frac}"
    return f"{text} руб." if currency else text


def format_amount_short(value: Decimal) -> str:
    """A tile-sized amount: ``23684068.40`` -> ``23,68 млн руб.``; under a million exactly.

    For headline figures only: documents and ledgers always show the exact amount.
    """
    q = to_kopecks(value)
    sign = "-" if q < 0 else ""
    whole = abs(q)
    for threshold, word in ((Decimal("1000000000"), "млрд"), (Decimal("1000000"), "млн")):
        if whole >= threshold:
            scaled = (whole / threshold).quantize(KOPECK, rounding=ROUND_HALF_UP)
            return f"{sign}{str(scaled).replace('.', ',')} {word} руб."
    return format_amount(q)


_UNITS_M = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_UNITS_F = ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]
# (one, few, many, feminine)
_SCALES = [
    ("", "", "", False),
    ("тысяча", "тысячи", "тысяч", True),
    ("миллион", "миллиона", "миллионов", False),
    ("миллиард", "миллиарда", "миллиардов", False),
    ("триллион", "триллиона", "триллионов", False),
]


def plural_form(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return many
    n %= 10
    if n == 1:
        return one
    if 2 <= n <= 4:
        return few
    return many


def _triad_words(n: int, feminine: bool) -> list[str]:
    words: list[str] = []
    h, rest = divmod(n, 100)
    if h:
        words.append(_HUNDREDS[h])
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        t, u = divmod(rest, 10)
        if t:
            words.append(_TENS[t])
        if u:
            words.append((_UNITS_F if feminine else _UNITS_M)[u])
    return words


def integer_in_words(n: int) -> str:
    if n == 0:
        return "ноль"
    if n < 0:
        return "минус " + integer_in_words(-n)
    words: list[str] = []
    scale = 0
    parts: list[list[str]] = []
    while n:
        n, triad = divmod(n, 1000)
        if triad:
            one, few, many, fem = _SCALES[scale]
            chunk = _triad_words(triad, fem)
            if scale:
                chunk.append(plural_form(triad, one, few, many))
            parts.append(chunk)
        scale += 1
    for chunk in reversed(parts):
        words.extend(chunk)
    return " ".join(words)


def amount_in_words(value: Decimal) -> str:
    """``45300.50`` -> ``Сорок пять тысяч триста рублей 50 копеек`` (as court papers write it)."""
    q = to_kopecks(value)
    rubles = int(abs(q))
    kopecks = int((abs(q) - rubles) * 100)
    text = integer_in_words(rubles)
    text = ("минус " if q < 0 else "") + text
    rub_word = plural_form(rubles, "рубль", "рубля", "рублей")
    kop_word = plural_form(kopecks, "копейка", "копейки", "копеек")
    text = f"{text} {rub_word} {kopecks:02d} {kop_word}"
    return text[0].upper() + text[1:]

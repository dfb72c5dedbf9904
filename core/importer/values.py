"""Parsers of the values people typed into the legacy spreadsheet over the years.

Each parser takes a cell (str, number, date from openpyxl) and returns the clean value or
raises ``ValueProblem`` with a message the user can act on. Floats appear only because Excel
stores numbers as floats; they are turned into ``Decimal`` through their shortest decimal
representation here, at the border, and never used for money afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from core.i18n import _
from core.money import MoneyParseError, parse_amount, to_kopecks
from core.postal.tracking import normalize_tracking, tracking_problem
from core.text import PERSON_NAME_CHARS, normalize_person_name

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system (with its 1900 leap-year bug)
MIN_SERIAL, MAX_SERIAL = 1, 73050  # 1900-01-01 .. 2099-12-31
_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y.%m.%d")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY2 = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2})$")
# "45 300,50 руб.", "30000", "1 200.5 р." — the usual shapes, parsed without the general parser
_PLAIN_AMOUNT = re.compile(r"^(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](\d{1,2}))?(?:\s*(?:руб\.?|р\.|₽))?$")
_NAME_CHARS = PERSON_NAME_CHARS  # the one rule of a person's name, shared with the debtor edit


class ValueProblem(ValueError):
    pass


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text; whole numbers from Excel lose their ``.0`` (``12345.0`` -> ``12345``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    return " ".join(str(value).split())


def excel_serial_to_date(serial: float) -> dt.date:
    if not MIN_SERIAL <= serial <= MAX_SERIAL:
        raise ValueProblem(
            _("{serial:g} is not a date (an Excel date number lies between 1 and {most})").format(
                serial=serial, most=MAX_SERIAL
            )
        )
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value: Any) -> dt.date:
    """``31.01.2024``, ``31.01.24``, ``2024-01-31``, ``31/01/2024``, an Excel serial (``45322``),
    or a date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(_("'{value}' is not a date").format(value=value))
    if isinstance(value, (int, float)):
        return excel_serial_to_date(float(value))
    s = str(value).strip()
    fast = _DMY.match(s) or _YMD.match(s)
    if fast:
        a, b, c = (int(x) for x in fast.groups())
        try:
            day = dt.date(c, b, a) if fast.re is _DMY else dt.date(a, b, c)
        except ValueError:
            raise ValueProblem(
                _("'{value}' is not a date (use dd.mm.yyyy, e.g. 31.01.2024)").format(value=value)
            ) from None
        if 1900 <= day.year <= 2099:
            return day
        raise ValueProblem(_("'{value}' is not a date (use dd.mm.yyyy, e.g. 31.01.2024)").format(value=value))
    s = re.sub(r"\s*(г\.?|года?)$", "", s)
    short = _DMY2.match(s)
    if short:  # two-digit year: Excel's rule, 00-29 -> 2000s, 30-99 -> 1900s (a debtor born in 62)
        d, m, y = (int(x) for x in short.groups())
        try:
            return dt.date(y + (2000 if y < 30 else 1900), m, d)
        except ValueError:
            raise ValueProblem(
                _("'{value}' is not a date (use dd.mm.yyyy, e.g. 31.01.2024)").format(value=value)
            ) from None
    if re.fullmatch(r"\d+(\.0+)?", s):
        return excel_serial_to_date(float(s))
    s = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", s)
    for fmt in _FORMATS:
        try:
            day = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        if not 1900 <= day.year <= 2099:
            break
        return day
    raise ValueProblem(_("'{value}' is not a date (use dd.mm.yyyy, e.g. 31.01.2024)").format(value=value))


def parse_money(value: Any) -> Decimal:
    """``45 300,50``, ``45300.5 руб.``, ``1.234,00``, a number cell; never negative."""
    if isinstance(value, bool):
        raise ValueProblem(_("'{value}' is not an amount").format(value=value))
    if isinstance(value, float):
        exact = Decimal(repr(value))
        amount = to_kopecks(exact)
        if abs(amount - exact) > Decimal("0.000001"):
            raise ValueProblem(
                _("{value!r} has more than two digits after the decimal separator; round it to kopecks").format(
                    value=value
                )
            )
    elif isinstance(value, int):
        amount = Decimal(value)
    elif m := _PLAIN_AMOUNT.match(str(value).strip()):
        whole, frac = m.groups()
        amount = Decimal(f"{whole.replace(' ', '').replace(chr(0xA0), '')}.{(frac or '0').ljust(2, '0')}")
    else:
        try:
            amount = parse_amount(str(value))
        except (MoneyParseError, InvalidOperation) as exc:
            raise ValueProblem(str(exc)) from None
    if amount < 0:
        raise ValueProblem(_("'{value}' is negative; the amounts of a debt are positive").format(value=value))
    return to_kopecks(amount)


def parse_person_name(value: Any) -> tuple[str, str, str, str | None]:
    """(full name, last, first, middle) of ``иВАНОВ  иван ивановИЧ``; at least surname and name."""
    s = text(value)
    if not _NAME_CHARS.match(s):
        raise ValueProblem(_("'{s}' is not a person's name (letters, spaces and hyphens only)").format(s=s))
    full = normalize_person_name(s)
    parts = full.split(" ")
    if len(parts) < 2:
        raise ValueProblem(_("'{s}' has no first name; write the surname, the name and the patronymic").format(s=s))
    last, first = parts[0], parts[1]
    middle = " ".join(parts[2:]) or None
    if len(full) > 310 or len(last) > 100 or len(first) > 100 or (middle and len(middle) > 100):
        raise ValueProblem(_("the name is too long"))
    return full, last, first, middle


def parse_tracking(value: Any) -> str:
    s = text(value)
    problem = tracking_problem(s)
    if problem:
        raise ValueProblem(_("'{s}': {problem}").format(s=s, problem=problem))
    return normalize_tracking(s)


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem(_("'{value}' is not a whole number").format(value=value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    s = text(value).replace(" ", "")
    s = re.sub(r"\s*(дн(ей|я|\.)?|days?)$", "", s)
    if not s.isdigit():
        raise ValueProblem(_("'{value}' is not a whole number").format(value=value))
    return int(s)


def parse_text(value: Any, max_len: int) -> str:
    s = text(value)
    if len(s) > max_len:
        raise ValueProblem(_("the text is longer than {max_len} characters").format(max_len=max_len))
    return s

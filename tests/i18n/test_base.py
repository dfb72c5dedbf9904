"""The translation base: Russian by default, English as a choice, plurals, Russian formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.i18n import _, format_date, format_money, format_number, ngettext, use_language


def test_russian_is_the_default_and_english_a_choice() -> None:
    assert _("Sign in") == "Вход"
    with use_language("en"):
        assert _("Sign in") == "Sign in"


def test_russian_plurals_follow_the_number() -> None:
    words = [ngettext("%(n)s case", "%(n)s cases", n) % {"n": n} for n in (1, 2, 5, 11, 21, 22, 25)]
    assert words == ["1 дело", "2 дела", "5 дел", "11 дел", "21 дело", "22 дела", "25 дел"]


def _spaces(text: str) -> str:
    """Babel separates groups with (narrow) no-break spaces, as Russian typography wants."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_money_numbers_and_dates_in_russian_format() -> None:
    assert _spaces(format_money(Decimal("1234567.89"))) == "1 234 567,89 ₽"
    assert _spaces(format_money(Decimal("5"))) == "5,00 ₽"
    assert _spaces(format_number(1234567)) == "1 234 567"
    assert format_date(dt.date(2026, 12, 1)) == "01.12.2026"
    assert _spaces(format_date(dt.date(2026, 12, 1), long=True)) == "1 декабря 2026 г."
    with use_language("en"):
        assert _spaces(format_money(Decimal("1234567.89"))) == "1,234,567.89 ₽"
        assert format_date(dt.date(2026, 12, 1)) == "Dec 1, 2026"

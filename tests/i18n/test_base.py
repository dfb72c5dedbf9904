"""The translation base: Russian by default, English as a choice, plurals, Russian formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.config import reset_settings_cache
from core.i18n import _, format_date, format_money, format_number, ngettext, set_language, use_language


def test_russian_is_the_default_and_english_a_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CESSIO_LANGUAGE", raising=False)
    reset_settings_cache()
    try:
        assert _("Sign in") == "Вход"
        with use_language("en"):
            assert _("Sign in") == "Sign in"
        monkeypatch.setenv("CESSIO_LANGUAGE", "en")  # an installation that chose English
        reset_settings_cache()
        assert _("Sign in") == "Sign in"
        with use_language("ru"):  # a user of that installation who chose Russian
            assert _("Sign in") == "Вход"
        set_language("xx")  # an unknown choice falls back to the installation's language
        assert _("Sign in") == "Sign in"
    finally:
        set_language(None)
        reset_settings_cache()


def test_russian_plurals_follow_the_number() -> None:
    singular = "Wrong username or password. {n} attempt left before a 15-minute lock."
    plural = "Wrong username or password. {n} attempts left before a 15-minute lock."
    with use_language("ru"):
        words = [ngettext(singular, plural, n).format(n=n).split(". ")[1] for n in (1, 2, 5, 11, 21, 22, 25)]
    assert [w.split(" до ")[0] for w in words] == [
        "Осталась 1 попытка",
        "Осталось 2 попытки",
        "Осталось 5 попыток",
        "Осталось 11 попыток",
        "Осталась 21 попытка",
        "Осталось 22 попытки",
        "Осталось 25 попыток",
    ]


def _spaces(text: str) -> str:
    """Babel separates groups with (narrow) no-break spaces, as Russian typography wants."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@use_language("ru")
def test_money_numbers_and_dates_in_russian_format() -> None:
    assert _spaces(format_money(Decimal("1234567.89"))) == "1 234 567,89 ₽"
    assert _spaces(format_money(Decimal("5"))) == "5,00 ₽"
    assert _spaces(format_number(1234567)) == "1 234 567"
    assert format_date(dt.date(2026, 12, 1)) == "01.12.2026"
    assert _spaces(format_date(dt.date(2026, 12, 1), long=True)) == "1 декабря 2026 г."
    with use_language("en"):
        assert _spaces(format_money(Decimal("1234567.89"))) == "1,234,567.89 ₽"
        assert format_date(dt.date(2026, 12, 1)) == "01.12.2026"  # typed back the same way in every language
        assert format_date(dt.date(2026, 12, 1), long=True) == "December 1, 2026"

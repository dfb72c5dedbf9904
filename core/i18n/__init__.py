"""Translation and formatting for people: the one place (ARCHITECTURE rule 11).

Every word a person sees goes through ``_`` (or ``ngettext`` for counts). The source strings are
English; the Russian catalog is ``core/i18n/locale/ru/LC_MESSAGES/messages.po``, managed with
Babel (``make i18n``: extract, update). The catalog is compiled in memory when first used, so no
build step can leave a stale ``.mo`` behind; fuzzy entries are not used.

The language is chosen per call context: the UI sets the signed-in user's language at the top of
every rerun (``use_language``), the jobs process and the CLI use ``CESSIO_LANGUAGE`` (Russian by
default). Module-level constants that must be translated later are marked with ``N_`` and passed
through ``_`` when shown.

Numbers, money and dates are formatted here with Babel for the current language, so pages,
exports and charts agree: ``1 234 567,89 ₽``, ``01.12.2026``, ``1 декабря 2026 г.``.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("ru", "en")
LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str | None] = ContextVar("cessio_language", default=None)


def default_language() -> str:
    """The installation's language (``CESSIO_LANGUAGE``), Russian unless set otherwise."""
    from core.config import get_settings

    lang = get_settings().language
    return lang if lang in LANGUAGES else "ru"


def current_language() -> str:
    return _current.get() or default_language()


def set_language(lang: str | None) -> None:
    """Set the language of this call context (one Streamlit rerun, one job run)."""
    _current.set(lang if lang in LANGUAGES else None)


@contextmanager
def use_language(lang: str | None) -> Iterator[None]:
    token = _current.set(lang if lang in LANGUAGES else None)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English, the source language, needs none)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def reload_catalogs() -> None:
    """Forget compiled catalogs (tests and ``make i18n`` change the files)."""
    translations.cache_clear()


def _(message: str) -> str:
    """The translation of ``message`` in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation: 1 дело, 2 дела, 5 дел. Use ``%(n)s`` or ``{n}`` in the text."""
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translation of a short word whose meaning depends on where it stands."""
    return translations(current_language()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a constant for extraction; translate it with ``_`` where it is shown."""
    return message


def locale() -> Locale:
    return Locale.parse(current_language())


def format_number(value: int | Decimal, decimals: int | None = None) -> str:
    """``1 234 567`` / ``1 234,5`` in Russian, ``1,234,567`` in English."""
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=locale(), group_separator=True)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=locale(), decimal_quantization=True)


def format_money(value: Decimal, currency: bool = True) -> str:
    """``1 234 567,89 ₽`` (always two decimals: kopecks are part of every amount)."""
    number = format_number(value, decimals=2)
    return f"{number}\u00a0₽" if currency else number


def format_percent(value: Decimal | float, decimals: int = 1) -> str:
    """A share (0.0805) as ``8,1 %``."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return babel_numbers.format_percent(value, format=pattern, locale=locale())


def format_date(value: dt.date | None, long: bool = False, empty: str = "—") -> str:
    """``01.12.2026``; ``long``: ``1 декабря 2026 г.`` (English: ``December 1, 2026``).

    The short form is ``dd.mm.yyyy`` in every language: it is how the department's dates are
    typed into every date field, printed on the documents and read from the spreadsheets, so an
    English-speaking user reading ``06.05.1980`` on screen types it back the same way.
    """
    if value is None:
        return empty
    if long:
        return babel_dates.format_date(value, format="long", locale=locale())
    return value.strftime("%d.%m.%Y")


def format_datetime_local(value: dt.datetime | None, empty: str = "—") -> str:
    """An aware moment in the configured timezone: ``01.12.2026 14:05``."""
    if value is None:
        return empty
    from core.calendar import to_local

    local = to_local(value)
    return f"{format_date(local.date())} {local:%H:%M}"

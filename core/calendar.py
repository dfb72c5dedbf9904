"""Business days on the Russian production calendar.

Weekends and public holidays (Labour Code art. 112, with the government's transfer decrees) come
from the ``holidays`` package's ``RU`` calendar, which carries both the transferred days off and
the transferred working days (a Saturday made a working day by a transfer decree, e.g.
27.04.2024, 02.11.2024, 28.12.2024 and 01.11.2025 under Government Decree No. 1335 of
04.08.2023 and No. 1052 of 04.10.2024, and 20.02.2027). ``is_business_day`` asks the calendar's
own ``is_working_day``, so such a Saturday is a business day and the next-business-day deadlines
of the bureau (218-FZ) do not slip past it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from core.config import get_settings


@lru_cache(maxsize=64)
def _ru_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=[year])


def is_business_day(day: dt.date) -> bool:
    """A working day of the Russian production calendar (transferred working Saturdays count)."""
    return bool(_ru_holidays(day.year).is_working_day(day))


def next_business_day(day: dt.date) -> dt.date:
    """The first business day strictly after ``day``."""
    candidate = day + dt.timedelta(days=1)
    while not is_business_day(candidate):
        candidate += dt.timedelta(days=1)
    return candidate


def add_business_days(day: dt.date, count: int) -> dt.date:
    result = day
    for _ in range(count):
        result = next_business_day(result)
    return result


def local_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of a UTC moment in the department's time zone."""
    return moment.astimezone(local_tz()).date()


def local_today() -> dt.date:
    """Today as the department's calendar says it (Europe/Moscow by default), not the server's
    or UTC's: between 00:00 and 03:00 Moscow time the UTC day is still yesterday. Every date a
    screen proposes (mailed on, paid on, as of) starts from this one."""
    return local_date(dt.datetime.now(dt.UTC))


def to_local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(local_tz()) if moment else None


def format_local(moment: dt.datetime | None, empty: str = "—") -> str:
    """A stored UTC moment as people read it: ``28.11.2026 21:40`` in the department's time zone;
    ``empty`` when there is none. Formatting for people lives in ``core.i18n``; this delegates."""
    from core.i18n import format_datetime_local

    return format_datetime_local(moment, empty=empty)

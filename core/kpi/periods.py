"""Time buckets of the period charts: days, weeks or months, chosen to fit the period.

A head reads trends in buckets a person thinks in: days for a month, weeks for a quarter,
months for a year or more (``auto``). Every time chart of the dashboard (moves, new against
closed, claimed and collected, recovery rate, plan adherence) buckets the same way, so their
bars line up. Weeks start on Monday; months are calendar months (local time). A bucket is named
by its first day; the first and the last bucket may be cut by the period's ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from babel.dates import format_date

from core.i18n import N_, _, locale

Granularity = Literal["day", "week", "month"]
GRANULARITIES: tuple[str, ...] = ("auto", "day", "week", "month")
GRANULARITY_LABELS: dict[str, str] = {
    "auto": N_("Automatic"),
    "day": N_("Days"),
    "week": N_("Weeks"),
    "month": N_("Months"),
}
#: periods up to this many days are shown by day, then by week, longer ones by month
DAYS_UP_TO = 45
WEEKS_UP_TO = 190


def auto_granularity(days: int) -> Granularity:
    """The bucket that gives a readable number of bars: 1-45 days, 7-27 weeks, 7+ months."""
    if days <= DAYS_UP_TO:
        return "day"
    if days <= WEEKS_UP_TO:
        return "week"
    return "month"


def bucket_start(day: dt.date, granularity: Granularity) -> dt.date:
    """The first day of the bucket holding ``day``."""
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def next_bucket(start: dt.date, granularity: Granularity) -> dt.date:
    if granularity == "week":
        return start + dt.timedelta(days=7)
    if granularity == "month":
        return (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return start + dt.timedelta(days=1)


def bucket_starts(first: dt.date, last: dt.date, granularity: Granularity) -> list[dt.date]:
    """The first days of every bucket from ``first`` to ``last`` (inclusive)."""
    out: list[dt.date] = []
    start = bucket_start(first, granularity)
    while start <= last:
        out.append(start)
        start = next_bucket(start, granularity)
    return out


def bucket_labels(starts: list[dt.date], granularity: Granularity) -> list[str]:
    """How buckets are named on an axis, short enough to stand upright under a bar: months as
    ``янв. 2026``, ``февр.``, ... (the year at the first bar and at every January); a day or a
    week (by its Monday) as ``1 июн.``, with the year when the buckets span two years."""
    if granularity == "month":
        return [
            format_date(s, "LLL yyyy" if i == 0 or s.month == 1 else "LLL", locale=locale())
            for i, s in enumerate(starts)
        ]
    pattern = "d MMM yyyy" if len({s.year for s in starts}) > 1 else "d MMM"
    return [format_date(s, pattern, locale=locale()) for s in starts]


def axis_title(granularity: Granularity) -> str:
    """The title of a time axis: what one bar stands for."""
    return {"day": _("Day"), "week": _("Week starting on Monday"), "month": _("Month")}[granularity]

"""The day a screen proposes is the department's day (Moscow), not the UTC or the server's day."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.calendar import local_today
from core.ledger.service import today as ledger_today


@pytest.mark.parametrize(
    ("utc_moment", "moscow_day"),
    [
        # 23:59:59 in Moscow on 1 December
        (dt.datetime(2026, 12, 1, 20, 59, 59, tzinfo=dt.UTC), dt.date(2026, 12, 1)),
        # one second later it is 2 December in Moscow while UTC is still on 1 December
        (dt.datetime(2026, 12, 1, 21, 0, 0, tzinfo=dt.UTC), dt.date(2026, 12, 2)),
        # 02:59 in Moscow: the last minute of the window where the UTC day lags behind
        (dt.datetime(2026, 12, 1, 23, 59, 0, tzinfo=dt.UTC), dt.date(2026, 12, 2)),
        # New Year's night
        (dt.datetime(2026, 12, 31, 21, 30, tzinfo=dt.UTC), dt.date(2027, 1, 1)),
    ],
)
def test_local_today_is_the_moscow_day_around_midnight(utc_moment: dt.datetime, moscow_day: dt.date) -> None:
    with time_machine.travel(utc_moment, tick=False):
        assert local_today() == moscow_day
        assert ledger_today() == moscow_day  # the money screens propose the same day

"""Transferred working Saturdays are business days (production calendar, not ``weekday() < 5``).

Sources: Government Decree No. 1335 of 04.08.2023 (2024 calendar: Saturdays 27.04, 02.11 and 28.12
worked), No. 1052 of 04.10.2024 (2025: Saturday 01.11 worked), and the 2027 transfer of the
Saturday 20.02.2027 as carried by the ``holidays`` package.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.calendar import add_business_days, is_business_day, next_business_day


@pytest.mark.parametrize("day", ["2024-04-27", "2024-11-02", "2024-12-28", "2025-11-01", "2027-02-20"])
def test_transferred_working_saturday_is_a_business_day(day: str) -> None:
    d = dt.date.fromisoformat(day)
    assert d.weekday() == 5
    assert is_business_day(d)


def test_next_business_day_after_friday_is_the_working_saturday() -> None:
    # Friday 26.04.2024: the bureau's next-business-day deadline is Saturday 27.04.2024, not 02.05.
    assert next_business_day(dt.date(2024, 4, 26)) == dt.date(2024, 4, 27)
    # Friday 31.10.2025 -> Saturday 01.11.2025 (worked; 03.11 and 04.11 are days off).
    assert next_business_day(dt.date(2025, 10, 31)) == dt.date(2025, 11, 1)
    assert next_business_day(dt.date(2025, 11, 1)) == dt.date(2025, 11, 5)


def test_ordinary_weekends_and_transferred_days_off_stay_off() -> None:
    assert not is_business_day(dt.date(2026, 11, 28))  # an ordinary Saturday
    assert not is_business_day(dt.date(2024, 12, 30))  # Monday made a day off for 28.12.2024
    assert not is_business_day(dt.date(2025, 11, 3))  # Monday made a day off for 01.11.2025
    assert add_business_days(dt.date(2024, 12, 27), 1) == dt.date(2024, 12, 28)

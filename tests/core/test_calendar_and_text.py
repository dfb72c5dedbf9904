"""Business days on the Russian production calendar; name normalisation."""

from __future__ import annotations

import datetime as dt

from core.calendar import is_business_day, next_business_day
from core.text import name_search_key, normalize_person_name


def test_new_year_holidays_and_weekends() -> None:
    assert next_business_day(dt.date(2025, 12, 31)) == dt.date(2026, 1, 12)
    assert next_business_day(dt.date(2026, 5, 8)) == dt.date(2026, 5, 12)  # Victory Day on Saturday moved to 11 May
    assert not is_business_day(dt.date(2026, 11, 28))  # Saturday
    assert next_business_day(dt.date(2026, 11, 27)) == dt.date(2026, 11, 30)


def test_names() -> None:
    assert normalize_person_name("  иВАНОВ   иван  ивановИЧ ") == "Иванов Иван Иванович"
    assert normalize_person_name("салтыков-щедрин михаил") == "Салтыков-Щедрин Михаил"
    assert name_search_key("Пётр  ЁЛКИН") == "петр елкин"

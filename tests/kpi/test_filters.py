"""The dashboard's case filters pick exactly the cases its search links show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.cases.search import matching_ids
from core.kpi.filters import KpiFilters
from tests.factories import make_case, make_creditor, make_user

PERIOD: dict[str, Any] = {"date_from": dt.date(2026, 6, 1), "date_to": dt.date(2026, 6, 14)}


@pytest.mark.parametrize(
    ("narrowing", "cases"),
    [
        ({}, 4),
        ({"regions": ("Москва",)}, 2),
        ({"stages": ("claim_mailed",)}, 2),
        ({"by_creditor": True}, 2),
        ({"by_responsible": True, "regions": ("Тверская область",)}, 1),
        ({"by_creditor": True, "stages": ("new",), "regions": ("Москва",)}, 1),
    ],
)
def test_kpi_cases_are_the_search_links_cases(session: Session, narrowing: dict[str, Any], cases: int) -> None:
    clerk = make_user(session, "clerk")
    other = make_user(session, "clerk")
    bank, shop = make_creditor(session, "Банк"), make_creditor(session, "Магазин")
    make_case(session, region="Москва", creditor=bank, responsible=clerk)
    make_case(session, region="Москва", creditor=shop, responsible=other, stage="claim_mailed")
    make_case(session, region="Тверская область", creditor=bank, responsible=other)
    make_case(session, region="Тверская область", creditor=shop, responsible=clerk, stage="claim_mailed")
    session.commit()
    chosen = dict(narrowing)
    if chosen.pop("by_creditor", False):
        chosen["creditor_ids"] = (bank.id,)
    if chosen.pop("by_responsible", False):
        chosen["responsible_ids"] = (clerk.id,)
    f = KpiFilters(**PERIOD, **chosen)

    counted = set(session.scalars(f.case_ids_subquery()))
    linked = set(matching_ids(session, clerk, f.case_filter()))

    assert len(counted) == cases
    assert counted == linked

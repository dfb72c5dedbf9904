"""The KPI page in Streamlit's AppTest (through app.py, as a signed-in user)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.audit.models import AuditLog
from core.auth.models import User
from core.db import utcnow
from core.kpi import service
from core.kpi.display import COLUMN_LABELS
from tests.app.conftest import _navigation_only, app_db, open_as, signed_in  # noqa: F401 - fixtures
from tests.factories import make_case
from tests.kpi.conftest import staff


def _head_with_cases(app_db: Session) -> User:  # noqa: F811 - the fixture is passed in
    service.clear_cache()
    head = staff(app_db, "head", "Helen Head")
    head.language = "ru"  # a Russian head, as the department's are
    now = utcnow()
    make_case(
        app_db,
        stage="claim_mailed",
        claim_amount=Decimal("12345.67"),
        opened_at=now - dt.timedelta(days=2),
        entered_stage_at=now - dt.timedelta(days=20),
    )
    make_case(app_db, stage="new", opened_at=now - dt.timedelta(days=1), entered_stage_at=now)
    app_db.commit()
    return head


@pytest.fixture
def kpi_page(
    app_db: Session,  # noqa: F811
    open_as: Callable[[User, str], AppTest],  # noqa: F811
) -> AppTest:
    """The KPI page as the head sees it, with two cases opened in the last days."""
    return open_as(_head_with_cases(app_db), "pages/kpi.py")


def test_head_sees_tiles_charts_and_links_to_search(kpi_page: AppTest) -> None:
    at = kpi_page
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Показатели отдела"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Новые дела"] == "2"
    assert metrics["Сверх SLA сейчас"] == "1"
    assert metrics["Предъявлено"] == "42,3\u00a0тыс.\u00a0₽"  # 12 345,67 + 30 000,00 from the factory
    # KPIs without data say so, in Russian, instead of failing
    assert any(i.value.startswith("Данных пока нет") for i in at.info)
    links = [el.proto for el in _elements(at, "page_link")]
    aging = [p for p in links if "over_sla=1" in p.query_string]
    assert aging and all(p.page_script_hash and not p.external for p in aging)  # an in-app link to the search page
    assert {p.label for p in links} >= {"Открыть в поиске", "Открыть дела сверх SLA в поиске"}


def test_charts_are_labelled_and_scaled_honestly(kpi_page: AppTest) -> None:
    """What a head puts in front of the director: named axes in Russian (no field names), counts
    on whole-number ticks from zero, a bar chart of stages, the default year shown by month."""
    at = kpi_page
    assert at.selectbox(key="kpi_granularity").value == "auto"
    period = at.date_input(key="kpi_period").value
    assert period[0].day == 1 and (period[1] - period[0]).days > 330  # twelve calendar months to date
    figures = {el.proto.id: json.loads(el.proto.spec) for el in _elements(at, "plotly_chart")}
    assert figures
    field_names = set(COLUMN_LABELS) | {"label", "band", "as_of", "week", "month"}
    for spec in figures.values():
        layout = spec["layout"]
        assert layout["separators"] == ",\u00a0"
        for axis in ("xaxis", "yaxis"):
            title = (layout.get(axis, {}).get("title") or {}).get("text") or ""
            assert title not in field_names, title
        assert all(t["type"] != "funnel" for t in spec["data"])
    stages = next(s for s in figures.values() if s["data"][0].get("orientation") == "h" and len(s["data"]) == 1)
    assert stages["data"][0]["type"] == "bar"
    assert stages["layout"]["xaxis"]["title"]["text"] == "Дела"
    assert stages["layout"]["xaxis"]["dtick"] == 1 and stages["layout"]["xaxis"]["tickformat"] == ",d"  # 1 case
    assert stages["layout"]["xaxis"]["range"][0] == 0
    opened = next(s for s in figures.values() if (s["layout"]["xaxis"].get("title") or {}).get("text") == "Месяц")
    assert opened["layout"]["xaxis"]["type"] == "category"  # months as bars, never an hourly time axis
    assert len(opened["data"][0]["x"]) >= 12


def test_export_button_offers_an_xlsx_and_audits_it(kpi_page: AppTest, app_db: Session) -> None:  # noqa: F811
    at = kpi_page
    at.button(key="kpi_export").click().run()
    assert not at.exception, at.exception
    assert _elements(at, "download_button")
    app_db.expire_all()
    assert app_db.scalars(select(AuditLog.action).where(AuditLog.action == "kpi.export")).all() == ["kpi.export"]


def test_clerk_gets_no_kpi_page(app_db: Session) -> None:  # noqa: F811
    """The permission table gives clerks no KPI_VIEW, so the navigation has no KPI page for them."""
    clerk = staff(app_db, "clerk", "Anna Clerk")
    app_db.commit()
    at = signed_in(clerk).run()
    assert not at.exception
    with pytest.raises(ValueError, match="pages/kpi.py"):
        at.switch_page("pages/kpi.py")


def _elements(at: AppTest, kind: str) -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        if getattr(node, "type", None) == kind:
            found.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found

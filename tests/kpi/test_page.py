"""The KPI page in Streamlit's AppTest (through app.py, as a signed-in user)."""

from __future__ import annotations

import datetime as dt
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
from tests.app.conftest import _navigation_only, app_db, open_as, signed_in  # noqa: F401 - fixtures
from tests.factories import make_case
from tests.kpi.conftest import staff


def _head_with_cases(app_db: Session) -> User:  # noqa: F811 - the fixture is passed in
    service.clear_cache()
    head = staff(app_db, "head", "Helen Head")
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
    assert [h.value for h in at.header] == ["KPIs"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New cases"] == "2"
    assert metrics["Over SLA now"] == "1"
    assert metrics["Claimed (new cases)"].startswith("42\u00a0345,67")  # 12,345.67 + 30,000.00 from the factory
    # KPIs without data say so instead of failing
    assert any(i.value.startswith("No data yet") for i in at.info)
    links = [el.proto for el in _elements(at, "page_link")]
    aging = [p for p in links if "over_sla=1" in p.query_string]
    assert aging and all(p.page_script_hash and not p.external for p in aging)  # an in-app link to the search page


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

"""The KPI page in a real headless Chromium at the widths heads use (1280 and 1920 px): no
headline figure, tile label or drill-down link is cut, whatever the size of the numbers.

Streamlit cuts a metric's value to one line with an ellipsis by default ("23,68 млн …"); the page
lets it wrap. Measured in the browser: an element is cut when its text is wider than its box
(``scrollWidth > clientWidth``) or when it sticks out of its tile. Screenshots of both widths go
to ``tests/artifacts/kpi-<width>.png`` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.db import utcnow
from tests.e2e.conftest import TOTP_SECRET, browser_page, serve_app, settle, shot, sign_in
from tests.factories import make_case, make_user

pytestmark = pytest.mark.browser

# Every element of a tile that must be readable whole: its label, its value, its change and its
# link. Returns the ones that are cut, with their text, so a failure says what was cut.
CUT_ELEMENTS = """
() => {
  const cut = [];
  const tiles = [...document.querySelectorAll("[data-testid='stMetric']")];
  for (const metric of tiles) {
    const tile = metric.closest("[data-testid='stVerticalBlockBorderWrapper']") || metric.parentElement;
    const box = tile.getBoundingClientRect();
    const parts = [
      ...metric.querySelectorAll("[data-testid='stMetricValue'] *, [data-testid='stMetricLabel'] p, [data-testid='stMetricDelta'] div"),
      ...tile.querySelectorAll("[data-testid='stPageLink'] p, [data-testid='stPageLink-NavLink'] span"),
    ];
    for (const el of parts) {
      const r = el.getBoundingClientRect();
      if (!el.textContent.trim() || r.width === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1 || r.right > box.right + 1 || r.left < box.left - 1) {
        cut.push(el.textContent.trim());
      }
    }
  }
  return {tiles: tiles.length, cut};
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def seed(s: Session) -> None:
        head = make_user(s, "head", username="hanna", full_name="Ганна Руководитель")
        head.totp_secret = TOTP_SECRET
        head.mfa_enrolled = True
        head.language = "ru"
        now = utcnow()
        # amounts as large as a real portfolio's, so the headline reads "999,9 млн ₽", and cases
        # over SLA in the snapshot
        for i, amount in enumerate(("999876543.21", "23684068.40", "1020000.00", "5500.00")):
            make_case(
                s,
                stage="claim_mailed",
                claim_amount=Decimal(amount),
                opened_at=now - dt.timedelta(days=3 + i),
                entered_stage_at=now - dt.timedelta(days=30),
            )

    with serve_app(tmp_path_factory.mktemp("kpi-e2e"), seed, language="ru") as base:
        yield base


@pytest.mark.parametrize("width", [1280, 1920])
def test_headline_figures_and_links_are_not_cut(server: str, width: int) -> None:
    from playwright.sync_api import expect

    with browser_page(f"kpi-{width}-failure", locale="ru-RU") as page:
        page.set_viewport_size({"width": width, "height": 1000})
        page.goto(server + "/")
        settle(page)
        sign_in(page, "hanna", language="ru")
        page.goto(server + "/kpi")
        settle(page)
        expect(page.get_by_role("heading", name="Показатели отдела")).to_be_visible()
        expect(page.locator("[data-testid='stMetricValue']").first).to_be_visible()
        found = page.evaluate(CUT_ELEMENTS)
        shot(page, f"kpi-{width}")
        assert found["tiles"] >= 7
        assert found["cut"] == [], f"cut at {width} px: {found['cut']}"
        values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
        assert "1,02\u00a0млрд\u00a0₽" in values, values  # 1 024 580 611,61 ₽, short and whole

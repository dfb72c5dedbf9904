"""A clerk's day in a real browser (issue #17): what got in the way must not come back.

One server on a small demo database, its clock started at 00:30 Moscow time on 2 December 2026
(21:30 UTC on 1 December): the search table fits a 1440 px screen with the stage readable, a
delivered case's Mail tab lists its envelope, dates default to the Moscow day, bulk actions act on
nothing until the clerk says on what, /search is a working address, and the next person after a
sign-out starts on the start page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.cases.workflow import STAGES
from core.demo import DEMO_PASSWORD, load_demo
from tests.e2e.conftest import browser_page, serve_app, settle

pytestmark = pytest.mark.browser

# 00:30 on 2 December in Moscow (UTC+3); the UTC day is still 1 December
CLOCK = dt.datetime(2026, 12, 1, 21, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    found: dict[str, str] = {}

    def seed(s: Session) -> None:
        engine = s.get_bind()
        load_demo(engine, cases=150, seed=17)
        delivered = s.execute(
            select(Case.number, Case.tracking_number)
            .where(Case.stage == "claim_delivered", Case.tracking_number.is_not(None))
            .order_by(Case.id)
        ).first()
        assert delivered is not None, "the demo should hold a delivered claim"
        found["delivered"], found["tracking"] = delivered

    workdir = tmp_path_factory.mktemp("e2e-day")
    with serve_app(workdir, seed, language="en", clock_at=CLOCK) as base:
        yield {"base": base, **found}


def _sign_in(page, base: str, username: str, path: str = "/") -> None:
    page.goto(base + path)
    settle(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def test_the_search_address_opens_the_search_signed_out_and_in(server: dict[str, str]) -> None:
    from playwright.sync_api import expect

    with browser_page("day-search-address") as page:
        # a bookmark of /search while signed out: the sign-in, then the search, no "Page not found"
        _sign_in(page, server["base"], "clerk", "/search")
        expect(page.get_by_role("heading", name="Case search")).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        # signed in, with a filter in the address: the filter is kept
        page.goto(server["base"] + "/search?debtor_name=%D0%B8%D0%B2")
        settle(page)
        expect(page.get_by_role("heading", name="Case search")).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_label("Debtor", exact=True)).to_have_value("ив")
        # the root address is the search too
        page.goto(server["base"] + "/")
        settle(page)
        expect(page.get_by_role("heading", name="Case search")).to_be_visible()


def test_mail_tab_lists_the_envelope_of_a_delivered_case(server: dict[str, str]) -> None:
    from playwright.sync_api import expect

    with browser_page("day-mail-tab") as page:
        _sign_in(page, server["base"], "clerk", f"/case?case={server['delivered']}")
        page.get_by_role("tab", name="Mail").click()
        settle(page)
        panel = page.get_by_role("tabpanel", name="Mail")
        expect(panel.get_by_text("No court mail for this case yet")).to_have_count(0)
        expect(panel.get_by_text(re.compile(f"{server['tracking']} · Delivered"))).to_be_visible()


def test_dates_default_to_the_moscow_day_after_midnight(server: dict[str, str]) -> None:
    from playwright.sync_api import expect

    with browser_page("day-local-date") as page:
        _sign_in(page, server["base"], "clerk", "/mail")
        page.get_by_role("tab", name="Add a shipment").click()
        settle(page)
        # 00:30 in Moscow on 2 December: the UTC day (1 December) would be yesterday
        mailed_on = page.locator("[data-testid='stDateInput']").filter(has_text="Mailed on").locator("input").first
        expect(mailed_on).to_have_value("2026-12-02")  # the input holds the ISO date it shows as 02.12.2026


def test_bulk_actions_start_with_nothing_chosen_on_search_and_board(server: dict[str, str]) -> None:
    from playwright.sync_api import expect

    with browser_page("day-bulk-defaults") as page:
        _sign_in(page, server["base"], "clerk")
        for path in ("/search", "/board"):
            page.goto(server["base"] + path)
            settle(page)
            if path == "/board":
                page.get_by_role("button", name="Show cases").first.click()
                settle(page)
            scope = page.get_by_role("radiogroup", name="Apply to")
            expect(scope).to_be_visible()
            for radio in scope.get_by_role("radio").all():
                expect(radio).not_to_be_checked()
            # no move is offered before the choice, and the page says what to do
            expect(page.get_by_label("Move to")).to_have_count(0)
            expect(
                page.get_by_text(re.compile("choose all matching cases|Choose which cases to act on"))
            ).to_be_visible()


def test_after_a_sign_out_the_next_person_starts_on_the_start_page(server: dict[str, str]) -> None:
    from playwright.sync_api import expect

    with browser_page("day-sign-out") as page:
        _sign_in(page, server["base"], "lawyer", "/board")
        expect(page.get_by_role("heading", name="Stage board")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        settle(page)
        expect(page.get_by_text("You signed out.")).to_be_visible()
        page.get_by_label("Username").fill("clerk")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        settle(page)
        expect(page.get_by_role("heading", name="Case search")).to_be_visible()
        assert "/board" not in page.url


def test_search_table_fits_1440_px_and_the_stage_is_readable(server: dict[str, str]) -> None:
    """Every stage label, in English and in Russian, fits the search's stage column (measured
    with the browser's own font), and the table has no horizontal scroll at 1440 px."""
    from core.config import PROJECT_ROOT
    from core.i18n import _, use_language

    source = (PROJECT_ROOT / "pages" / "search.py").read_text()
    width = int(re.search(r'"Stage": (\d+),', source).group(1))  # type: ignore[union-attr]
    labels = [s.label for s in STAGES]
    with use_language("ru"):
        labels += [_(s.label) for s in STAGES]
    with browser_page("day-stage-column") as page:
        _sign_in(page, server["base"], "clerk")
        font = page.evaluate("() => getComputedStyle(document.querySelector(\"[data-testid='stApp']\")).fontFamily")
        widest = page.evaluate(
            """([labels, font]) => {
                const ctx = document.createElement('canvas').getContext('2d');
                ctx.font = `600 14px ${font}`;
                return Math.max(...labels.map(l => ctx.measureText(l).width));
            }""",
            [labels, font],
        )
        assert widest + 2 * 8 <= width, (
            f"the widest stage label needs {widest:.0f} px + padding, the column has {width}"
        )
        grid = page.locator("[data-testid='stDataFrame'] .dvn-scroller").first
        overflow = grid.evaluate("e => e.scrollWidth - e.clientWidth")
        assert overflow <= 1, f"the search table scrolls sideways by {overflow} px at 1440 px"

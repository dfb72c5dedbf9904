"""Queued work in a real browser: a print package queued on the page is built by the real jobs
process, and the page, refreshing itself, shows the progress and then the download."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.documents.builders import case_with_debt
from tests.e2e.conftest import TOTP_SECRET, browser_page, serve_app, settle, shot, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def seed(s: Session) -> None:
        head = make_user(s, "head", username="hanna", full_name="Ганна Руководитель")
        head.totp_secret = TOTP_SECRET
        head.mfa_enrolled = True
        lawyer = make_user(s, "lawyer")
        for last in ("Петров", "Сидоров", "Кузнецова"):
            case_with_debt(s, lawyer, last_name=last, stage="claim_prepared", responsible=head)

    with serve_app(tmp_path_factory.mktemp("e2e-queue"), seed, with_jobs=True) as base:
        yield base


def test_a_print_package_is_built_by_the_jobs_process_and_appears_on_the_page(server: str) -> None:
    from playwright.sync_api import expect

    with browser_page("queued-failure") as page:
        # The first request after the server started, a bookmarked page: sign in, then that page.
        page.goto(f"{server}/packages")
        settle(page)
        sign_in(page, "hanna")
        expect(page.get_by_role("heading", name="Print packages")).to_be_visible()
        assert page.url.rstrip("/").endswith("/packages")
        expect(page.get_by_text("All 3 matching cases")).to_be_visible()
        page.get_by_role("button", name="Build the package").click()
        settle(page)
        shot(page, "queued-01-package-queued")
        # Nobody clicks again: the page follows the task by itself until it is built.
        expect(page.get_by_text("Package № 1: 3 envelopes", exact=False)).to_be_visible(timeout=90_000)
        expect(page.get_by_role("button", name="Download the package (PDF)")).to_be_visible()
        shot(page, "queued-02-package-built")

"""The clerk's main journey in a real headless Chromium against ``streamlit run`` on 127.0.0.1.

Sign in with a password and a TOTP code -> search -> open a case -> move it one stage -> see the
move in the timeline; a browser refresh keeps the login. Screenshots of every step go to
``tests/artifacts/`` (git-ignored) so a person can look at them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlalchemy.orm import sessionmaker

from core import db as core_db
from core.config import PROJECT_ROOT
from core.migrate import upgrade
from tests.factories import PASSWORD, make_case, make_user

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make chromium)")
    workdir = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{workdir / 'cessio.db'}"
    engine = core_db.make_engine(url)
    upgrade(engine)
    with sessionmaker(bind=engine, expire_on_commit=False)() as s:
        head = make_user(s, "head", username="hanna", full_name="Ганна Руководитель")
        head.totp_secret = TOTP_SECRET
        head.mfa_enrolled = True
        clerk = make_user(s, "clerk", full_name="Анна Клерк")
        case = make_case(s, last_name="Петров", first_name="Пётр", responsible=clerk, contract_number="ДЗ-0042")
        for last in ("Сидоров", "Кузнецова", "Орлов"):
            make_case(s, last_name=last, responsible=clerk)
        s.commit()
        number = case.number
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "CESSIO_DATABASE_URL": url,
        "CESSIO_FILE_STORE_DIR": str(workdir / "files"),
        "CESSIO_SECRET_KEY": "e2e-secret",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/_stcore/health", timeout=2).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"streamlit did not start:\n{out}")
            time.sleep(0.3)
        yield {"base": base, "case": number}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _settle(page: Page) -> None:
    """Wait until the script finished its run and nothing is still loading."""
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=30_000)
    page.wait_for_timeout(200)
    page.wait_for_selector(READY, timeout=30_000)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _browser(pw: Playwright) -> Browser:
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def _sign_in(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    _settle(page)
    page.get_by_label("Code").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Verify").click()
    _settle(page)


def test_deep_link_as_first_request_after_start_signs_in_then_opens_the_case(server: dict[str, str]) -> None:
    """Runs first on a fresh server: Streamlit's old pages/ mode is still on at that moment."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            page.goto(f"{server['base']}/case?case={server['case']}")
            _settle(page)
            expect(page.get_by_label("Password", exact=True)).to_be_visible()
            _sign_in(page, "hanna")
            expect(page.get_by_role("heading", name=f"{server['case']} · Петров Пётр Иванович")).to_be_visible()
        except Exception:
            _shot(page, "deep-link-failure")
            raise
        finally:
            browser.close()


def test_clerk_journey_sign_in_search_open_move_timeline(server: dict[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="ru-RU")
        try:
            page.goto(server["base"] + "/")
            _settle(page)
            page.get_by_label("Username").fill("hanna")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            _shot(page, "journey-01-sign-in")
            page.get_by_role("button", name="Sign in").click()
            _settle(page)
            expect(page.get_by_text("Two-step verification")).to_be_visible()
            page.get_by_label("Code").fill(pyotp.TOTP(TOTP_SECRET).now())
            _shot(page, "journey-02-code")
            page.get_by_role("button", name="Verify").click()
            _settle(page)
            expect(page.get_by_role("heading", name="Case search")).to_be_visible()
            expect(page.get_by_text("Ганна Руководитель")).to_be_visible()
            expect(page.get_by_text("4 cases match", exact=False)).to_be_visible()
            _shot(page, "journey-03-search")

            page.get_by_label("Debtor").fill("Петров")
            page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
            _settle(page)
            expect(page.get_by_text("1 case matches", exact=False)).to_be_visible()

            grid = page.locator("[data-testid='stDataFrame']").first
            box = grid.bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)  # the selection checkbox of row 1
            _settle(page)
            _shot(page, "journey-04-search-filtered-selected")
            page.get_by_role("button", name=f"Open case {server['case']}").click()
            _settle(page)
            expect(page.get_by_role("heading", name=f"{server['case']} · Петров Пётр Иванович")).to_be_visible()
            assert f"case={server['case']}" in page.url
            _shot(page, "journey-05-case-card")

            page.get_by_role("button", name="Claim prepared", exact=True).click()
            _settle(page)
            expect(page.get_by_text("Moved to “Claim prepared”.")).to_be_visible()
            timeline = page.locator("[data-testid='stDataFrame']").first
            expect(timeline.get_by_test_id("glide-cell-2-0")).to_have_text("New → Claim prepared")
            expect(timeline.get_by_test_id("glide-cell-3-0")).to_have_text("Ганна Руководитель")
            _shot(page, "journey-06-moved-timeline")

            page.get_by_role("button", name="← Back to the search results").click()
            _settle(page)
            expect(page.get_by_text("1 case matches", exact=False)).to_be_visible()  # the filter survived
            _shot(page, "journey-07-back-to-search")

            page.reload()  # the login survives a refresh (signed cookie), the filter too (address)
            _settle(page)
            expect(page.get_by_text("Ганна Руководитель")).to_be_visible()
            expect(page.get_by_text("1 case matches", exact=False)).to_be_visible()

            page.get_by_role("button", name="Sign out").click()
            _settle(page)
            expect(page.get_by_text("You signed out.")).to_be_visible()
            page.reload()
            _settle(page)
            expect(page.get_by_label("Password", exact=True)).to_be_visible()  # the cookie was removed
        except Exception:
            _shot(page, "journey-failure")
            raise
        finally:
            browser.close()

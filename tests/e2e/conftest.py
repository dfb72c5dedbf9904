"""Real servers and a real browser for the end-to-end tests: ``streamlit run app.py`` (and, when
a test needs it, the jobs process) on 127.0.0.1 against a fresh SQLite database, driven by
Debian's headless Chromium through Playwright."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlalchemy.orm import Session, sessionmaker

from core import db as core_db
from core.config import PROJECT_ROOT, reset_settings_cache
from core.migrate import upgrade
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
E2E_SECRET_KEY = "e2e-secret-of-at-least-thirty-two-characters"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _frozen_clock(workdir: Path, at: dt.datetime) -> dict[str, str]:
    """Environment that starts the app's clock at ``at`` (it then runs on): a ``sitecustomize``
    module, which Python imports at start-up, travels with ``time_machine``. Only the wall clock
    moves; the event loop's monotonic clock is untouched."""
    site = workdir / "clock"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(
        "import datetime as dt\n"
        "import time_machine\n"
        f"time_machine.travel(dt.datetime.fromisoformat({at.isoformat()!r}), tick=True).start()\n"
    )
    return {"PYTHONPATH": os.pathsep.join([str(site), str(PROJECT_ROOT)])}


@contextmanager
def serve_app(
    workdir: Path,
    seed: Callable[[Session], None],
    with_jobs: bool = False,
    language: str | None = None,
    clock_at: dt.datetime | None = None,
) -> Iterator[str]:
    """Migrate and seed a database in ``workdir``, start the app (and the jobs process), yield the
    app's base URL; stop everything afterwards. ``language``: the installation's
    (``CESSIO_LANGUAGE``). ``clock_at`` starts the app's clock at that moment (e.g. just after
    midnight in Moscow)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make chromium)")
    url = f"sqlite:///{workdir / 'cessio.db'}"
    engine = core_db.make_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        # seeded TOTP secrets are sealed with the key the app will open them with
        mp.setenv("CESSIO_SECRET_KEY", E2E_SECRET_KEY)
        reset_settings_cache()
        upgrade(engine)
        with sessionmaker(bind=engine, expire_on_commit=False)() as s:
            seed(s)
            s.commit()
    reset_settings_cache()
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "CESSIO_DATABASE_URL": url,
        "CESSIO_FILE_STORE_DIR": str(workdir / "files"),
        "CESSIO_SECRET_KEY": E2E_SECRET_KEY,
        "CESSIO_JOBS_TICK_SECONDS": "1",
        **({"CESSIO_LANGUAGE": language} if language else {}),
        **(_frozen_clock(workdir, clock_at) if clock_at else {}),
    }
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",  # the app with the routes of the HttpOnly session cookie
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
    jobs_log = (workdir / "jobs.log").open("wb")
    jobs = (
        subprocess.Popen(
            [sys.executable, "-m", "jobs"], cwd=PROJECT_ROOT, env=env, stdout=jobs_log, stderr=subprocess.STDOUT
        )
        if with_jobs
        else None
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
            if app.poll() is not None or time.monotonic() > deadline:
                out = app.stdout.read().decode() if app.stdout else ""
                pytest.fail(f"streamlit did not start:\n{out}")
            time.sleep(0.3)
        yield base
    finally:
        _stop(app)
        if jobs is not None:
            _stop(jobs)
        jobs_log.close()


def settle(page: Page) -> None:
    """Wait until the script finished its run and nothing is still loading."""
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=30_000)
    page.wait_for_timeout(200)
    page.wait_for_selector(READY, timeout=30_000)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def launch_browser(pw: Playwright) -> Browser:
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


@contextmanager
def browser_page(failure_shot: str, **context: Any) -> Iterator[Page]:
    """A page in a fresh headless Chromium (1440x900); on a failure its screenshot is kept as
    ``tests/artifacts/<failure_shot>.png`` so a person can see what the browser showed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_browser(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, **context)
        try:
            yield page
        except Exception:
            shot(page, failure_shot)
            raise
        finally:
            browser.close()


_last_step: list[int] = []


def next_code(secret: str = TOTP_SECRET) -> str:
    """A code the server has not accepted yet: each code works once (no replay), so a second
    sign-in within the same 30 seconds uses the next step's code (accepted one step early) and a
    third waits for the clock."""
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // 30
    step = max(now, _last_step[-1] + 1) if _last_step else now
    while step > int(time.time()) // 30 + 1:
        time.sleep(1)
    _last_step.append(step)
    return totp.at(step * 30)


SIGN_IN_WORDS = {
    "en": {"username": "Username", "password": "Password", "sign_in": "Sign in", "code": "Code", "verify": "Verify"},
    "ru": {
        "username": "Имя пользователя",
        "password": "Пароль",
        "sign_in": "Вход",
        "code": "Код",
        "verify": "Проверить",
    },
}


def sign_in(page: Page, username: str, language: str = "en") -> None:
    """Password, then the TOTP code of a user enrolled with ``TOTP_SECRET``."""
    words = SIGN_IN_WORDS[language]
    page.get_by_label(words["username"]).fill(username)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    settle(page)
    page.get_by_label(words["code"]).fill(next_code())
    page.get_by_role("button", name=words["verify"]).click()
    settle(page)

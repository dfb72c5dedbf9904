"""Browser benchmark of the common clicks: how long a person waits after a click; prints JSON.

    python -m bench.browser [--cases 2000] [--database sqlite:////tmp/demo.db] [--rounds 5]

Builds a demo database in a temporary directory (unless ``--database`` names one that holds
demo data), starts ``streamlit run serve.py`` (demo mode) on 127.0.0.1, signs in as the demo clerk in Debian's
headless Chromium (Playwright) and times each click from the click until the app has finished
the run it caused (Streamlit's script state back to "not running", no skeleton left): a filter
applied, the next and previous page of the search, a case opened by its address, a tab of the
case card, and a reload of the search address. Target: under 0.5 s a click on the demo database.
The numbers include the browser's own work, so they depend on the machine's load: quote the load
average with them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

from core.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "cessio-demo-2026"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_demo(url: str, cases: int) -> None:
    env = {**os.environ, "CESSIO_DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    subprocess.run(
        [sys.executable, "-m", "core.cli", "demo", "--cases", str(cases), "--if-empty"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _start_app(url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "CESSIO_DATABASE_URL": url,
        "CESSIO_FILE_STORE_DIR": str(workdir / "files"),
        "CESSIO_SECRET_KEY": "bench-secret",
        "CESSIO_MODE": "demo",  # a demo database: production mode refuses the demo accounts
        "PYTHONPATH": str(PROJECT_ROOT),
        # the clicks are found by their English names; the work per click is the same in Russian
        "CESSIO_LANGUAGE": "en",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",  # the app with the routes of the HttpOnly session cookie, as make run serves it
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/_stcore/health", timeout=2).text == "ok":
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("streamlit did not start")


def _settled(page: Page) -> None:
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=60_000)


def _timed(page: Page, action: Callable[[], None], rerun: bool = True) -> float:
    """Milliseconds from the click until the run it caused has finished."""
    started = time.perf_counter()
    action()
    if rerun:
        try:
            page.wait_for_selector(RUNNING, timeout=2_000, state="attached")
        except Exception:  # the run may have finished before the first check
            pass
    _settled(page)
    return (time.perf_counter() - started) * 1000


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/")
    _settled(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_timeout(500)
    _settled(page)


def _button(page: Page, names: tuple[str, ...]) -> Any:
    """A button by any of its names (English or Russian interface)."""
    return page.get_by_role("button", name=re.compile("|".join(names)))


def _case_numbers(url: str, n: int) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        numbers = [
            str(r[0]) for r in conn.execute(text("SELECT number FROM cases ORDER BY id DESC LIMIT :n"), {"n": n})
        ]
    engine.dispose()
    return numbers


def _measure(base: str, rounds: int, fragment: str, username: str, cases: list[str]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        _sign_in(page, base, username)
        search_button = page.get_by_test_id("stBaseButton-primaryFormSubmit")
        next_button = _button(page, ("Next", "Далее"))
        prev_button = _button(page, ("Previous", "Назад"))
        debtor = page.get_by_label(re.compile("^(Debtor|Должник)$"))
        for _ in range(rounds):
            debtor.fill(fragment)
            times.setdefault("apply a filter (debtor name)", []).append(_timed(page, search_button.click))
            debtor.fill("")
            times.setdefault("clear that filter", []).append(_timed(page, search_button.click))
            times.setdefault("next page of the search", []).append(_timed(page, next_button.first.click))
            times.setdefault("previous page of the search", []).append(_timed(page, prev_button.first.click))
        for number in cases:
            times.setdefault("open a case by its address", []).append(
                _timed(page, lambda n=number: page.goto(f"{base}/case?case={n}"), rerun=False)
            )
            for tab in page.get_by_role("tab").all()[1:]:
                times.setdefault("a tab of the case card", []).append(_timed(page, tab.click, rerun=False))
        for _ in range(rounds):
            times.setdefault("reload the search address", []).append(
                _timed(page, lambda: page.goto(f"{base}/search"), rerun=False)
            )
        browser.close()
    return times


def _summary(values: list[float]) -> dict[str, float | int]:
    ordered = sorted(values)
    p95 = ordered[max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values)),
        "p95_ms": round(p95),
        "max_ms": round(ordered[-1]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--database", default=None, help="a database URL with demo data (default: a fresh SQLite)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fragment", default="иван", help="the debtor-name fragment typed into the filter")
    parser.add_argument("--user", default="clerk")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cessio-bench-browser-") as tmp:
        workdir = Path(tmp)
        url = args.database or f"sqlite:///{workdir / 'cessio.db'}"
        started = time.perf_counter()
        _build_demo(url, args.cases)
        load_seconds = time.perf_counter() - started
        proc, base = _start_app(url, workdir)
        try:
            times = _measure(base, args.rounds, args.fragment, args.user, _case_numbers(url, args.rounds))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    result = {
        "cases": args.cases,
        "database": "sqlite (temporary)" if args.database is None else args.database.split("@")[-1],
        "demo_load_s": round(load_seconds, 1),
        "target_ms": 500,
        "clicks": {name: _summary(values) for name, values in times.items()},
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

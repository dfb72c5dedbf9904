"""Benchmark of the case search page through Streamlit's AppTest; prints JSON.

    python -m bench.ui [--cases 1000000] [--url postgresql+psycopg://...] [--repeat 5]

Loads demo cases into the database (unless it already holds at least that many; the default
database ``cessio_bench_ui`` on the local PostgreSQL is created when missing), then times the
search page as a signed-in user sees it: the first render (no filter: newest cases, total count)
and a filtered render (debtor name + stage, applied with the Search button). Each timing is one
full script run: the page's service calls, building the table and serialising it. Target: under
2 s each on 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from bench.database import open_demo_database
from core.auth.models import User
from core.cases.models import Case
from core.config import reset_settings_cache
from core.db import session_scope, utcnow
from tests.app.conftest import run_entry_script, signed_in

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cessio_bench_ui"


def _ensure_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _count_line(at: AppTest) -> str:
    return next((m.value for m in at.markdown if " match" in m.value), "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--url", default=os.environ.get("CESSIO_BENCH_UI_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--name", default="иванов", help="debtor name for the filtered render")
    parser.add_argument("--stage", default="claim_mailed", help="stage for the filtered render")
    args = parser.parse_args(argv)

    _ensure_database(args.url)
    engine, load_seconds = open_demo_database(args.url, args.cases, "ANALYZE")
    with session_scope(engine) as s:
        total_cases = s.scalar(select(func.count()).select_from(Case)) or 0
        user = s.scalar(select(User).where(User.role == "head", User.is_active.is_(True)).order_by(User.id))
        if user is None:
            raise SystemExit("no active head user in the database (the demo data creates one)")
        s.expunge(user)

    os.environ["CESSIO_DATABASE_URL"] = args.url
    os.environ.setdefault("CESSIO_MODE", "demo")  # the demo database holds the demo accounts
    reset_settings_cache()
    # AppTest would run a pages/ file directly on reruns (old folder mode); a real server runs
    # the entry script, which builds st.navigation (see tests/app/conftest.py).
    script_runner._mpa_v1 = run_entry_script  # type: ignore[attr-defined]

    first: list[float] = []
    filtered: list[float] = []
    cold: float | None = None
    lines: dict[str, str] = {}
    for i in range(args.repeat + 1):
        # the app of the tests (one shared scan of the custom components, as a server does at
        # start), so the timings are of the page, not of AppTest's set-up
        at = signed_in(user, timeout=120)
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"the search page failed: {at.exception[0].value}")
        lines["first"] = _count_line(at)
        if i == 0:
            cold = elapsed  # imports, engine, cached filter options
        else:
            first.append(elapsed)
        at.text_input(key="sf.debtor_name").set_value(args.name)
        at.multiselect(key="sf.stages").set_value([args.stage])
        next(b for b in at.button if b.label == "Search").click()
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        lines["filtered"] = _count_line(at)
        if i > 0:
            filtered.append(elapsed)

    print(
        json.dumps(
            {
                "database": engine.dialect.name,
                "cases": total_cases,
                "demo_load_seconds": load_seconds,
                "search_page_first_render_cold_seconds": round(cold or 0.0, 3),
                "search_page_first_render_seconds": {
                    "median": round(statistics.median(first), 3),
                    "max": round(max(first), 3),
                },
                "search_page_filtered_render_seconds": {
                    "median": round(statistics.median(filtered), 3),
                    "max": round(max(filtered), 3),
                },
                "filter": {"debtor_name": args.name, "stage": args.stage},
                "shown": lines,
                "repeat": args.repeat,
                "measured_at": utcnow().isoformat(timespec="seconds"),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

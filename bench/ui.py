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
import runpy
import statistics
import time

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.cases.models import Case
from core.config import PROJECT_ROOT, reset_settings_cache
from core.db import make_engine, session_scope, set_engine, utcnow
from core.demo import load_demo
from core.migrate import upgrade

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


_COMPONENTS: list[object] = []


def _app_test() -> AppTest:
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.runtime.scriptrunner import script_runner

    # AppTest would run a pages/ file directly on reruns (old folder mode); a real server runs
    # the entry script, which builds st.navigation (see tests/app/conftest.py).
    script_runner._mpa_v1 = lambda path: runpy.run_path(path, run_name="__main__")  # type: ignore[attr-defined]
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    # A server scans the installed custom components once at start, AppTest once per instance;
    # share one scan so the timings are of the page, not of AppTest's set-up.
    if not _COMPONENTS:
        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        _COMPONENTS.append(manager)
    at._bidi_component_manager = _COMPONENTS[0]
    return at


def _signed_in(user: User) -> AppTest:
    from ui.context import SignedInUser

    at = _app_test()
    at.session_state["user"] = SignedInUser(user.id, user.username, user.full_name, user.role)
    return at


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
    engine = make_engine(args.url)
    set_engine(engine)
    upgrade(engine)
    with session_scope(engine) as s:
        have = s.scalar(select(func.count()).select_from(Case)) or 0
    load_seconds = None
    if have < args.cases:
        started = time.perf_counter()
        load_demo(engine, cases=args.cases - have, seed=have + 1, batch=50_000)
        load_seconds = round(time.perf_counter() - started, 1)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    with session_scope(engine) as s:
        total_cases = s.scalar(select(func.count()).select_from(Case)) or 0
        user = s.scalar(select(User).where(User.role == "head", User.is_active.is_(True)).order_by(User.id))
        if user is None:
            raise SystemExit("no active head user in the database (the demo data creates one)")
        s.expunge(user)

    os.environ["CESSIO_DATABASE_URL"] = args.url
    reset_settings_cache()

    first: list[float] = []
    filtered: list[float] = []
    cold: float | None = None
    lines: dict[str, str] = {}
    for i in range(args.repeat + 1):
        at = _signed_in(user)
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

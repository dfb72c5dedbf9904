"""The database a benchmark runs on, set up the same way for every benchmark: migrated to every head
and used by ``session_scope``, so the code under measurement finds it as the app would."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from core import db as core_db
from core.cases.models import Case
from core.config import reset_settings_cache
from core.demo import load_demo
from core.migrate import upgrade


def open_database(url: str | None, name: str) -> Engine:
    """``url``, or a fresh SQLite file in a temporary directory named after the benchmark.

    CESSIO_DATABASE_URL names it too: code that opens its own engine from the settings (the
    nightly accrual, the bureau job) must measure the same data."""
    url = url or f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'cessio-bench-{name}-')) / 'bench.db'}"
    os.environ["CESSIO_DATABASE_URL"] = url
    reset_settings_cache()
    engine = core_db.make_engine(url)
    upgrade(engine)
    core_db.set_engine(engine)
    return engine


def open_demo_database(url: str | None, cases: int, maintenance: str) -> tuple[Engine, float | None]:
    """``url`` (default: the configured database) holding at least ``cases`` demo cases.

    A database that already holds that many is reused as it is (loading a million cases takes most
    of an hour); otherwise the missing cases are loaded and, on PostgreSQL, ``maintenance`` runs
    (``ANALYZE`` or ``VACUUM ANALYZE``) so the planner knows the new rows before anything is timed.
    Returns the engine and the seconds the load took (None when nothing was loaded)."""
    engine = core_db.make_engine(url)
    core_db.set_engine(engine)
    upgrade(engine)
    with core_db.session_scope(engine) as s:
        have = s.scalar(select(func.count()).select_from(Case)) or 0
    if have >= cases:
        return engine, None
    started = time.perf_counter()
    load_demo(engine, cases=cases - have, seed=have + 1, batch=50_000)
    load_seconds = round(time.perf_counter() - started, 1)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(maintenance)
    return engine, load_seconds

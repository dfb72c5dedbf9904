"""Database fixtures: every database test runs on SQLite AND on PostgreSQL.

PostgreSQL comes from ``CESSIO_TEST_PG_URL``. Each pytest process creates its own database on
that server (so parallel runs never clobber each other) and drops it at the end. With
``CESSIO_REQUIRE_PG=1`` an unreachable server fails the tests instead of skipping them.
The schema is created by the Alembic migrations, once per backend; after each test every
table is emptied.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core import db as core_db
from core.audit.guard import install_sqlite_guard, remove_sqlite_guard
from core.config import reset_settings_cache
from core.migrate import upgrade
from core.models import Base

# The tests describe behaviour in the source language (English): their assertions name buttons and
# messages as the code writes them. The Russian interface, the installation's default, is tested
# by tests/i18n (every page as every role, the catalog) and the browser journey, which set it
# explicitly.
os.environ.setdefault("CESSIO_LANGUAGE", "en")

# The tests run the app and the jobs process with throw-away keys and demo-style users; the
# production start checks (core.auth.production) are tested by tests/security with the mode set.
os.environ.setdefault("CESSIO_MODE", "demo")

PG_URL = os.environ.get("CESSIO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CESSIO_REQUIRE_PG") == "1"


def _create_pg_database() -> tuple[str, Engine] | None:
    url = make_url(PG_URL)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = f"cessio_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # test data need not survive a crash of the server: commits do not wait for the disk
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:
        admin.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_URL} is required (CESSIO_REQUIRE_PG=1) but unreachable: {exc}")
        return None
    return name, admin


_TABLES: dict[int, list[str]] = {}


def _tables_of(engine: Engine) -> list[str]:
    if id(engine) not in _TABLES:
        existing = set(inspect(engine).get_table_names())
        _TABLES[id(engine)] = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    return _TABLES[id(engine)]


def _empty_all_tables(engine: Engine) -> None:
    """Delete every row. On PostgreSQL triggers (foreign keys, the audit log's append-only
    guard) are switched off for this session only: DELETE on small tables is much faster than
    TRUNCATE, which rewrites files."""
    tables = _tables_of(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            remove_sqlite_guard(conn)  # the audit log's append-only triggers, for this emptying only
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            install_sqlite_guard(conn)
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(scope="session")
def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = Path(tmp_path_factory.mktemp("db")) / "cessio_test.db"
    engine = core_db.make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine]:
    created = _create_pg_database()
    if created is None:
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable (set CESSIO_REQUIRE_PG=1 to make this a failure)")
    name, admin = created
    url = make_url(PG_URL).set(database=name)
    engine = core_db.make_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _serving(request: pytest.FixtureRequest, fixture_name: str) -> Iterator[Engine]:
    """Make the migrated engine the one ``session_scope`` uses; empty it after the test."""
    eng: Engine = request.getfixturevalue(fixture_name)
    previous = (core_db._engine, core_db._factory)
    core_db.set_engine(eng)
    try:
        yield eng
    finally:
        core_db._engine, core_db._factory = previous
        _empty_all_tables(eng)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty, migrated database; SQLite and PostgreSQL in turn."""
    yield from _serving(request, "_sqlite_engine" if request.param == "sqlite" else "_pg_engine")


@pytest.fixture
def sqlite_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """SQLite only, for tests whose subject is not the database (UI, files)."""
    yield from _serving(request, "_sqlite_engine")


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """PostgreSQL only (concurrency, triggers)."""
    yield from _serving(request, "_pg_engine")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on ``engine``; the test commits when it needs to, the rest is emptied after."""
    s = sessionmaker(bind=engine, expire_on_commit=False)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CESSIO_FILE_STORE_DIR", str(tmp_path / "files"))
    reset_settings_cache()
    yield
    reset_settings_cache()

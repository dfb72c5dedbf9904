"""Issue #19, item 10: the audit log is append-only on both databases, TRUNCATE is refused on
PostgreSQL, and with the documented roles the application's role can neither change audit rows
nor drop the guard (it owns nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.db_roles import grant_app_role
from core.cases.service import transition_case
from core.migrate import upgrade
from tests.conftest import PG_URL
from tests.factories import make_case, make_user


def _one_audit_row(session: Session) -> None:
    clerk = make_user(session, "clerk")
    record_audit(session, clerk, "case.export", "case", None, {"rows": 3})
    session.commit()


def test_audit_rows_cannot_be_changed_or_deleted(session: Session) -> None:
    _one_audit_row(session)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE audit_log SET action = 'nothing happened'"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_log"))
    session.rollback()
    assert session.execute(text("SELECT action FROM audit_log")).scalars().all() == ["case.export"]


def test_truncate_is_refused_on_postgresql(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        _one_audit_row(session)
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("TRUNCATE audit_log"))
        session.rollback()
        assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1


@pytest.fixture
def roles(pg_engine: Engine) -> Iterator[tuple[str, str, str]]:
    """A fresh database owned by a new owner role, migrated AS that owner, and an app role
    with the rights ``cessio db grant-app`` gives; everything is dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"cessio_owner_{suffix}", f"cessio_app_{suffix}", f"cessio_roles_{suffix}"
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
        conn.execute(text(f'CREATE ROLE "{app}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{database}" OWNER "{owner}"'))
        # PostgreSQL 15 no longer lets everyone create in public: the owner owns the schema
    with create_engine(make_url(PG_URL).set(database=database), isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'ALTER SCHEMA public OWNER TO "{owner}"'))
    try:
        yield owner, app, database
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{app}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def test_the_app_role_owns_nothing_and_cannot_touch_the_audit_log(roles: tuple[str, str, str]) -> None:
    owner, app, database = roles
    base = make_url(PG_URL).set(database=database)
    owner_engine = create_engine(base.set(username=owner, password=None))
    upgrade(owner_engine)  # migrations run as the owner
    with owner_engine.begin() as conn:
        grant_app_role(conn, app)
    owner_engine.dispose()

    app_engine = create_engine(base.set(username=app, password=None))
    try:
        with Session(app_engine) as session:
            # the app does its ordinary work: users, cases, a move (temporary table on PostgreSQL)
            clerk = make_user(session, "clerk")
            case = make_case(session, stage="new", responsible=clerk)
            session.commit()
            transition_case(session, clerk, case.id, "prepare_claim", case.version)
            session.commit()
            assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() >= 1
            owned = session.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
            ).scalar_one()
            assert owned == 0
            for statement in (
                "UPDATE audit_log SET action = 'x'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "DROP TRIGGER audit_log_no_change ON audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER ALL",
                "DROP TABLE audit_log",
                "CREATE TABLE public.mine (id int)",
            ):
                with pytest.raises(DBAPIError, match="permission denied|must be owner|append-only"):
                    session.execute(text(statement))
                session.rollback()
            assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() >= 1
    finally:
        app_engine.dispose()

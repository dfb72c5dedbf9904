"""Every mutation is audited in the same transaction; on PostgreSQL the log is append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditLog
from core.audit.service import AuditFilter, record_audit, search_audit
from core.cases.service import transition_case
from tests.factories import make_case, make_user


def test_transition_and_its_audit_roll_back_together(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    session.commit()
    transition_case(session, clerk, case.id, "prepare_claim", case.version)
    session.rollback()
    assert session.scalars(select(AuditLog).where(AuditLog.action == "case.transition")).all() == []


def test_search_filters_and_pages_newest_first(session) -> None:
    admin = make_user(session, "admin")
    for i in range(5):
        record_audit(session, admin, "case.export" if i % 2 else "user.create", "case", i, {"i": i})
    session.commit()
    rows, total = search_audit(session, admin, AuditFilter(action="case."), limit=1)
    assert total == 2 and rows[0].details["i"] == 3
    more, _ = search_audit(session, admin, AuditFilter(action="case."), limit=1, before_id=rows[0].id)
    assert more[0].details["i"] == 1


def test_audit_rows_cannot_be_changed_on_postgres(pg_engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor_name, action, entity, details) "
                "VALUES (now(), 'system', 'x', 'case', '{}')"
            )
        )
    for stmt in (update(AuditLog).values(action="forged"), delete(AuditLog)):
        with pytest.raises(DBAPIError, match="append-only"):
            with pg_engine.begin() as conn:
                conn.execute(stmt)
    with pg_engine.connect() as conn:
        assert conn.execute(select(AuditLog.action)).scalars().all() == ["x"]

"""The database-side guard that keeps the audit log append-only, on both databases.

PostgreSQL: a trigger function refuses UPDATE and DELETE (per row) and TRUNCATE (per
statement); with the role setup of docs/security.md the application's role owns nothing, so it
can neither drop the trigger nor the table. SQLite: two triggers refuse UPDATE and DELETE (SQLite
has no TRUNCATE; a ``DELETE`` without ``WHERE`` fires the trigger too). On SQLite whoever can
write the file can still drop the triggers: the guard there protects against the application's
own code paths and mistakes, not against someone holding the file (docs/security.md).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

SQLITE_TRIGGERS: dict[str, str] = {
    "audit_log_no_update": (
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END"
    ),
    "audit_log_no_delete": (
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END"
    ),
}

PG_TRUNCATE_TRIGGER = (
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
)


def install_sqlite_guard(conn: Connection) -> None:
    for name, ddl in SQLITE_TRIGGERS.items():
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        conn.execute(text(ddl))


def remove_sqlite_guard(conn: Connection) -> None:
    """Only for emptying a throw-away test database; the application never calls it."""
    for name in SQLITE_TRIGGERS:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))

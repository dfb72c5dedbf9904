"""The PostgreSQL privileges of the application's role (docs/security.md, "PostgreSQL roles").

Two roles: the **owner** owns the schema and every table and runs the migrations
(``cessio db upgrade`` with the owner's URL); the **app** role, which the web server and the jobs
process connect as, owns nothing and may only read and write rows. Not being the owner it cannot
ALTER or DROP a table, DROP the audit log's trigger or disable it; on ``audit_log`` it has
SELECT and INSERT only, so no UPDATE, DELETE or TRUNCATE, whatever the triggers.

``grant_app_role`` is run by the owner after every ``cessio db upgrade`` (``cessio db grant-app
ROLE``): it is idempotent and also sets the default privileges of tables the owner creates later.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("audit_log",)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_statements(app_role: str, database: str) -> list[str]:
    """The GRANT/REVOKE statements, in order (run them as the owner)."""
    if not _IDENTIFIER.match(app_role) or not _IDENTIFIER.match(database):
        raise ValueError("role and database names: lower-case letters, digits and underscores")
    role, db = f'"{app_role}"', f'"{database}"'
    statements = [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",  # bulk moves use a temporary table
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {role}")
    statements.append(f"REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA public FROM {role}")
    return statements


def grant_app_role(conn: Connection, app_role: str) -> list[str]:
    """Apply ``app_role_statements`` on this connection (as the owner); returns them."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    statements = app_role_statements(app_role, database)
    for statement in statements:
        conn.execute(text(statement))
    return statements

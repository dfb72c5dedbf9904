"""security: server-side sessions, sign-in throttle, sealed TOTP secrets, debtor versions,
append-only audit log on SQLite and against TRUNCATE on PostgreSQL.

Revision ID: 0014_security_hardening
Revises: 0001
Create Date: 2026-12-01 23:40:00

Existing TOTP secrets are sealed with the installation's data key (``core.auth.crypto``) in
this migration, so run it with the production ``CESSIO_DATA_KEY`` / ``CESSIO_SECRET_KEY`` set.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core.audit.guard import PG_TRUNCATE_TRIGGER, SQLITE_TRIGGERS, install_sqlite_guard

revision = "0014_security_hardening"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from core.auth.crypto import is_sealed, open_sealed, seal

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("handoff_hash", sa.String(length=64), nullable=True),
        sa.Column("handoff_expires_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"], unique=False)
    op.create_index(op.f("ix_auth_sessions_handoff_hash"), "auth_sessions", ["handoff_hash"], unique=False)
    op.create_table(
        "auth_throttle",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_throttle")),
    )
    op.add_column("users", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column("debtors", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    if postgres:
        # a sealed secret is longer than the 64 characters of a plain one (SQLite ignores lengths)
        op.alter_column("users", "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255))

    users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))
    for user_id, secret in bind.execute(sa.select(users.c.id, users.c.totp_secret)).all():
        if secret and not is_sealed(secret):
            sealed = seal(secret)
            assert open_sealed(sealed) == secret
            bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=sealed))

    if postgres:
        op.execute(PG_TRUNCATE_TRIGGER)
    else:
        install_sqlite_guard(bind)


def downgrade() -> None:
    from core.auth.crypto import is_sealed, open_sealed

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))
    for user_id, secret in bind.execute(sa.select(users.c.id, users.c.totp_secret)).all():
        if secret and is_sealed(secret):
            bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=open_sealed(secret)))
    if postgres:
        op.alter_column("users", "totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64))
    with op.batch_alter_table("debtors") as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("totp_last_step")
    op.drop_table("auth_throttle")
    op.drop_index(op.f("ix_auth_sessions_handoff_hash"), table_name="auth_sessions")
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")

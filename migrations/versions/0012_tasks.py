"""tasks: queued work that the jobs process does for people (print packages, imports).

Revision ID: 0012_tasks
Revises: 0001
Create Date: 2026-11-28 21:33:35
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0012_tasks"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        sa.Column("lease_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_share", sa.Float(), nullable=False),
        sa.Column("progress_label", sa.String(length=200), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_queued_tasks_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_tasks")),
    )
    with op.batch_alter_table("queued_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_queued_tasks_creator_kind", ["created_by_id", "kind", "id"], unique=False)
        batch_op.create_index("ix_queued_tasks_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queued_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_queued_tasks_status_id")
        batch_op.drop_index("ix_queued_tasks_creator_kind")

    op.drop_table("queued_tasks")

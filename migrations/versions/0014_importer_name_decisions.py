"""importer: decisions on the register's names of people that match no user.

Revision ID: 0014_importer_name_decisions
Revises: 0010_importer
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0014_importer_name_decisions"
down_revision = "0010_importer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_name_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_import_name_decisions_user_id_users")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_import_name_decisions_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_name_decisions")),
        sa.UniqueConstraint("name_key", name=op.f("uq_import_name_decisions_name_key")),
    )


def downgrade() -> None:
    op.drop_table("import_name_decisions")

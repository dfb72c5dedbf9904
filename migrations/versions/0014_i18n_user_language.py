"""auth: each user's interface language.

Revision ID: 0014_i18n_user_language
Revises: 0001
Create Date: 2026-12-01 23:30:00

NULL means "the installation's language" (``CESSIO_LANGUAGE``, Russian by default), so existing
users keep following the installation until they choose otherwise in their menu.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_i18n_user_language"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")

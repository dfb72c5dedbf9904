"""postal: count a letter's failed polls; the reason it needs attention or was given up.

Revision ID: 0015_postal_stuck_letters
Revises: 0006_postal
Create Date: 2026-12-02 01:05:00

A letter the post never knows (error 12) was asked about every day forever. The count lets a
bounded number of failed daily polls move it to "needs attention", where a clerk resumes
tracking (after correcting the number) or stops it with a reason.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0015_postal_stuck_letters"
down_revision = "0006_postal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postal_shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_polls", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("attention_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attention_at", core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("stopped_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("postal_shipments", schema=None) as batch_op:
        batch_op.drop_column("stopped_reason")
        batch_op.drop_column("attention_at")
        batch_op.drop_column("attention_reason")
        batch_op.drop_column("failed_polls")

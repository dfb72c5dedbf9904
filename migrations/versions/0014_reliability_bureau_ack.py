"""bureau: count the failed acknowledgement requests of a submission.

Revision ID: 0014_reliability_bureau_ack
Revises: 0008_bureau
Create Date: 2026-12-01 23:40:00

A file whose receipt the gateway no longer knows stayed "uploaded" forever. The count lets a
bounded number of failed requests move it to "attention", where a person resends it with the
same idempotency key or marks it failed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_reliability_bureau_ack"
down_revision = "0008_bureau"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bureau_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_failures", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("bureau_submissions", schema=None) as batch_op:
        batch_op.drop_column("ack_failures")

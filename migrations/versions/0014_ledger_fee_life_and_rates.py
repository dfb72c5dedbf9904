"""ledger: the state fee's life (which court act a fee entry belongs to, the creditor's payments
of the fee with the part credited from a cancelled court order) and key-rate decisions added by
an admin after the shipped table.

Revision ID: 0014_ledger_fee_life_and_rates
Revises: 0004_ledger
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0014_ledger_fee_life_and_rates"
down_revision = "0004_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("fee_act", sa.String(length=16), nullable=True))
    # Fees booked before this revision were booked on the court-order route (the only one that
    # booked a fee automatically): they belong to the court order.
    op.execute("UPDATE ledger_entries SET fee_act = 'court_order' WHERE kind = 'state_fee' AND fee_act IS NULL")
    op.create_table(
        "state_fee_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("amount", core.db.Money(), nullable=False),
        sa.Column("credited", core.db.Money(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_state_fee_payments_case_id", "state_fee_payments", ["case_id"])
    op.create_table(
        "key_rate_decisions",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(6, 2), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("added_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("effective_from"),
    )


def downgrade() -> None:
    op.drop_table("key_rate_decisions")
    op.drop_index("ix_state_fee_payments_case_id", table_name="state_fee_payments")
    op.drop_table("state_fee_payments")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("fee_act")

"""ledger: entries, allocations, bank payment files, payment plans.

Revision ID: 0004_ledger
Revises: 0001
Create Date: 2026-11-28 17:46:16.728351
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0004_ledger"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    "plan_instalments",
    "ledger_allocations",
    "bank_payment_rows",
    "payment_plans",
    "ledger_entries",
    "payment_imports",
)


def upgrade() -> None:
    op.create_table(
        "payment_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=False),
        sa.Column("imported_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_posted", sa.Integer(), nullable=False),
        sa.Column("rows_queued", sa.Integer(), nullable=False),
        sa.Column("rows_duplicate", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"], name=op.f("fk_payment_imports_imported_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_imports")),
    )
    with op.batch_alter_table("payment_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_imports_sha256"), ["sha256"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("component", sa.String(length=16), nullable=True),
        sa.Column("amount", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("booked_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_ledger_entries_author_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_ledger_entries_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["ledger_entries.id"], name=op.f("fk_ledger_entries_reverses_id_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_case_date", ["case_id", "effective_date"], unique=False)
        batch_op.create_index("ix_ledger_entries_kind_date", ["kind", "effective_date"], unique=False)

    op.create_table(
        "payment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("total", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_payment_plans_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_payment_plans_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plans")),
    )
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_plans_case_id"), ["case_id"], unique=False)

    op.create_table(
        "bank_payment_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("pay_date", sa.Date(), nullable=True),
        sa.Column("amount", core.db.Money(precision=14, scale=2), nullable=True),
        sa.Column("payer", sa.String(length=300), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("resolved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_bank_payment_rows_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_bank_payment_rows_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["payment_imports.id"], name=op.f("fk_bank_payment_rows_import_id_payment_imports")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_bank_payment_rows_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_payment_rows")),
        sa.UniqueConstraint("row_key", name=op.f("uq_bank_payment_rows_row_key")),
    )
    with op.batch_alter_table("bank_payment_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_payment_rows_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_payment_rows_import_id"), ["import_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_payment_rows_status"), ["status"], unique=False)

    op.create_table(
        "ledger_allocations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("component", sa.String(length=16), nullable=False),
        sa.Column("amount", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_ledger_allocations_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_allocations_entry_id_ledger_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_allocations")),
    )
    with op.batch_alter_table("ledger_allocations", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_allocations_case_date", ["case_id", "effective_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_allocations_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "plan_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", core.db.Money(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["payment_plans.id"],
            name=op.f("fk_plan_instalments_plan_id_payment_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_instalments")),
    )
    with op.batch_alter_table("plan_instalments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_instalments_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)

"""bureau: the reporting outbox, submissions and their per-record outcomes.

Revision ID: 0008_bureau
Revises: 0001
Create Date: 2026-11-28 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0008_bureau"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bureau_submissions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("receipt_id", sa.String(length=80), nullable=True),
        sa.Column("received_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ack_status", sa.String(length=24), nullable=True),
        sa.Column("acknowledged_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bureau_submissions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_bureau_submissions_idempotency_key")),
    )
    with op.batch_alter_table("bureau_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bureau_submissions_report_date"), ["report_date"], unique=False)
        batch_op.create_index("ix_bureau_submissions_status", ["status", "id"], unique=False)

    op.create_table(
        "bureau_events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("record_uid", sa.String(length=40), nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("debtor_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("event_code", sa.String(length=8), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("statutory_date", sa.Date(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("reject_code", sa.String(length=32), nullable=True),
        sa.Column("reject_text", sa.Text(), nullable=True),
        sa.Column("submission_id", BigId, nullable=True),
        sa.Column("send_count", sa.Integer(), nullable=False),
        sa.Column("accepted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("accepted_submission_id", BigId, nullable=True),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_bureau_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtors.id"], name=op.f("fk_bureau_events_debtor_id_debtors")),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["bureau_submissions.id"], name=op.f("fk_bureau_events_submission_id_bureau_submissions")
        ),
        sa.ForeignKeyConstraint(
            ["accepted_submission_id"],
            ["bureau_submissions.id"],
            name=op.f("fk_bureau_events_accepted_submission_id_bureau_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bureau_events")),
        sa.UniqueConstraint("record_uid", name=op.f("uq_bureau_events_record_uid")),
    )
    with op.batch_alter_table("bureau_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bureau_events_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index("ix_bureau_events_status_due", ["status", "due_date"], unique=False)
        batch_op.create_index("ix_bureau_events_case", ["case_id", "id"], unique=False)
        batch_op.create_index("ix_bureau_events_submission", ["submission_id"], unique=False)

    op.create_table(
        "bureau_submission_records",
        sa.Column("id", BigId, nullable=False),
        sa.Column("submission_id", BigId, nullable=False),
        sa.Column("event_id", BigId, nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["bureau_submissions.id"],
            name=op.f("fk_bureau_submission_records_submission_id_bureau_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["bureau_events.id"],
            name=op.f("fk_bureau_submission_records_event_id_bureau_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bureau_submission_records")),
    )
    with op.batch_alter_table("bureau_submission_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bureau_submission_records_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_bureau_submission_records_sub", ["submission_id", "event_id"], unique=False)


def downgrade() -> None:
    op.drop_table("bureau_submission_records")
    op.drop_table("bureau_events")
    op.drop_table("bureau_submissions")

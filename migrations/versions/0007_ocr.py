"""ocr: the scan queue, the fields read and the clerk's corrections.

Revision ID: 0007_ocr
Revises: 0001
Create Date: 2026-11-28 18:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0007_ocr"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ocr_documents",
        sa.Column("id", BigId, nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_file_id", BigId, nullable=True),
        sa.Column("case_id", BigId, nullable=True),
        sa.Column("proposed_case_id", BigId, nullable=True),
        sa.Column("match_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        sa.Column("lease_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("not_before", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("engine", sa.String(length=60), nullable=True),
        sa.Column("document_type", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("transition", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_ocr_documents_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["proposed_case_id"],
            ["cases.id"],
            name=op.f("fk_ocr_documents_proposed_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_ocr_documents_uploaded_by_id_users")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_ocr_documents_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocr_documents")),
    )
    with op.batch_alter_table("ocr_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocr_documents_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ocr_documents_sha256"), ["sha256"], unique=False)
        batch_op.create_index("ix_ocr_documents_status_id", ["status", "id"], unique=False)

    op.create_table(
        "ocr_fields",
        sa.Column("id", BigId, nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("final_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["ocr_documents.id"],
            name=op.f("fk_ocr_fields_document_id_ocr_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocr_fields")),
    )
    with op.batch_alter_table("ocr_fields", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocr_fields_document_id"), ["document_id"], unique=False)

    op.create_table(
        "ocr_corrections",
        sa.Column("id", BigId, nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("ocr_value", sa.Text(), nullable=True),
        sa.Column("final_value", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["ocr_documents.id"],
            name=op.f("fk_ocr_corrections_document_id_ocr_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ocr_corrections_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocr_corrections")),
    )
    with op.batch_alter_table("ocr_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocr_corrections_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ocr_corrections_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("ocr_corrections")
    op.drop_table("ocr_fields")
    op.drop_table("ocr_documents")

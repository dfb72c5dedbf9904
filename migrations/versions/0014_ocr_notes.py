"""ocr: notes of a reading (a page turned, a second act found) and the first page of a split act.

Revision ID: 0014_ocr_notes
Revises: 0007_ocr
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_ocr_notes"
down_revision = "0007_ocr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ocr_documents") as batch:
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch.add_column(sa.Column("first_page", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("source_document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ocr_documents") as batch:
        batch.drop_column("source_document_id")
        batch.drop_column("first_page")
        batch.drop_column("notes")

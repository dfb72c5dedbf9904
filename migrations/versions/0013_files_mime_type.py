"""files: room for every media type in stored_files.mime_type.

Revision ID: 0013_files_mime_type
Revises: 0005_documents
Create Date: 2026-11-28 21:50:00

60 characters were too few for common types: the XLSX type
(``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``) has 65, and PostgreSQL
refuses a longer value. RFC 6838 allows 127 characters for the type and 127 for the subtype.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_files_mime_type"
down_revision = "0005_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.alter_column("mime_type", existing_type=sa.String(length=60), type_=sa.String(length=255))


def downgrade() -> None:
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.alter_column("mime_type", existing_type=sa.String(length=255), type_=sa.String(length=60))

"""documents: stored files, template versions, print packages and their items, generated documents.

Revision ID: 0005_documents
Revises: 0001
Create Date: 2026-11-28 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0005_documents"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", sa.String(length=60), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", BIG_ID, nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_stored_files_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_stored_files_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_files_sha256"), ["sha256"], unique=False)
        batch_op.create_index("ix_stored_files_case_kind", ["case_id", "kind"], unique=False)

    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("comment", sa.String(length=300), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_template_versions_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_versions")),
        sa.UniqueConstraint("code", "version", name="uq_template_versions_code_version"),
    )

    op.create_table(
        "print_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("doc_types", sa.JSON(), nullable=False),
        sa.Column("postage_per_item", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("file_id", BIG_ID, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mailed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mailed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["stored_files.id"], name=op.f("fk_print_packages_file_id_stored_files")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_print_packages_created_by_id_users")),
        sa.ForeignKeyConstraint(["mailed_by_id"], ["users.id"], name=op.f("fk_print_packages_mailed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_packages")),
    )

    op.create_table(
        "package_items",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_page", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("postage", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=True),
        sa.Column("mailed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["print_packages.id"],
            name=op.f("fk_package_items_package_id_print_packages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_package_items_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("package_id", "case_id", name=op.f("pk_package_items")),
    )
    with op.batch_alter_table("package_items", schema=None) as batch_op:
        batch_op.create_index("ix_package_items_case", ["case_id"], unique=False)

    op.create_table(
        "generated_documents",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=True),
        sa.Column("package_id", sa.Integer(), nullable=True),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("file_id", BIG_ID, nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=True),
        sa.Column("generated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_generated_documents_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["print_packages.id"],
            name=op.f("fk_generated_documents_package_id_print_packages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_files.id"], name=op.f("fk_generated_documents_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["generated_by_id"], ["users.id"], name=op.f("fk_generated_documents_generated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_documents")),
    )
    with op.batch_alter_table("generated_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_generated_documents_package_id"), ["package_id"], unique=False)
        batch_op.create_index("ix_generated_documents_case_type", ["case_id", "doc_type"], unique=False)


def downgrade() -> None:
    op.drop_table("generated_documents")
    op.drop_table("package_items")
    op.drop_table("print_packages")
    op.drop_table("template_versions")
    op.drop_table("stored_files")

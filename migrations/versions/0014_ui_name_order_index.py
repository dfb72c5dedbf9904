"""Debtors in name order with their id, readable from the index alone.

The first page of a partial-name search walks the debtors alphabetically and keeps those whose
name contains the text (``core.cases.search._name_walk_page``): a common fragment fills the page
within a few thousand names whatever the number of matches. With the id in the index the walk
reads only the index (an index-only scan), not one table row per name.

Revision ID: 0014_ui_name_order_index
Revises: 0011_search_indexes
"""

from __future__ import annotations

from alembic import op

revision = "0014_ui_name_order_index"
down_revision = "0011_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_debtors_name_search_id", "debtors", ["name_search", "id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_debtors_name_search_id", table_name="debtors", if_exists=True)

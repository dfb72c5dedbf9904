"""kpi: indexes on the case timeline for the KPI dashboard.

Revision ID: 0009_kpi_indexes
Revises: 0001
Create Date: 2026-11-28 19:20:00

Two indexes on ``case_events`` (the append-only timeline, millions of rows):

- ``ix_case_events_stage_case_at`` (to_stage, case_id, at, kind): "days from mailing to court
  order" joins the period's ``issue_order`` moves with the same cases' ``mail_claim`` moves; both
  sides are read from this index alone, in case order (no timeline look-up per order).
- ``ix_case_events_kind_at_stage`` (kind, at, to_stage, user_id, case_id): the period's stage moves
  per day and stage (tiles, throughput, court outcomes) and per person (workload) are read from
  the index alone instead of visiting every event row of the period.

No model declares them (the timeline's model belongs to the foundation); they exist only here.
"""

from __future__ import annotations

from alembic import op

revision = "0009_kpi_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_case_events_stage_case_at", "case_events", ["to_stage", "case_id", "at", "kind"], if_not_exists=True
    )
    op.create_index(
        "ix_case_events_kind_at_stage",
        "case_events",
        ["kind", "at", "to_stage", "user_id", "case_id"],
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_case_events_kind_at_stage", table_name="case_events", if_exists=True)
    op.drop_index("ix_case_events_stage_case_at", table_name="case_events", if_exists=True)

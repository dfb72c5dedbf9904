"""postal: shipments of court mail, their operations, the cases they carry, batch tickets.

Revision ID: 0006_postal
Revises: 0001
Create Date: 2026-11-28 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0006_postal"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "postal_tickets",
        sa.Column("id", BigId, nullable=False),
        sa.Column("ticket", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_tickets")),
        sa.UniqueConstraint("ticket", name=op.f("uq_postal_tickets_ticket")),
    )
    op.create_index("ix_postal_tickets_status_next", "postal_tickets", ["status", "next_attempt_at"])

    op.create_table(
        "postal_shipments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("addressee", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("contents", sa.String(length=300), nullable=True),
        sa.Column("mailed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("postage", core.db.Money(precision=14, scale=2), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_operation", sa.String(length=200), nullable=True),
        sa.Column("last_operation_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("returned_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("asked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", BigId, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["postal_tickets.id"],
            name=op.f("fk_postal_shipments_ticket_id_postal_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_postal_shipments_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_shipments")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_postal_shipments_tracking_number")),
    )
    op.create_index("ix_postal_shipments_ticket_id", "postal_shipments", ["ticket_id"])
    op.create_index("ix_postal_shipments_status_ticket", "postal_shipments", ["status", "ticket_id"])
    op.create_index("ix_postal_shipments_last_op", "postal_shipments", ["last_operation_at"])

    op.create_table(
        "postal_shipment_cases",
        sa.Column("shipment_id", BigId, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["postal_shipments.id"],
            name=op.f("fk_postal_shipment_cases_shipment_id_postal_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_postal_shipment_cases_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shipment_id", "case_id", name=op.f("pk_postal_shipment_cases")),
    )
    op.create_index("ix_postal_shipment_cases_case_id", "postal_shipment_cases", ["case_id"])

    op.create_table(
        "postal_operations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("shipment_id", BigId, nullable=False),
        sa.Column("oper_type", sa.Integer(), nullable=False),
        sa.Column("oper_attr", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_time", sa.String(length=19), nullable=False),
        sa.Column("office_index", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["postal_shipments.id"],
            name=op.f("fk_postal_operations_shipment_id_postal_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_operations")),
        sa.UniqueConstraint(
            "shipment_id", "oper_type", "oper_attr", "local_time", "office_index", name="uq_postal_operations_key"
        ),
    )
    op.create_index("ix_postal_operations_shipment_at", "postal_operations", ["shipment_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_postal_operations_shipment_at", table_name="postal_operations")
    op.drop_table("postal_operations")
    op.drop_index("ix_postal_shipment_cases_case_id", table_name="postal_shipment_cases")
    op.drop_table("postal_shipment_cases")
    op.drop_index("ix_postal_shipments_last_op", table_name="postal_shipments")
    op.drop_index("ix_postal_shipments_status_ticket", table_name="postal_shipments")
    op.drop_index("ix_postal_shipments_ticket_id", table_name="postal_shipments")
    op.drop_table("postal_shipments")
    op.drop_index("ix_postal_tickets_status_next", table_name="postal_tickets")
    op.drop_table("postal_tickets")

"""Tables of court mail: shipments (one per envelope), their operations, and batch tickets.

The ticket rows are the job's memory (ARCHITECTURE rule 7): which items were put in which
ticket, and when the answer may be asked for, so a crash between ``getTicket`` and
``getResponseByTicket`` loses nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, Money, UTCDateTime, utcnow
from core.i18n import N_

# Shipment statuses. Only "registered" and "in_transit" are polled; the others are final.
REGISTERED = "registered"
IN_TRANSIT = "in_transit"
DELIVERED = "delivered"
RETURNED = "returned"
REFUSED = "refused"
LOST = "lost"
# Not polled, not final: the post failed to answer for the letter ``postal_max_failed_polls``
# daily cycles running (issue #20); a clerk resumes tracking or stops it with a reason.
ATTENTION = "attention"
STOPPED = "stopped"  # a clerk gave the letter up ("lost by the post"); final
POLLED_STATUSES = (REGISTERED, IN_TRANSIT)
STATUS_LABELS = {
    REGISTERED: N_("Registered (no movement yet)"),
    IN_TRANSIT: N_("In transit"),
    DELIVERED: N_("Delivered"),
    RETURNED: N_("Returned"),
    REFUSED: N_("Refused by the addressee"),
    LOST: N_("Not delivered (lost)"),
    ATTENTION: N_("Needs attention"),
    STOPPED: N_("Tracking stopped"),
}

# Ticket states.
TICKET_WAITING = "waiting"
TICKET_DONE = "done"
TICKET_EXPIRED = "expired"


class PostalTicket(Base):
    """A ticket of the batch service and when its answer may next be asked for."""

    __tablename__ = "postal_tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=TICKET_WAITING)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_postal_tickets_status_next", "status", "next_attempt_at"),)


class Shipment(Base):
    """One envelope of court mail and what the post did with it."""

    __tablename__ = "postal_shipments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    addressee: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    contents: Mapped[str | None] = mapped_column(String(300))
    mailed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    postage: Mapped[Decimal | None] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(16), default=REGISTERED)
    last_operation: Mapped[str | None] = mapped_column(String(200))
    last_operation_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_polls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attention_reason: Mapped[str | None] = mapped_column(Text)
    attention_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    stopped_reason: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("postal_tickets.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        Index("ix_postal_shipments_status_ticket", "status", "ticket_id"),
        Index("ix_postal_shipments_last_op", "last_operation_at"),
    )


class ShipmentCase(Base):
    """Which cases an envelope carries papers for (usually one)."""

    __tablename__ = "postal_shipment_cases"

    shipment_id: Mapped[int] = mapped_column(ForeignKey("postal_shipments.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True)


class ShipmentOperation(Base):
    """One operation of the item's history; the unique key makes applying an answer twice a no-op."""

    __tablename__ = "postal_operations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("postal_shipments.id", ondelete="CASCADE"))
    oper_type: Mapped[int] = mapped_column(Integer)
    oper_attr: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    local_time: Mapped[str] = mapped_column(String(19))  # "dd.mm.yyyy HH:MM:SS" as the post sent it
    office_index: Mapped[str] = mapped_column(String(12), default="")
    kind: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "shipment_id", "oper_type", "oper_attr", "local_time", "office_index", name="uq_postal_operations_key"
        ),
        Index("ix_postal_operations_shipment_at", "shipment_id", "at"),
    )

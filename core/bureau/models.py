"""Tables of the credit-bureau reporting: the outbox of events, the submissions and their records.

The outbox row is written in the same transaction as the business change (Federal Law 218-FZ
"On credit histories", art. 5: a source must report every change; a rollback must leave no
report of a change that did not happen). The submission row is written and committed *before*
the file is uploaded, so a crash between the upload and the receipt is resumed by asking the
gateway for the receipt of the same idempotency key, never by sending the records again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, UTCDateTime, utcnow

# Event statuses. ``pending`` waits for its due day; ``held`` failed validation (reason kept,
# re-checked on every run); ``sending`` is in a submission whose acknowledgement has not come;
# ``accepted`` is final and never sent again; ``rejected`` waits in the correction queue.
PENDING = "pending"
HELD = "held"
SENDING = "sending"
ACCEPTED = "accepted"
REJECTED = "rejected"
EVENT_STATUSES = (PENDING, HELD, SENDING, ACCEPTED, REJECTED)
SENDABLE = (PENDING, HELD)

# Submission statuses. ``prepared`` is recorded but has no receipt yet (upload not done or its
# answer lost); ``uploaded`` has a receipt and waits for the acknowledgement; ``acknowledged``
# and ``failed`` are final.
PREPARED = "prepared"
UPLOADED = "uploaded"
ACKNOWLEDGED = "acknowledged"
FAILED = "failed"  # the gateway refused the file itself; its events were returned to the queue
# The acknowledgement could not be had ``MAX_ACK_FAILURES`` times running (the gateway no longer
# knows the receipt, or refuses the request): a person resends it with the same idempotency key
# or marks it failed (its events go back to the queue). Never left "uploaded" forever.
ATTENTION = "attention"
MAX_ACK_FAILURES = 5


class BureauEvent(Base):
    """One change in an obligation or its subject that must reach the credit bureau."""

    __tablename__ = "bureau_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_uid: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    event_code: Mapped[str] = mapped_column(String(8))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_date: Mapped[dt.date] = mapped_column(Date)
    statutory_date: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    reject_code: Mapped[str | None] = mapped_column(String(32))
    reject_text: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("bureau_submissions.id"))
    send_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)  # local day, compared with due_date
    accepted_submission_id: Mapped[int | None] = mapped_column(ForeignKey("bureau_submissions.id"))
    source: Mapped[str] = mapped_column(String(24), default="system")

    __table_args__ = (
        Index("ix_bureau_events_status_due", "status", "due_date"),
        Index("ix_bureau_events_case", "case_id", "id"),
        Index("ix_bureau_events_submission", "submission_id"),
    )


class BureauSubmission(Base):
    """One uploaded report file, its receipt and its acknowledgement."""

    __tablename__ = "bureau_submissions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    report_date: Mapped[dt.date] = mapped_column(Date, index=True)
    file_name: Mapped[str] = mapped_column(String(120))
    file_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    record_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PREPARED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    receipt_id: Mapped[str | None] = mapped_column(String(80))
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ack_status: Mapped[str | None] = mapped_column(String(24))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ack_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_bureau_submissions_status", "status", "id"),)


class BureauSubmissionRecord(Base):
    """Which event went in which submission, and what the bureau said about it."""

    __tablename__ = "bureau_submission_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("bureau_submissions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("bureau_events.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_bureau_submission_records_sub", "submission_id", "event_id"),)

"""Tables of the OCR domain: the document queue, the fields read, and the clerk's corrections.

``OcrDocument`` is both the uploaded scan and its row in the work queue (ARCHITECTURE rule 7:
state lives in the database). Its life: queued -> running -> needs_review -> confirmed |
rejected; a failed attempt goes back to queued until ``MAX_ATTEMPTS``, then to failed, always
keeping the reason. A running row whose lease expired (the jobs process died) is taken again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, UTCDateTime, utcnow
from core.i18n import N_

QUEUED = "queued"
RUNNING = "running"
NEEDS_REVIEW = "needs_review"
CONFIRMED = "confirmed"
REJECTED = "rejected"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, NEEDS_REVIEW, CONFIRMED, REJECTED, FAILED)
STATUS_LABELS = {
    QUEUED: N_("Queued"),
    RUNNING: N_("Reading"),
    NEEDS_REVIEW: N_("Needs review"),
    CONFIRMED: N_("Confirmed"),
    REJECTED: N_("Rejected"),
    FAILED: N_("Failed"),
}
MAX_ATTEMPTS = 3


class OcrDocument(Base):
    __tablename__ = "ocr_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(20))  # pdf | png | jpeg | tiff
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # the bytes live in the content-addressed store of core.files (key: sha256); the StoredFile
    # row is referenced by id without a foreign key (that table belongs to another migration branch)
    stored_file_id: Mapped[int | None] = mapped_column(BigId)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    proposed_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    match_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    not_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    page_count: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    engine: Mapped[str | None] = mapped_column(String(60))
    document_type: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(Text)
    transition: Mapped[str | None] = mapped_column(String(40))
    # what the reader noticed (a page turned upright, a second act in the file), for the inbox
    notes: Mapped[str | None] = mapped_column(Text)
    # a file holding two acts becomes two documents over the same scan: the second starts here
    first_page: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    source_document_id: Mapped[int | None] = mapped_column(BigId)

    __table_args__ = (Index("ix_ocr_documents_status_id", "status", "id"),)


class OcrField(Base):
    """A field as read by OCR, and (after review) the value the clerk confirmed."""

    __tablename__ = "ocr_fields"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("ocr_documents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str | None] = mapped_column(Text)
    final_value: Mapped[str | None] = mapped_column(Text)


class OcrCorrection(Base):
    """A field the clerk changed on review: measures how good the reading is (KPI "share of
    fields corrected")."""

    __tablename__ = "ocr_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("ocr_documents.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    ocr_value: Mapped[str | None] = mapped_column(Text)
    final_value: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

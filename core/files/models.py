"""Metadata of stored files; the bytes live in the content-addressed store (``store.py``).

A row is one file attached to a case (or to nothing, e.g. a print package). Rows that carry the
same bytes share one stored blob, addressed by its sha256, so a scan uploaded twice is stored once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, UTCDateTime, utcnow


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(255))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255))
    # scan | court_mail | envelope | generated | package | ... (free text, chosen by the caller)
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_stored_files_case_kind", "case_id", "kind"),)

    @property
    def is_pdf(self) -> bool:
        return self.mime_type == "application/pdf"

"""Tables of the documents domain: template versions, generated documents, print packages.

A generated document keeps the data it was made from (``data``) and the template version it was
rendered with, so a paper that left the building can be explained later even after the ledger or
the template changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, Money, UTCDateTime, utcnow


class TemplateVersion(Base):
    """One saved wording of a document template; the highest version of a code is current.

    Version 0 is the built-in default shipped in ``core/documents/defaults.py`` and is never stored.
    """

    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("code", "version", name="uq_template_versions_code_version"),)


class PrintPackage(Base):
    """A merged PDF of many cases' documents for one mailing, with the form-103 register."""

    __tablename__ = "print_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="built")  # built | mailed | partly_mailed
    case_count: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    doc_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    postage_per_item: Mapped[Decimal] = mapped_column(Money())
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    mailed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PackageItem(Base):
    """One envelope of a package: a case, where its pages are, and (once mailed) its tracking."""

    __tablename__ = "package_items"

    package_id: Mapped[int] = mapped_column(ForeignKey("print_packages.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    first_page: Mapped[int] = mapped_column(Integer)  # 1-based page of the merged PDF
    page_count: Mapped[int] = mapped_column(Integer)
    postage: Mapped[Decimal] = mapped_column(Money())
    tracking_number: Mapped[str | None] = mapped_column(String(20))
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    problem: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_package_items_case", "case_id"),)


class GeneratedDocument(Base):
    """A PDF made by Cessio: what it is, for which case, from which data and template version."""

    __tablename__ = "generated_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("print_packages.id", ondelete="SET NULL"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    pages: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_generated_documents_case_type", "case_id", "doc_type"),)

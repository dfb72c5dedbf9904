"""Tables of the case domain.

``Case.version`` is the optimistic lock (ARCHITECTURE rule 6): every update of a case row bumps
it, and writers compare it with the version they read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, Money, UTCDateTime, utcnow


class Creditor(Base):
    """A lender (original creditor, cedent) or one of our own companies (assignee)."""

    __tablename__ = "creditors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    short_name: Mapped[str] = mapped_column(String(120))
    inn: Mapped[str | None] = mapped_column(String(12))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    address: Mapped[str | None] = mapped_column(String(500))
    bank_details: Mapped[str | None] = mapped_column(Text)
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    allocation_order: Mapped[str | None] = mapped_column(String(100))


class AssignmentAgreement(Base):
    """A cession agreement: the cedent assigns a portfolio of claims to the assignee."""

    __tablename__ = "assignment_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    cedent_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)


class Debtor(Base):
    __tablename__ = "debtors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(310))
    name_search: Mapped[str] = mapped_column(String(310))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    birth_place: Mapped[str | None] = mapped_column(String(300))
    passport: Mapped[str | None] = mapped_column(String(20))
    inn: Mapped[str | None] = mapped_column(String(12))
    snils: Mapped[str | None] = mapped_column(String(14))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    time_zone: Mapped[str | None] = mapped_column(String(40))
    # optimistic lock of debtor edits (ARCHITECTURE rule 6), like ``Case.version``
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # (region, id) lets a region filter be answered from the index alone (joined by id to cases)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_debtors_name_search", "name_search"), Index("ix_debtors_region_id", "region", "id"))


class Contract(Base):
    """The original loan contract."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    original_creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(Money())
    interest_rate_daily: Mapped[Decimal] = mapped_column(Numeric(9, 6), default=Decimal("0"))
    penalty_rate_annual: Mapped[Decimal] = mapped_column(Numeric(9, 4), default=Decimal("20"))
    term_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    is_microloan: Mapped[bool] = mapped_column(Boolean, default=True)


class AssignedClaim(Base):
    """A row of the register of assigned claims: what was bought, and for how much it stood."""

    __tablename__ = "assigned_claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("assignment_agreements.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    register_line: Mapped[int] = mapped_column(Integer)
    principal: Mapped[Decimal] = mapped_column(Money())
    interest: Mapped[Decimal] = mapped_column(Money())
    penalty: Mapped[Decimal] = mapped_column(Money())
    fees: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_agreements.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    entered_stage_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    court_name: Mapped[str | None] = mapped_column(String(300))
    court_address: Mapped[str | None] = mapped_column(String(500))
    court_case_number: Mapped[str | None] = mapped_column(String(60), index=True)
    court_act_number: Mapped[str | None] = mapped_column(String(60))
    court_act_date: Mapped[dt.date | None] = mapped_column(Date)
    awarded_amount: Mapped[Decimal | None] = mapped_column(Money())
    tracking_number: Mapped[str | None] = mapped_column(String(20))
    claim_amount: Mapped[Decimal] = mapped_column(Money())
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    sla_breached_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_stage_entered", "stage", "entered_stage_at", "id"),
        Index("ix_cases_claim_amount_id", "claim_amount", "id"),
        Index("ix_cases_creditor_debtor", "creditor_id", "debtor_id"),
        Index("ix_cases_opened_id", "opened_at", "id"),
        Index("ix_cases_stage_opened", "stage", "opened_at", "id"),
        Index("ix_cases_entered_stage_at", "entered_stage_at", "id"),
        Index("ix_cases_responsible_entered", "responsible_id", "entered_stage_at", "id"),
    )


class CaseEvent(Base):
    """The case timeline: everything that happened, who did it, and through which channel."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_case_events_case_at", "case_id", "at"),
        Index("ix_case_events_kind_at", "kind", "at"),
        # KPI aggregations (migration 0009): covering indexes for period and stage scans
        Index("ix_case_events_stage_case_at", "to_stage", "case_id", "at", "kind"),
        Index("ix_case_events_kind_at_stage", "kind", "at", "to_stage", "user_id", "case_id"),
    )


class CaseFlag(Base):
    """Something a person must look at (a returned letter, a broken payment plan, ...)."""

    __tablename__ = "case_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (Index("ix_case_flags_kind_open", "kind", "resolved_at"),)

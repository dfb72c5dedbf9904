"""Tables of the ledger: entries, payment allocations, bank payment files, payment plans.

Entries are append-only: nothing here is ever updated or deleted; a correction is a reversing
entry (``reverses_id``). ``ledger_allocations`` stores how each payment (and each write-off or
overpayment offset) was applied to the components, so the split shown to a clerk or a court is
the split that was made, not one recomputed later.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BigId, Money, UTCDateTime, utcnow


class LedgerEntry(Base):
    """One money movement of a case.

    Sign convention: charges (principal .. court_costs) raise the debt when positive (a negative
    charge is an accrual correction or a reversal); payment, refund and write_off are positive
    amounts of money received / returned / forgiven; an adjustment is signed and names the
    ``component`` it changes.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    component: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money())
    effective_date: Mapped[dt.date] = mapped_column(Date)
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # For a state-fee entry: the court act whose fee it is ("court_order" or "claim"), so a fee
    # that arrives twice (import, OCR confirm, manual) is booked once (see ``fees_life.py``).
    fee_act: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_ledger_entries_case_date", "case_id", "effective_date"),
        Index("ix_ledger_entries_kind_date", "kind", "effective_date"),
    )


class LedgerAllocation(Base):
    """The part of an entry applied to one component (``overpayment`` for what was left over)."""

    __tablename__ = "ledger_allocations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    component: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money())
    effective_date: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (Index("ix_ledger_allocations_case_date", "case_id", "effective_date"),)


class StateFeePayment(Base):
    """The state fee the creditor paid to file an application (the creditor's expense, not yet
    the debtor's debt). ``credited`` is the part paid by offsetting the fee of a cancelled court
    order (Tax Code art. 333.20 p. 1 subp. 13); ``status``: paid | awarded | credited (the order
    was cancelled and its fee counts toward the claim's fee) | used (credited to a claim)."""

    __tablename__ = "state_fee_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    act: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money())
    credited: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="paid")
    reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class KeyRateDecision(Base):
    """A Bank of Russia key-rate decision added by an admin after the shipped table
    (``data/key_rates.csv``); it takes effect from ``effective_from``."""

    __tablename__ = "key_rate_decisions"

    effective_from: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    source: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by: Mapped[str | None] = mapped_column(String(100))


class PaymentImport(Base):
    """One uploaded bank payment file and what became of it."""

    __tablename__ = "payment_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_posted: Mapped[int] = mapped_column(Integer, default=0)
    rows_queued: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)


class BankPaymentRow(Base):
    """A row of a bank file. ``row_key`` (date, amount, payer, purpose and the occurrence number
    within the file) makes a second import of the same statement change nothing."""

    __tablename__ = "bank_payment_rows"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("payment_imports.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(64), unique=True)
    raw: Mapped[str] = mapped_column(Text)
    pay_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Money())
    payer: Mapped[str | None] = mapped_column(String(300))
    purpose: Mapped[str | None] = mapped_column(Text)
    # matched | unmatched | ambiguous | invalid | manual | dismissed
    status: Mapped[str] = mapped_column(String(16), index=True)
    problem: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PaymentPlan(Base):
    """An instalment schedule agreed with the debtor; a new plan replaces the active one."""

    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    total: Mapped[Decimal] = mapped_column(Money())
    starts_on: Mapped[dt.date] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PlanInstalment(Base):
    __tablename__ = "plan_instalments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())

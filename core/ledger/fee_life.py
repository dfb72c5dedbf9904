"""The state fee's one life, from the creditor's payment to the debtor's debt and back.

1. **Paid by the creditor when filing** (``record_fee_paid``): the fee for the court-order
   application (Tax Code art. 333.19 p. 1 subp. 2: half the claim fee) or for the claim. It is the
   creditor's expense, kept in ``state_fee_payments``, and not yet the debtor's debt.
2. **Awarded by the court**: a court order or judgment awards it to the creditor (Civil Procedure
   Code art. 98 p. 1; for an order art. 122 with art. 103.1), and only then it becomes a
   ``state_fee`` charge on the debtor's ledger. It is booked once per act, however it arrives
   (import, OCR confirm, manual entry, the award hook): see ``post_entry``.
3. **Credited when the order is cancelled** (``reverse_cancelled_order_fee``): a cancelled order
   awards nothing, so its fee is reversed on the debtor's ledger (the part the debtor had already
   paid becomes an overpayment, to be offset or refunded). The fee the creditor paid for the
   cancelled order counts toward the claim's fee — Tax Code art. 333.20 p. 1 subp. 13: "при отказе
   в принятии к рассмотрению заявления о выдаче судебного приказа или при отмене судебного
   приказа уплаченная государственная пошлина засчитывается в счет подлежащей уплате
   государственной пошлины при предъявлении искового заявления". So the claim's fee to pay is the
   claim fee less that credit (``claim_fee_due``); the judgment awards the whole claim fee, and
   the debtor is never charged for both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor, Permission, require
from core.cases.models import Case
from core.cases.service import add_case_event
from core.db import Money
from core.errors import NotFound, ValidationFailed
from core.ledger.fees import FilingKind, state_fee
from core.ledger.models import LedgerEntry, StateFeePayment
from core.ledger.service import FEE_ACTS, EntryKind, _post, balance, live_fee
from core.money import format_amount

ZERO = Decimal("0.00")
PAID, AWARDED, CREDITED = "paid", "awarded", "credited"


@dataclass(frozen=True)
class ClaimFee:
    """The claim's state fee on a filing date: the full fee, the part credited from a cancelled
    court order's fee (art. 333.20 p. 1 subp. 13) and what is left to pay."""

    fee: Decimal
    credit: Decimal
    to_pay: Decimal


def available_credit(session: Session, case_id: int) -> Decimal:
    """The fee paid for cancelled court orders not yet credited to a claim."""
    credited = session.scalar(
        select(func.sum(StateFeePayment.amount, type_=Money())).where(
            StateFeePayment.case_id == case_id, StateFeePayment.act == "court_order", StateFeePayment.status == CREDITED
        )
    )
    used = session.scalar(
        select(func.sum(StateFeePayment.credited, type_=Money())).where(
            StateFeePayment.case_id == case_id, StateFeePayment.act == "claim"
        )
    )
    return max(Decimal(credited or 0) - Decimal(used or 0), ZERO)


def claim_fee_due(session: Session, case_id: int, claim_amount: Decimal, filing_date: dt.date) -> ClaimFee:
    """The claim's fee less the credit of a cancelled order's fee (never below zero)."""
    fee = state_fee(claim_amount, filing_date, FilingKind.CLAIM)
    credit = min(available_credit(session, case_id), fee)
    return ClaimFee(fee, credit, fee - credit)


def record_fee_paid(
    session: Session,
    actor: Actor | None,
    case_id: int,
    act: str,
    amount: Decimal,
    paid_on: dt.date,
    reference: str | None = None,
) -> StateFeePayment:
    """The creditor paid the fee of an application; for a claim the cancelled order's fee is
    credited first. A second payment for the same act is refused (one fee per filing)."""
    if actor is not None:
        require(actor, Permission.LEDGER_PAYMENT)
    if act not in FEE_ACTS:
        raise ValidationFailed(f"Unknown court act '{act}'; use one of: {', '.join(FEE_ACTS)}.")
    if amount <= 0:
        raise ValidationFailed("The state fee paid must be more than zero.", {"amount": "not positive"})
    if session.get(Case, case_id) is None:
        raise NotFound(f"Case {case_id} does not exist.")
    open_row = session.scalar(
        select(StateFeePayment.id).where(
            StateFeePayment.case_id == case_id, StateFeePayment.act == act, StateFeePayment.status.in_([PAID, AWARDED])
        )
    )
    if open_row is not None:
        raise ValidationFailed(f"The state fee of the {act.replace('_', ' ')} of this case is already recorded.")
    credit = min(available_credit(session, case_id), amount) if act == "claim" else ZERO
    row = StateFeePayment(
        case_id=case_id,
        act=act,
        amount=amount,
        credited=credit,
        paid_on=paid_on,
        status=PAID,
        reference=reference,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(row)
    session.flush()
    text = f"State fee {format_amount(amount)} of the {act.replace('_', ' ')} paid by the creditor"
    if credit > 0:
        text += f" ({format_amount(credit)} credited from the cancelled court order, Tax Code art. 333.20)"
    add_case_event(session, case_id, "payment", "system", actor, text, {"state_fee_payment": row.id})
    record_audit(
        session, actor, "ledger.fee_paid", "state_fee_payment", row.id, {"act": act, "amount": amount, "credit": credit}
    )
    return row


def award_paid_fee(session: Session, actor: Actor | None, case_id: int, act: str, on: dt.date) -> Decimal | None:
    """The court awarded the fee the creditor paid: it becomes the debtor's (once)."""
    row = session.scalar(
        select(StateFeePayment)
        .where(StateFeePayment.case_id == case_id, StateFeePayment.act == act, StateFeePayment.status == PAID)
        .order_by(StateFeePayment.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    row.status = AWARDED
    if live_fee(session, case_id, act) == 0:
        _post(
            session,
            actor,
            case_id,
            EntryKind.STATE_FEE,
            row.amount,
            on,
            "system",
            None,
            f"State fee awarded by the {act.replace('_', ' ')}",
            None,
            fee_act=act,
        )
    session.flush()
    return row.amount


def reverse_cancelled_order_fee(session: Session, actor: Actor | None, case_id: int, on: dt.date) -> Decimal:
    """The order was cancelled: its fee leaves the debtor's ledger (the part already paid becomes
    an overpayment) and the creditor's payment is credited toward the claim's fee."""
    live = live_fee(session, case_id, "court_order")
    for row in session.scalars(
        select(StateFeePayment).where(
            StateFeePayment.case_id == case_id,
            StateFeePayment.act == "court_order",
            StateFeePayment.status.in_([PAID, AWARDED]),
        )
    ):
        row.status = CREDITED
    if live <= 0:
        session.flush()
        return ZERO
    owed = max(balance(session, case_id).state_fee, ZERO)
    paid = max(live - owed, ZERO)
    why = "Court order cancelled: its state fee is not the debtor's (credited toward the claim, Tax Code art. 333.20)"
    _post(session, actor, case_id, EntryKind.STATE_FEE, -live, on, "system", None, why, None, "court_order", True)
    if paid > 0:
        # The debtor had paid part of the fee: that money is now an overpayment, not a negative fee.
        _post(session, actor, case_id, EntryKind.ADJUSTMENT, paid, on, "system", None, why, "state_fee", None, True)
        session.add(
            LedgerEntry(
                case_id=case_id,
                kind=EntryKind.ADJUSTMENT.value,
                component="overpayment",
                amount=paid,
                effective_date=on,
                source="system",
                comment=why,
                author_id=getattr(actor, "id", None),
            )
        )
    session.flush()
    return live


@dataclass(frozen=True)
class FeeStep:
    """One step of the fee's life for the Money tab."""

    on: dt.date
    act: str
    what: str  # paid | awarded | credited | reversed
    amount: Decimal
    note: str


def fee_story(session: Session, actor: Actor, case_id: int) -> list[FeeStep]:
    """The fee's life on a case, oldest first: paid by the creditor, awarded, credited."""
    require(actor, Permission.LEDGER_VIEW)
    steps: list[FeeStep] = []
    for row in session.scalars(select(StateFeePayment).where(StateFeePayment.case_id == case_id)):
        note = f"credited from the cancelled order: {format_amount(row.credited)}" if row.credited > 0 else ""
        steps.append(FeeStep(row.paid_on, row.act, "paid", row.amount, note))
        if row.status == CREDITED:
            steps.append(
                FeeStep(row.paid_on, row.act, "credited", row.amount, "order cancelled: counts toward the claim")
            )
    for e in session.scalars(
        select(LedgerEntry).where(LedgerEntry.case_id == case_id, LedgerEntry.kind == EntryKind.STATE_FEE.value)
    ):
        steps.append(
            FeeStep(
                e.effective_date,
                e.fee_act or "court_order",
                "awarded" if e.amount > 0 else "reversed",
                e.amount,
                e.comment or "",
            )
        )
    steps.sort(key=lambda s: (s.on, ("paid", "awarded", "credited", "reversed").index(s.what)))
    return steps

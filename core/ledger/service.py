"""The ledger of a case: posting entries, balances as of any date, payment allocation.

Public API other domains rely on: ``EntryKind``, ``post_entry``, ``balance``, ``balances``,
``case_entries``, ``reverse_entry``, ``offset_overpayment``. Every call runs in the caller's
transaction (ARCHITECTURE rule 1); a service never commits.

A payment is split in the order the law fixes for the kind of debt (353-FZ art. 5 p. 20 for a
consumer loan, Civil Code art. 319 otherwise; see ``allocation.py``) against what is owed on its
date, and the split is stored. What exceeds the debt is kept as an overpayment, listed for a
refund or an offset, never shown as a negative debt.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import Actor, Permission, has_permission, require
from core.calendar import local_today
from core.cases.models import Case, Contract, Creditor
from core.cases.service import add_case_event, format_case_number, raise_flag, resolve_flags
from core.cases.workflow import CLOSED_STAGES, STAGE_BY_CODE
from core.db import Money, is_postgres, utcnow
from core.errors import NotFound, ValidationFailed
from core.events import publish
from core.i18n import N_, _
from core.ledger.accrual import accrue
from core.ledger.allocation import (
    COMPONENT_LABELS,
    COMPONENTS,
    OVERPAYMENT,
    ZERO,
    allocate,
    check_order,
    order_for,
    parse_order,
)
from core.ledger.models import LedgerAllocation, LedgerEntry
from core.ledger.plans import check_plans
from core.money import KOPECK, format_amount

READY_FOR_REPAID_FLAG = "ready_for_repaid"


class EntryKind(StrEnum):
    PRINCIPAL = "principal"
    INTEREST = "interest"
    PENALTY = "penalty"
    STATE_FEE = "state_fee"
    POSTAGE = "postage"
    COURT_COSTS = "court_costs"
    PAYMENT = "payment"
    REFUND = "refund"
    WRITE_OFF = "write_off"
    ADJUSTMENT = "adjustment"


CHARGE_KINDS = frozenset(
    {
        EntryKind.PRINCIPAL,
        EntryKind.INTEREST,
        EntryKind.PENALTY,
        EntryKind.STATE_FEE,
        EntryKind.POSTAGE,
        EntryKind.COURT_COSTS,
    }
)
# Costs of recovery a clerk books; the debt itself (principal, interest, penalty) is a lawyer's.
_CLERK_CHARGES = frozenset({EntryKind.STATE_FEE, EntryKind.POSTAGE, EntryKind.COURT_COSTS})

SOURCES = ("import", "manual", "postal", "court_order", "payment_file", "accrual", "system")
# Sources of entries the machine books itself; a person (an actor with an id) may not claim them.
MACHINE_SOURCES = frozenset({"accrual", "system"})
FEE_ACTS = ("court_order", "claim")
# Stages at which a state fee that arrives belongs to the claim (lawsuit) rather than the order.
CLAIM_FEE_STAGES = frozenset({"lawsuit_filed", "hearing", "judgment"})
_EVENT_SOURCE = {
    "import": "import",
    "manual": "manual",
    "postal": "postal_job",
    "court_order": "ocr_review",
    "payment_file": "import",
    "accrual": "accrual_job",
}

KIND_LABELS: dict[str, str] = {
    "principal": N_("Principal"),
    "interest": N_("Interest"),
    "penalty": N_("Penalty"),
    "state_fee": N_("State fee"),
    "postage": N_("Postage"),
    "court_costs": N_("Court costs"),
    "payment": N_("Payment"),
    "refund": N_("Refund"),
    "write_off": N_("Write-off"),
    "adjustment": N_("Adjustment"),
}


@dataclass(frozen=True)
class Balance:
    """What a case owes, by component, on ``as_of`` (all amounts ``Decimal``, kopecks)."""

    principal: Decimal
    interest: Decimal
    penalty: Decimal
    state_fee: Decimal
    postage: Decimal
    court_costs: Decimal
    total: Decimal
    overpayment: Decimal
    as_of: dt.date | None

    @property
    def debt_claimed(self) -> Decimal:
        """Principal, interest and penalty: the amount of a property claim (the state fee base;
        costs of recovery are not part of it)."""
        return self.principal + self.interest + self.penalty

    def components(self) -> dict[str, Decimal]:
        return {c: getattr(self, c) for c in COMPONENTS}

    def describe(self) -> str:
        """``12 000,00 руб. (principal 10 000,00, interest 2 000,00)`` for messages."""
        parts = [
            f"{_(COMPONENT_LABELS[c]).lower()} {format_amount(v, currency=False)}"
            for c, v in self.components().items()
            if v != 0
        ]
        return format_amount(self.total) + (f" ({', '.join(parts)})" if parts else "")


def _make_balance(values: dict[str, Decimal], overpayment: Decimal, as_of: dt.date | None) -> Balance:
    comps = {c: values.get(c, ZERO).quantize(KOPECK) for c in COMPONENTS}
    return Balance(**comps, total=sum(comps.values(), ZERO), overpayment=overpayment.quantize(KOPECK), as_of=as_of)


def today() -> dt.date:
    """Today in the department's time zone (``core.calendar.local_today``)."""
    return local_today()


# ---------------------------------------------------------------- balances


def balances(session: Session, case_ids: Iterable[int], as_of: dt.date | None = None) -> dict[int, Balance]:
    """Balances of many cases in two grouped queries (guards and bulk write-offs use this)."""
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    out: dict[int, Balance] = {}
    for start in range(0, len(ids), 2000):
        out.update(_balances_chunk(session, ids[start : start + 2000], as_of))
    return out


def _sums(
    session: Session, ids: list[int], as_of: dt.date | None, split: dt.date | None = None
) -> dict[tuple[int, bool], tuple[dict[str, Decimal], Decimal]]:
    """Per (case, effective on or before ``split``): component amounts and the overpayment.

    Charges raise their own component; adjustments the component they name; refunds spend the
    overpayment. Payments, write-offs and offsets act through their stored allocations.
    """
    values: dict[tuple[int, bool], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    over: dict[tuple[int, bool], Decimal] = defaultdict(lambda: ZERO)
    target = sql_case(
        (LedgerEntry.kind.in_([k.value for k in CHARGE_KINDS]), LedgerEntry.kind),
        (LedgerEntry.kind == EntryKind.ADJUSTMENT.value, LedgerEntry.component),
        (LedgerEntry.kind == EntryKind.REFUND.value, "refund"),
        else_=None,
    )
    e_early = (LedgerEntry.effective_date <= split) if split is not None else literal(True)
    a_early = (LedgerAllocation.effective_date <= split) if split is not None else literal(True)
    stmt = (
        select(
            LedgerEntry.case_id,
            target.label("target"),
            e_early.label("early"),
            func.sum(LedgerEntry.amount, type_=Money()),
        )
        .where(LedgerEntry.case_id.in_(ids), target.is_not(None))
        .group_by(LedgerEntry.case_id, target, e_early)
    )
    if as_of is not None:
        stmt = stmt.where(LedgerEntry.effective_date <= as_of)
    for case_id, tgt, early, total in session.execute(stmt):
        key = (case_id, bool(early))
        amount = Decimal(total or 0)
        if tgt == "refund":
            over[key] -= amount
        elif tgt == OVERPAYMENT:
            over[key] += amount
        else:
            values[key][tgt] += amount
    alloc = (
        select(
            LedgerAllocation.case_id,
            LedgerAllocation.component,
            a_early.label("early"),
            func.sum(LedgerAllocation.amount, type_=Money()),
        )
        .where(LedgerAllocation.case_id.in_(ids))
        .group_by(LedgerAllocation.case_id, LedgerAllocation.component, a_early)
    )
    if as_of is not None:
        alloc = alloc.where(LedgerAllocation.effective_date <= as_of)
    for case_id, component, early, total in session.execute(alloc):
        key = (case_id, bool(early))
        amount = Decimal(total or 0)
        if component == OVERPAYMENT:
            over[key] += amount
        else:
            values[key][component] -= amount
    return {k: (dict(values.get(k, {})), over.get(k, ZERO)) for k in set(values) | set(over)}


def _balances_chunk(session: Session, ids: list[int], as_of: dt.date | None) -> dict[int, Balance]:
    if not ids:
        return {}
    sums = _sums(session, ids, as_of)
    return {i: _make_balance(*sums.get((i, True), ({}, ZERO)), as_of) for i in ids}


def balance_then_and_now(session: Session, case_id: int, on: dt.date) -> tuple[Balance, Balance]:
    """The balance on ``on`` and the balance with every entry, in two queries."""
    sums = _sums(session, [case_id], None, split=on)
    early_values, early_over = sums.get((case_id, True), ({}, ZERO))
    late_values, late_over = sums.get((case_id, False), ({}, ZERO))
    merged = {c: early_values.get(c, ZERO) + late_values.get(c, ZERO) for c in COMPONENTS}
    return (
        _make_balance(early_values, early_over, on),
        _make_balance(merged, early_over + late_over, None),
    )


def balance(session: Session, case_id: int, as_of: dt.date | None = None) -> Balance:
    """What the case owes on ``as_of`` (entries effective on or before it); None = everything."""
    return balances(session, [case_id], as_of)[case_id]


# ---------------------------------------------------------------- posting


def _clean_amount(amount: Any) -> Decimal:
    if isinstance(amount, float) or isinstance(amount, bool):
        raise ValidationFailed(_("The amount must be an exact decimal, not a float."), {"amount": "not a decimal"})
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    except InvalidOperation:
        raise ValidationFailed(
            _("'{amount}' is not an amount.").format(amount=amount), {"amount": "not a number"}
        ) from None
    if not value.is_finite():
        raise ValidationFailed(_("The amount must be a finite number."), {"amount": "not finite"})
    if value != value.quantize(KOPECK):
        raise ValidationFailed(
            _("{value} has more than two digits after the decimal point; amounts are in kopecks.").format(value=value),
            {"amount": "more than 2 decimals"},
        )
    return value.quantize(KOPECK)


def _permission_for(kind: EntryKind) -> Permission:
    if kind == EntryKind.PAYMENT or kind in _CLERK_CHARGES:
        return Permission.LEDGER_PAYMENT
    return Permission.LEDGER_ADJUST


def _allocation_order(session: Session, case: Case) -> tuple[str, ...]:
    """The statutory order for the kind of debt, or the creditor's own where the law allows it."""
    text = session.scalar(select(Creditor.allocation_order).where(Creditor.id == case.creditor_id))
    contract_date = session.scalar(select(Contract.date).where(Contract.id == case.contract_id))
    return order_for(contract_date or dt.date.min, text)


def _load_case(session: Session, case_id: int, lock: bool = False) -> Case:
    """The case; with ``lock`` its row is locked on PostgreSQL (``FOR UPDATE``) so two payments,
    or a payment and the nightly accrual, never split the same debt at the same time."""
    if lock and is_postgres(session):
        session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(_("Case {number} does not exist.").format(number=format_case_number(case_id)))
    return case


def _add_allocations(session: Session, entry: LedgerEntry, parts: dict[str, Decimal]) -> None:
    for component, amount in parts.items():
        if amount != 0:
            session.add(
                LedgerAllocation(
                    entry_id=entry.id,
                    case_id=entry.case_id,
                    component=component,
                    amount=amount,
                    effective_date=entry.effective_date,
                )
            )


def _outstanding_for(then: Balance, now: Balance) -> dict[str, Decimal]:
    """What a payment dated ``then.as_of`` may pay off: owed on that date and still owed now.

    The lower of the two keeps a back-dated payment from paying a component twice.
    """
    a, b = then.components(), now.components()
    return {c: max(min(a[c], b[c]), ZERO) for c in COMPONENTS}


def post_entry(
    session: Session,
    actor: Actor,
    case_id: int,
    kind: EntryKind | str,
    amount: Decimal,
    effective_date: dt.date,
    source: str,
    reference: str | None = None,
    comment: str | None = None,
    component: str | None = None,
    fee_act: str | None = None,
) -> LedgerEntry:
    """Book one entry on a case (permission, validation, allocation, timeline, audit, events).

    Payments need ``ledger.payment``; state fee, postage and court costs too (clerks book them);
    principal, interest, penalty, refunds, adjustments and write-offs need ``ledger.adjust``.
    What the entry may do is decided from the actor, never from ``source``: a negative charge
    needs ``ledger.adjust`` whatever source is named, and the sources the machine uses for its
    own entries ("accrual", "system") are refused to a person.

    A state fee is booked once per court act (``fee_act``: "court_order" or "claim"; by default
    the act of the case's stage): the same fee arriving again (import, OCR confirm, manual) books
    nothing; a court act's different figure books the difference; see ``fee_life.py``.
    """
    try:
        kind = EntryKind(kind)
    except ValueError:
        raise ValidationFailed(
            _("'{kind}' is not a kind of ledger entry; use one of: {items}.").format(
                kind=kind, items=", ".join(k.value for k in EntryKind)
            ),
            {"kind": "unknown"},
        ) from None
    require(actor, _permission_for(kind))
    if kind in CHARGE_KINDS and _clean_amount(amount) < 0:
        require(actor, Permission.LEDGER_ADJUST)
    if source in MACHINE_SOURCES and getattr(actor, "id", None) is not None:
        raise ValidationFailed(
            _("The source '{source}' is kept for the machine's own entries; a person books with 'manual'.").format(
                source=source
            ),
            {"source": "reserved"},
        )
    return _post(
        session, actor, case_id, kind, amount, effective_date, source, reference, comment, component, fee_act=fee_act
    )


def _post(
    session: Session,
    actor: Actor | None,
    case_id: int,
    kind: EntryKind,
    amount: Any,
    effective_date: dt.date,
    source: str,
    reference: str | None,
    comment: str | None,
    component: str | None,
    fee_act: str | None = None,
    internal: bool = False,
) -> LedgerEntry:
    """Book an entry. ``internal`` marks the ledger's own corrections (accrual, reversal of a
    cancelled order's fee): only those may book a negative charge without ``ledger.adjust``."""
    value = _clean_amount(amount)
    if source not in SOURCES:
        raise ValidationFailed(
            _("Unknown entry source '{source}'; use one of: {items}.").format(source=source, items=", ".join(SOURCES))
        )
    if not isinstance(effective_date, dt.date) or isinstance(effective_date, dt.datetime):
        raise ValidationFailed(_("The effective date must be a date."), {"effective_date": "not a date"})
    if value == 0:
        raise ValidationFailed(_("The amount must not be zero."), {"amount": "zero"})
    case = _load_case(session, case_id, lock=kind not in CHARGE_KINDS)
    problems: dict[str, str] = {}
    parts: dict[str, Decimal] = {}
    if kind in CHARGE_KINDS:
        may_lower = internal or (actor is not None and has_permission(actor, Permission.LEDGER_ADJUST))
        if value < 0 and not may_lower:
            problems["amount"] = _("a charge is positive; reduce a debt with an adjustment or a reversal")
        if effective_date > today():
            problems["effective_date"] = _("a charge cannot be dated in the future")
        component = None
        if kind == EntryKind.STATE_FEE:
            fee_act = fee_act or ("claim" if case.stage in CLAIM_FEE_STAGES else "court_order")
            if fee_act not in FEE_ACTS:
                problems["fee_act"] = f"unknown court act '{fee_act}'; use one of: {', '.join(FEE_ACTS)}"
            elif value > 0 and not internal:
                live = live_fee(session, case_id, fee_act)
                if live > 0:
                    if value == live:
                        return _fee_already_booked(session, actor, case, fee_act, live)
                    if source != "court_order":
                        problems["amount"] = (
                            f"the state fee of the {fee_act.replace('_', ' ')} is already booked "
                            f"({format_amount(live)}); reverse that entry or book an adjustment instead"
                        )
                    else:
                        # The court's act fixes the fee: book only the difference from what is booked.
                        value = value - live
                        internal = True
        else:
            fee_act = None
    elif kind == EntryKind.PAYMENT:
        if value < 0:
            problems["amount"] = _("a payment is positive; to undo one, reverse it")
        if effective_date > today():
            problems["effective_date"] = _("a payment cannot be dated in the future")
        component = None
    elif kind == EntryKind.REFUND:
        over = balance(session, case_id).overpayment
        if value < 0:
            problems["amount"] = _("a refund is positive")
        elif value > over:
            problems["amount"] = _("only the overpayment can be refunded: {format_amount}").format(
                format_amount=format_amount(over)
            )
        component = None
    elif kind == EntryKind.WRITE_OFF:
        owed = balance(session, case_id).components()
        if component is not None and component not in COMPONENTS:
            problems["component"] = _("unknown component '{component}'").format(component=component)
        elif value < 0:
            problems["amount"] = _("a write-off is positive")
        else:
            scope = {component: owed[component]} if component else owed
            available = sum((max(v, ZERO) for v in scope.values()), ZERO)
            if value > available:
                problems["amount"] = _("more than is owed ({format_amount})").format(
                    format_amount=format_amount(available)
                )
            else:
                order = (component,) if component else _allocation_order(session, case)
                parts = allocate(value, {k: max(v, ZERO) for k, v in scope.items()}, order)
    elif kind == EntryKind.ADJUSTMENT:
        if component not in COMPONENTS:
            problems["component"] = "an adjustment names the component it changes: " + ", ".join(COMPONENTS)
        else:
            owed = balance(session, case_id).components()[component]
            if owed + value < 0:
                problems["amount"] = _("would make {lower} negative (owed {format_amount})").format(
                    lower=COMPONENT_LABELS[component].lower(), format_amount=format_amount(owed)
                )
    if problems:
        detail = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise ValidationFailed(
            _("{kind} for case {number} not booked: {detail}.").format(
                kind=_(KIND_LABELS[kind]), number=case.number, detail=detail
            ),
            problems,
        )

    if kind == EntryKind.PAYMENT:
        # Interest and penalty run up to the payment's date must be on the books before the
        # payment is split (art. 319 pays interest before principal), even when the payment is
        # back-dated behind the nightly accrual (the later days are corrected right after).
        accrue(session, effective_date, [case_id], actor)
    before_total = ZERO
    if kind == EntryKind.PAYMENT:
        then, now = balance_then_and_now(session, case_id, effective_date)
        before_total = now.total
        parts = allocate(value, _outstanding_for(then, now), _allocation_order(session, case))

    entry = LedgerEntry(
        case_id=case_id,
        kind=kind.value,
        component=component,
        amount=value,
        effective_date=effective_date,
        booked_at=utcnow(),
        source=source,
        reference=reference,
        comment=comment,
        author_id=actor.id if actor is not None else None,
        fee_act=fee_act,
    )
    session.add(entry)
    session.flush()
    _add_allocations(session, entry, parts)
    session.flush()
    details = {
        "case": case.number,
        "kind": kind.value,
        "amount": value,
        "effective_date": effective_date,
        "source": source,
        "reference": reference,
        "component": component,
        "allocation": {k: str(v) for k, v in parts.items()},
    }
    text = _("{kind} {amount} on {date:%d.%m.%Y}").format(
        kind=_(KIND_LABELS[kind]), amount=format_amount(value), date=effective_date
    )
    if comment:
        text += f": {comment}"
    add_case_event(
        session,
        case_id,
        "payment",
        _EVENT_SOURCE.get(source, "system"),
        actor,
        text,
        {"entry_id": entry.id, "kind": kind.value, "amount": value, "allocation": details["allocation"]},
    )
    record_audit(session, actor, f"ledger.{kind.value}", "ledger_entry", entry.id, details)
    if kind == EntryKind.PAYMENT:
        publish(
            session,
            actor,
            "payment.posted",
            [{"case_id": case_id, "entry_id": entry.id, "amount": value, "effective_date": effective_date}],
        )
        latest = session.scalar(
            select(func.max(LedgerEntry.effective_date)).where(
                LedgerEntry.case_id == case_id, LedgerEntry.source == "accrual"
            )
        )
        if latest is not None and latest > effective_date:
            # A back-dated payment lowered the principal behind the last accrual: correct it now.
            accrue(session, latest, [case_id], actor)
        if before_total > 0 and (value >= before_total or (latest is not None and latest > effective_date)):
            after = balance(session, case_id)
            if after.total <= 0:
                _debt_repaid(session, actor, case, effective_date, after)
        check_plans(session, today(), [case_id], raise_new=False)
    elif kind == EntryKind.WRITE_OFF:
        publish(
            session,
            actor,
            "debt.written_off",
            [{"case_id": case_id, "amount": value, "effective_date": effective_date}],
        )
    return entry


def live_fee(session: Session, case_id: int, act: str) -> Decimal:
    """The state fee of one court act that the debtor owes by the ledger (booked, less reversals);
    entries booked before the fee's act was recorded count as the court order's."""
    act_col = func.coalesce(LedgerEntry.fee_act, "court_order")
    total = session.scalar(
        select(func.sum(LedgerEntry.amount, type_=Money())).where(
            LedgerEntry.case_id == case_id, LedgerEntry.kind == EntryKind.STATE_FEE.value, act_col == act
        )
    )
    return Decimal(total or 0).quantize(KOPECK)


def _fee_already_booked(session: Session, actor: Actor | None, case: Case, act: str, live: Decimal) -> LedgerEntry:
    """The same fee arrived again: book nothing, say so on the timeline, return the live entry."""
    existing = session.scalar(
        select(LedgerEntry)
        .where(
            LedgerEntry.case_id == case.id,
            LedgerEntry.kind == EntryKind.STATE_FEE.value,
            func.coalesce(LedgerEntry.fee_act, "court_order") == act,
            LedgerEntry.amount > 0,
        )
        .order_by(LedgerEntry.id.desc())
        .limit(1)
    )
    assert existing is not None
    add_case_event(
        session,
        case.id,
        "payment",
        "system",
        actor,
        f"State fee {format_amount(live)} of the {act.replace('_', ' ')} is already booked; not booked again",
        {"entry_id": existing.id, "fee_act": act, "duplicate": True},
    )
    return existing


def _debt_repaid(session: Session, actor: Actor | None, case: Case, on: dt.date, after: Balance) -> None:
    """The balance reached zero: tell whoever works on the case that it may be marked repaid."""
    publish(session, actor, "debt.repaid", [{"case_id": case.id, "effective_date": on}])
    if case.stage in CLOSED_STAGES:
        return
    if after.overpayment > 0:
        reason = _("The debt was fully paid on {date:%d.%m.%Y}; overpayment {amount}. Move the case to “{stage}”.")
    else:
        reason = _("The debt was fully paid on {date:%d.%m.%Y}. Move the case to “{stage}”.")
    reason = reason.format(date=on, amount=format_amount(after.overpayment), stage=STAGE_BY_CODE["repaid"].label)
    raise_flag(session, case.id, READY_FOR_REPAID_FLAG, reason)
    add_case_event(
        session,
        case.id,
        "payment",
        "system",
        None,
        reason,
        {"ready_for_repaid": True, "notify_user_id": case.responsible_id},
    )


def reverse_entry(session: Session, actor: Actor, entry_id: int, reason: str) -> LedgerEntry:
    """Undo an entry with a reversing one (entries are never edited or deleted)."""
    require(actor, Permission.LEDGER_ADJUST)
    if not reason or not reason.strip():
        raise ValidationFailed(_("Say why the entry is reversed."), {"reason": "required"})
    original = session.get(LedgerEntry, entry_id)
    if original is None:
        raise NotFound(_("Ledger entry {entry_id} does not exist.").format(entry_id=entry_id))
    if original.reverses_id is not None:
        raise ValidationFailed(_("This entry is itself a reversal; book a new entry instead."))
    already = session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry_id))
    if already is not None:
        raise ValidationFailed(
            _("Entry {entry_id} was already reversed (by entry {already}).").format(entry_id=entry_id, already=already)
        )
    case = _load_case(session, original.case_id, lock=True)
    parts = {
        a.component: -a.amount
        for a in session.scalars(select(LedgerAllocation).where(LedgerAllocation.entry_id == original.id))
    }
    current = balance(session, case.id)
    if original.kind in CHARGE_KINDS and original.amount > 0 and current.components()[original.kind] < original.amount:
        raise ValidationFailed(
            _(
                "{kind} {format_amount} is already partly paid; reverse the payment first, or book an adjustment."
            ).format(kind=_(KIND_LABELS[original.kind]), format_amount=format_amount(original.amount))
        )
    if -parts.get(OVERPAYMENT, ZERO) > current.overpayment:
        raise ValidationFailed(_("Part of this payment's overpayment was refunded or offset; reverse that first."))
    entry = LedgerEntry(
        case_id=original.case_id,
        kind=original.kind,
        component=original.component,
        amount=-original.amount,
        effective_date=original.effective_date,
        booked_at=utcnow(),
        source="manual",
        reference=original.reference,
        comment=reason.strip(),
        author_id=actor.id,
        reverses_id=original.id,
        fee_act=original.fee_act,
    )
    session.add(entry)
    session.flush()
    _add_allocations(session, entry, parts)
    session.flush()
    label = _(KIND_LABELS[original.kind]) if original.kind in KIND_LABELS else original.kind
    add_case_event(
        session,
        case.id,
        "payment",
        "manual",
        actor,
        _("{kind} {amount} of {date:%d.%m.%Y} reversed: {reason}").format(
            kind=label, amount=format_amount(original.amount), date=original.effective_date, reason=reason.strip()
        ),
        {"entry_id": entry.id, "reverses_id": original.id},
    )
    record_audit(
        session,
        actor,
        "ledger.reverse",
        "ledger_entry",
        entry.id,
        {"case": case.number, "reverses": original.id, "kind": original.kind, "amount": original.amount},
    )
    if balance(session, case.id).total > 0:
        resolve_flags(session, actor, case.id, READY_FOR_REPAID_FLAG)
    return entry


def offset_overpayment(
    session: Session, actor: Actor, case_id: int, effective_date: dt.date | None = None
) -> LedgerEntry:
    """Apply the case's overpayment to what it owes now (e.g. a state fee booked after it)."""
    require(actor, Permission.LEDGER_PAYMENT)
    case = _load_case(session, case_id, lock=True)
    on = effective_date or today()
    current = balance(session, case_id)
    owed = {c: max(v, ZERO) for c, v in current.components().items()}
    usable = min(current.overpayment, sum(owed.values(), ZERO))
    if usable <= 0:
        raise ValidationFailed(
            _("Case {number} has no overpayment to offset against a debt.").format(number=case.number)
        )
    parts = allocate(usable, owed, _allocation_order(session, case))
    entry = LedgerEntry(
        case_id=case_id,
        kind=EntryKind.ADJUSTMENT.value,
        component=OVERPAYMENT,
        amount=-usable,
        effective_date=on,
        booked_at=utcnow(),
        source="manual",
        comment="Overpayment offset against the debt",
        author_id=actor.id,
    )
    session.add(entry)
    session.flush()
    _add_allocations(session, entry, parts)
    session.flush()
    add_case_event(
        session,
        case_id,
        "payment",
        "manual",
        actor,
        _("Overpayment {amount} offset against the debt").format(amount=format_amount(usable)),
        {"entry_id": entry.id, "allocation": {k: str(v) for k, v in parts.items()}},
    )
    record_audit(
        session,
        actor,
        "ledger.offset",
        "ledger_entry",
        entry.id,
        {"case": case.number, "amount": usable, "allocation": {k: str(v) for k, v in parts.items()}},
    )
    return entry


def write_off_remaining(
    session: Session, actor: Actor | None, case_ids: Sequence[int], on: dt.date, reason: str | None
) -> int:
    """Write off whatever the cases still owe (the "write_off" transition calls this)."""
    owed = balances(session, case_ids)
    count = 0
    for case_id in case_ids:
        bal = owed[case_id]
        if bal.total > 0 and all(v >= 0 for v in bal.components().values()):
            _post(
                session,
                actor,
                case_id,
                EntryKind.WRITE_OFF,
                bal.total,
                on,
                "system",
                "write_off transition",
                reason,
                None,
            )
            count += 1
    return count


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    kind_label: str
    component: str | None
    amount: Decimal
    effective_date: dt.date
    booked_at: dt.datetime
    source: str
    reference: str | None
    comment: str | None
    author: str
    reverses_id: int | None
    reversed_by_id: int | None
    allocation: dict[str, Decimal] = field(default_factory=dict)


def case_entries(session: Session, actor: Actor, case_id: int, as_of: dt.date | None = None) -> list[EntryView]:
    """Every entry of the case, oldest first, each payment with its stored allocation."""
    require(actor, Permission.LEDGER_VIEW)
    _load_case(session, case_id)
    stmt = (
        select(LedgerEntry, User.full_name)
        .outerjoin(User, User.id == LedgerEntry.author_id)
        .where(LedgerEntry.case_id == case_id)
        .order_by(LedgerEntry.effective_date, LedgerEntry.id)
    )
    if as_of is not None:
        stmt = stmt.where(LedgerEntry.effective_date <= as_of)
    rows = session.execute(stmt).all()
    allocations: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for a in session.scalars(
        select(LedgerAllocation).where(LedgerAllocation.case_id == case_id).order_by(LedgerAllocation.id)
    ):
        allocations[a.entry_id][a.component] = a.amount
    reversed_by = {e.reverses_id: e.id for e, _ in rows if e.reverses_id is not None}
    return [
        EntryView(
            id=e.id,
            kind=e.kind,
            kind_label=_(KIND_LABELS[e.kind]) if e.kind in KIND_LABELS else e.kind,
            component=e.component,
            amount=e.amount,
            effective_date=e.effective_date,
            booked_at=e.booked_at,
            source=e.source,
            reference=e.reference,
            comment=e.comment,
            author=name or ("accrual job" if e.source == "accrual" else "system"),
            reverses_id=e.reverses_id,
            reversed_by_id=reversed_by.get(e.id),
            allocation=allocations.get(e.id, {}),
        )
        for e, name in rows
    ]


def payment_allocation(session: Session, actor: Actor, entry_id: int) -> dict[str, Decimal]:
    """How one payment was split (component -> amount), as stored when it was booked."""
    require(actor, Permission.LEDGER_VIEW)
    return {
        a.component: a.amount
        for a in session.scalars(
            select(LedgerAllocation).where(LedgerAllocation.entry_id == entry_id).order_by(LedgerAllocation.id)
        )
    }


def case_balance(session: Session, actor: Actor, case_id: int, as_of: dt.date | None = None) -> Balance:
    """``balance`` for the UI, with the permission check."""
    require(actor, Permission.LEDGER_VIEW)
    _load_case(session, case_id)
    return balance(session, case_id, as_of)


@dataclass(frozen=True)
class RecentPayment:
    entry_id: int
    case_id: int
    case_number: str
    amount: Decimal
    effective_date: dt.date
    booked_at: dt.datetime
    source: str
    reference: str | None


def recent_payments(session: Session, actor: Actor, limit: int = 100) -> list[RecentPayment]:
    require(actor, Permission.LEDGER_VIEW)
    rows = session.execute(
        select(LedgerEntry, Case.number)
        .join(Case, Case.id == LedgerEntry.case_id)
        .where(LedgerEntry.kind == EntryKind.PAYMENT.value)
        .order_by(LedgerEntry.booked_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    ).all()
    return [
        RecentPayment(e.id, e.case_id, number, e.amount, e.effective_date, e.booked_at, e.source, e.reference)
        for e, number in rows
    ]


def set_allocation_order(session: Session, actor: Actor, creditor_id: int, text: str | None) -> tuple[str, ...] | None:
    """Store a creditor's own allocation order (``None`` or "" for the statutory one).

    Only an order the law allows is stored: lawful for a consumer loan (353-FZ art. 5 p. 20: only
    the costs among themselves may be reordered) or for an art. 319 debt (Plenum 54 pp. 37, 49).
    For each payment ``order_for`` uses it only where it is lawful for that debt.
    """
    require(actor, Permission.LEDGER_ADJUST)
    creditor = session.get(Creditor, creditor_id)
    if creditor is None:
        raise NotFound(f"Creditor {creditor_id} does not exist.")
    order = parse_order(text)
    if order is not None:
        try:
            check_order(text, consumer=True)
        except ValidationFailed:
            check_order(text, consumer=False)
    creditor.allocation_order = ",".join(order) if order else None
    session.flush()
    record_audit(
        session, actor, "ledger.allocation_order", "creditor", creditor_id, {"order": creditor.allocation_order}
    )
    return order

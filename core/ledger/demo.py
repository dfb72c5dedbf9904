"""Demo money: each demo case's debt as the register of assigned claims stood, the court-order
state fee once a claim was prepared, and payments on some cases in enforcement and on the
repaid ones, so the money tab, allocation and KPIs have something true to show."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.auth.permissions import SystemActor
from core.cases.models import AssignedClaim, Case, Contract
from core.cases.service import resolve_flags
from core.db import bulk_insert, utcnow
from core.ledger.fees import FilingKind, state_fee
from core.ledger.models import LedgerEntry
from core.ledger.service import READY_FOR_REPAID_FLAG, balance, post_entry

BATCH = 5000
PAYMENTS_AT_MOST = 250
FEE_STAGES = frozenset(
    {
        "claim_prepared",
        "claim_mailed",
        "claim_delivered",
        "order_issued",
        "order_refused",
        "order_in_force",
        "order_cancelled",
        "lawsuit_filed",
        "hearing",
        "judgment",
        "enforcement",
        "repaid",
        "written_off",
    }
)


def extend_demo(session: Session, rng: random.Random) -> None:
    last_id = 0
    now = utcnow()
    while True:
        rows = session.execute(
            select(Case.id, Case.stage, Case.opened_at, Case.claim_amount, Contract.date, AssignedClaim)
            .join(Contract, Contract.id == Case.contract_id)
            .join(AssignedClaim, AssignedClaim.contract_id == Case.contract_id)
            .where(Case.id > last_id, ~exists().where(LedgerEntry.case_id == Case.id))
            .order_by(Case.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        entries: list[dict[str, object]] = []
        for r in rows:
            claim: AssignedClaim = r.AssignedClaim
            opened = r.opened_at.date()
            for kind, amount, day in (
                ("principal", claim.principal, r.date),
                ("interest", claim.interest, opened),
                ("penalty", claim.penalty, opened),
            ):
                if amount > 0:
                    entries.append(_entry(r.id, kind, amount, day, now))
            if r.stage in FEE_STAGES:
                fee = state_fee(claim.total, opened + dt.timedelta(days=7), FilingKind.COURT_ORDER)
                entries.append(_entry(r.id, "state_fee", fee, opened + dt.timedelta(days=7), now))
        bulk_insert(session, LedgerEntry, entries)
    _demo_payments(session, rng)


def _entry(case_id: int, kind: str, amount: Decimal, day: dt.date, now: dt.datetime) -> dict[str, object]:
    return {
        "case_id": case_id,
        "kind": kind,
        "component": None,
        "amount": amount,
        "effective_date": day,
        "booked_at": now,
        "source": "import",
        "reference": "register of assigned claims",
        "comment": None,
        "author_id": None,
        "reverses_id": None,
    }


def _demo_payments(session: Session, rng: random.Random) -> None:
    """Payments on a sample drawn from the whole history (not the first cases only), so the
    money KPIs show collections in every month: a repaid case paid its balance on the day it
    closed; a case in enforcement gets one or two deductions (bailiffs, the debtor's bank) in
    the months after it was sent to enforcement. Each goes through ``post_entry`` (allocation
    by Civil Code art. 319, timeline, audit, bureau event), so at most ``PAYMENTS_AT_MOST``."""
    actor = SystemActor("demo")
    today = utcnow().date()
    paid = set(session.scalars(select(LedgerEntry.case_id).where(LedgerEntry.kind == "payment").distinct()))
    candidates = [
        c
        for c in session.execute(
            select(Case.id, Case.stage, Case.entered_stage_at).where(Case.stage.in_(("enforcement", "repaid")))
        ).all()
        if c.id not in paid
    ]
    rng.shuffle(candidates)
    done = 0
    for case_id, stage, entered in candidates:
        if done >= PAYMENTS_AT_MOST:
            break
        if stage == "enforcement" and rng.random() < 0.5:
            continue
        if stage == "repaid":
            days = [entered.date()]
        else:
            days = sorted({entered.date() + dt.timedelta(days=rng.randint(20, 150)) for _ in range(rng.randint(1, 2))})
        for day in days:
            if day > today:
                continue
            owed = balance(session, case_id, as_of=day).total
            if owed <= 0:
                continue
            share = Decimal(rng.randint(8, 30)) / 100
            amount = owed if stage == "repaid" else (owed * share).quantize(Decimal("0.01"))
            post_entry(session, actor, case_id, "payment", amount, day, source="payment_file", reference="demo payment")
            done += 1
        if stage == "repaid":
            resolve_flags(session, None, case_id, READY_FOR_REPAID_FLAG)

"""The ledger keeps the workflow honest.

- "Repaid" is refused while money is owed (the reason says how much), so a case is never closed
  as repaid on a clerk's word against the ledger.
- "Write off" books a write-off entry of whatever is still owed, in the same transaction, so a
  written-off case owes nothing in the ledger and the bureau hears of it (``debt.written_off``).
- Closing a case ends its payment plan and the "ready for repaid" / "plan broken" flags.
- A court order is sought only for a claim of at most 500,000 rubles (Civil Procedure Code
  art. 121): preparing or mailing the order application is refused above it, with the amount.
- The state fee's life (``fee_life.py``): mailing the order application records the fee the
  creditor paid; the order or judgment awards it (it becomes the debtor's, once); cancelling the
  order reverses its fee on the debtor's ledger and credits it toward the claim's fee (Tax Code
  art. 333.20 p. 1 subp. 13); filing the lawsuit records the claim's fee less that credit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth.permissions import Actor, SystemActor
from core.calendar import local_date
from core.cases.hooks import MovedCase, after_transition, transition_guard
from core.cases.service import resolve_flags_many
from core.i18n import _
from core.ledger.fees import COURT_ORDER_LIMIT, FilingKind, court_order_allowed, state_fee
from core.ledger.models import PaymentPlan
from core.ledger.plans import PLAN_BROKEN_FLAG
from core.ledger.service import READY_FOR_REPAID_FLAG, balances, write_off_remaining
from core.money import format_amount

COURT_ORDER_TRANSITIONS = frozenset({"prepare_claim", "mail_claim"})


@transition_guard
def refuse_repaid_while_owed(session: Session, transition: str, case_ids: Sequence[int]) -> dict[int, str]:
    if transition != "mark_repaid" or not case_ids:
        return {}
    refused: dict[int, str] = {}
    for case_id, bal in balances(session, case_ids).items():
        if bal.total > 0:
            refused[case_id] = f"the debtor still owes {bal.describe()}; 'Repaid' needs a zero balance"
    return refused


@transition_guard
def refuse_court_order_over_limit(session: Session, transition: str, case_ids: Sequence[int]) -> dict[int, str]:
    """CPC art. 121: the order route is closed to claims over 500,000 rubles."""
    if transition not in COURT_ORDER_TRANSITIONS or not case_ids:
        return {}
    refused: dict[int, str] = {}
    for case_id, bal in balances(session, case_ids).items():
        if not court_order_allowed(bal.debt_claimed):
            refused[case_id] = _(
                "the claim is {amount}, more than {limit}: a court order is only for claims up to 500,000 rubles "
                "(Civil Procedure Code art. 121); file a lawsuit instead"
            ).format(amount=format_amount(bal.debt_claimed), limit=format_amount(COURT_ORDER_LIMIT))
    return refused


@after_transition
def follow_the_state_fee(session: Session, actor: Actor | None, moved: Sequence[MovedCase]) -> None:
    """Record, award and credit the state fee as the case moves (see ``fee_life.py``)."""
    from core.ledger.fee_life import award_paid_fee, claim_fee_due, record_fee_paid, reverse_cancelled_order_fee
    from core.ledger.models import StateFeePayment

    relevant = [m for m in moved if m.transition in FEE_TRANSITIONS]
    if not relevant:
        return
    owed = balances(session, [m.case_id for m in relevant])
    for m in relevant:
        on = _act_date(m)
        if m.transition in ("mail_claim", "file_lawsuit"):
            act = "court_order" if m.transition == "mail_claim" else "claim"
            known = session.scalar(
                select(StateFeePayment.id).where(
                    StateFeePayment.case_id == m.case_id,
                    StateFeePayment.act == act,
                    StateFeePayment.status.in_(["paid", "awarded"]),
                )
            )
            claim = owed[m.case_id].debt_claimed
            if known is not None or claim <= 0:
                continue
            if act == "court_order":
                amount = state_fee(claim, on, FilingKind.COURT_ORDER)
            else:
                amount = claim_fee_due(session, m.case_id, claim, on).fee
            record_fee_paid(session, None, m.case_id, act, amount, on, m.transition)
        elif m.transition in ("issue_order", "receive_judgment"):
            award_paid_fee(session, actor, m.case_id, "court_order" if m.transition == "issue_order" else "claim", on)
        elif m.transition in ("cancel_order", "refuse_order"):
            # Tax Code art. 333.20 p. 1 subp. 13 covers both a cancelled order and a refusal to
            # accept the application: the fee paid counts toward the claim's fee.
            reverse_cancelled_order_fee(session, actor, m.case_id, on)


FEE_TRANSITIONS = frozenset(
    {"mail_claim", "file_lawsuit", "issue_order", "receive_judgment", "cancel_order", "refuse_order"}
)


def _act_date(m: MovedCase) -> dt.date:
    value = m.data.get("act_date")
    if isinstance(value, dt.date):
        return value
    return local_date(m.at)


@after_transition
def book_write_off_and_close(session: Session, actor: Actor | None, moved: Sequence[MovedCase]) -> None:
    by_transition: dict[str, list[MovedCase]] = defaultdict(list)
    for m in moved:
        by_transition[m.transition].append(m)
    written = by_transition.get("write_off", [])
    if written:
        who = actor or SystemActor("write-off")
        by_reason: dict[str | None, list[MovedCase]] = defaultdict(list)
        for m in written:
            by_reason[m.data.get("reason")].append(m)
        for reason, group in by_reason.items():
            write_off_remaining(session, who, [m.case_id for m in group], local_date(group[0].at), reason)
    closed = by_transition.get("write_off", []) + by_transition.get("mark_repaid", [])
    if closed:
        ids = [m.case_id for m in closed]
        session.execute(
            update(PaymentPlan).where(PaymentPlan.case_id.in_(ids), PaymentPlan.active.is_(True)).values(active=False)
        )
        resolve_flags_many(session, actor, ids, [READY_FOR_REPAID_FLAG, PLAN_BROKEN_FLAG])

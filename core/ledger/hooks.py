"""The ledger keeps the workflow honest.

- "Repaid" is refused while money is owed (the reason says how much), so a case is never closed
  as repaid on a clerk's word against the ledger.
- "Write off" books a write-off entry of whatever is still owed, in the same transaction, so a
  written-off case owes nothing in the ledger and the bureau hears of it (``debt.written_off``).
- Closing a case ends its payment plan and the "ready for repaid" / "plan broken" flags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.auth.permissions import Actor, SystemActor
from core.calendar import local_date
from core.cases.hooks import MovedCase, after_transition, transition_guard
from core.cases.service import resolve_flags_many
from core.ledger.models import PaymentPlan
from core.ledger.plans import PLAN_BROKEN_FLAG
from core.ledger.service import READY_FOR_REPAID_FLAG, balances, write_off_remaining


@transition_guard
def refuse_repaid_while_owed(session: Session, transition: str, case_ids: Sequence[int]) -> dict[int, str]:
    if transition != "mark_repaid" or not case_ids:
        return {}
    refused: dict[int, str] = {}
    for case_id, bal in balances(session, case_ids).items():
        if bal.total > 0:
            refused[case_id] = f"the debtor still owes {bal.describe()}; 'Repaid' needs a zero balance"
    return refused


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

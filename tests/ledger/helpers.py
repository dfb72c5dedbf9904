"""Small builders for ledger tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from core.auth.permissions import SystemActor
from core.cases.models import Case, Contract
from core.ledger.service import EntryKind, post_entry
from tests.factories import make_case

SYSTEM = SystemActor("ledger test")


def case_with_debt(
    session: Session,
    principal: str = "10000.00",
    interest: str = "0",
    penalty: str = "0",
    state_fee: str = "0",
    postage: str = "0",
    opened: dt.date = dt.date(2024, 1, 15),
    accruing: bool = False,
    **case_kwargs: object,
) -> Case:
    """A case whose ledger opens with the given register balances on ``opened``.

    Unless ``accruing``, the contract bears no interest or penalty, so the amounts stay as booked.
    """
    case = make_case(session, principal=Decimal(principal), **case_kwargs)  # type: ignore[arg-type]
    if not accruing:
        contract = session.get(Contract, case.contract_id)
        assert contract is not None
        contract.interest_rate_daily = Decimal("0")
        contract.penalty_rate_annual = Decimal("0")
    for kind, amount in (
        (EntryKind.PRINCIPAL, principal),
        (EntryKind.INTEREST, interest),
        (EntryKind.PENALTY, penalty),
        (EntryKind.STATE_FEE, state_fee),
        (EntryKind.POSTAGE, postage),
    ):
        if Decimal(amount) > 0:
            post_entry(session, SYSTEM, case.id, kind, Decimal(amount), opened, "import", "register")
    session.flush()
    return case

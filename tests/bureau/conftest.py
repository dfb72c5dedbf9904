"""The bureau sandbox gateway over real HTTP on 127.0.0.1, and helpers to make due events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.bureau.client import BureauClient
from core.bureau.events import due_date_for
from core.bureau.sandbox import BureauSandbox
from core.calendar import local_date
from core.cases.models import Case
from core.db import utcnow
from core.events import publish
from tests.factories import make_case


@pytest.fixture
def gateway() -> Iterator[BureauSandbox]:
    with BureauSandbox(login="bureau-user", password="s3cret-pass") as gw:
        yield gw


@pytest.fixture
def client(gateway: BureauSandbox) -> BureauClient:
    return BureauClient(gateway.url, "bureau-user", "s3cret-pass", timeout=5, attempts=3, backoff=0)


def post_payment(
    session: Session, case: Case, amount: str = "1500.00", days_ago: int = 10, paid_on: dt.date | None = None
) -> None:
    """A payment the ledger posted at least ``days_ago`` days ago.

    With ``days_ago`` > 0 its bureau event is overdue today whatever today is: a payment two days
    before a Monday was recorded on a Saturday and is due only today, so such a payment is moved
    back to the last day whose event was due before today. ``days_ago=0``: recorded now, not due.
    """
    today = local_date(utcnow())
    at = utcnow() - dt.timedelta(days=days_ago)
    while days_ago > 0 and due_date_for(local_date(at)) >= today:
        at -= dt.timedelta(days=1)
    publish(
        session,
        None,
        "payment.posted",
        [
            {
                "case_id": case.id,
                "entry_id": 1,
                "amount": Decimal(amount),
                "effective_date": paid_on or at.date(),
                "recorded_at": at,
            }
        ],
    )


def paid_enforcement_case(session: Session, days_ago: int) -> Case:
    """One case at "Enforcement" with one payment ``days_ago`` (see ``post_payment``), committed."""
    case = make_case(session, stage="enforcement")
    session.commit()
    post_payment(session, case, days_ago=days_ago)
    session.commit()
    return case


def portfolio(session: Session, count: int, **kwargs: object) -> list[Case]:
    """``count`` cases bought under one assignment agreement (one reporting source)."""
    from core.cases.models import AssignmentAgreement

    first = make_case(session, **kwargs)  # type: ignore[arg-type]
    agreement = session.get(AssignmentAgreement, first.agreement_id)
    return [first] + [make_case(session, agreement=agreement, **kwargs) for _ in range(count - 1)]  # type: ignore[arg-type]

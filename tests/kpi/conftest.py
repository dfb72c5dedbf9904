"""A small hand-made department with known KPI answers (see each test for the arithmetic).

The clock is fixed at Monday 15 June 2026, 12:00 UTC; the period is 1-14 June 2026 (two whole
weeks), so the previous period is 18-31 May 2026.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.auth.models import User
from core.cases.models import Case, Creditor
from core.cases.service import add_case_events
from core.kpi import service
from core.kpi.filters import KpiFilters
from tests.factories import make_case, make_creditor, make_user

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
PERIOD = KpiFilters(dt.date(2026, 6, 1), dt.date(2026, 6, 14))


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


@dataclass
class Department:
    clerk: User
    lawyer: User
    head: User
    c1: Creditor
    c2: Creditor
    cases: dict[str, Case]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    service.clear_cache()
    yield
    service.clear_cache()


def staff(session: Session, role: str, full_name: str) -> User:
    """A named user (the KPI tables and exports show staff by name), e.g. "Anna Clerk" as anna.clerk."""
    return make_user(session, role, username=full_name.lower().replace(" ", "."), full_name=full_name)


@pytest.fixture
def dept(session: Session) -> Department:
    clerk = staff(session, "clerk", "Anna Clerk")
    lawyer = staff(session, "lawyer", "Boris Lawyer")
    head = staff(session, "head", "Helen Head")
    c1, c2 = make_creditor(session, "Creditor One"), make_creditor(session, "Creditor Two")

    def case(
        stage: str,
        creditor: Creditor,
        claim: str,
        opened: dt.datetime,
        entered_stage: dt.datetime,
        responsible: User | None = None,
        region: str = "Москва",
    ) -> Case:
        return make_case(
            session,
            stage=stage,
            creditor=creditor,
            region=region,
            responsible=responsible,
            claim_amount=Decimal(claim),
            opened_at=opened,
            entered_stage_at=entered_stage,
        )

    cases = {
        # opened in the period; over the 14-day SLA of "claim mailed" by 6 days
        "c1": case("claim_mailed", c1, "10000.00", at("2026-06-02"), NOW - dt.timedelta(days=20), clerk),
        "c2": case(
            "claim_mailed", c2, "20000.00", at("2026-06-03"), at("2026-06-10", 12), clerk, region="Тверская область"
        ),
        # opened in the previous period, unassigned, 35 days over the 5-day SLA of "new"
        "c3": case("new", c1, "5000.00", at("2026-05-20"), NOW - dt.timedelta(days=40)),
        "c4": case("repaid", c1, "8000.00", at("2026-04-01"), at("2026-06-10")),
        "c5": case("written_off", c2, "4000.00", at("2026-05-01"), at("2026-06-05")),
        "c6": case("order_issued", c1, "3000.00", at("2026-05-10"), at("2026-06-08"), lawyer),
        "c7": case("order_refused", c2, "2000.00", at("2026-05-12"), at("2026-06-09"), lawyer),
        "c8": case("repaid", c2, "1000.00", at("2026-05-01"), at("2026-06-11")),
    }
    cases["c4"].closed_at = at("2026-06-10")  # 70 days after opening
    cases["c5"].closed_at = at("2026-06-05")
    cases["c8"].closed_at = at("2026-06-11")  # 41 days after opening
    session.flush()

    def event(key: str, kind: str, when: dt.datetime, user: User, **stages: str) -> dict[str, Any]:
        return {
            "case_id": cases[key].id,
            "at": when,
            "kind": kind,
            "source": "manual",
            "user_id": user.id,
            "data": {},
            **stages,
        }

    def move(key: str, frm: str, to: str, when: dt.datetime, user: User) -> dict[str, Any]:
        return event(key, "transition", when, user, from_stage=frm, to_stage=to)

    add_case_events(
        session,
        [
            move("c6", "claim_prepared", "claim_mailed", at("2026-05-20"), clerk),  # previous period
            move("c1", "claim_prepared", "claim_mailed", at("2026-05-26"), clerk),  # previous period
            move("c5", "enforcement", "written_off", at("2026-06-05"), head),  # week of 1 June
            move("c6", "claim_delivered", "order_issued", at("2026-06-08"), lawyer),  # 19 days after mailing
            move("c7", "claim_delivered", "order_refused", at("2026-06-09"), lawyer),
            move("c2", "claim_prepared", "claim_mailed", at("2026-06-10", 12), clerk),
            move("c4", "enforcement", "repaid", at("2026-06-10"), head),
        ],
    )
    # a note is not a transition and must not count
    add_case_events(session, [event("c1", "note", at("2026-06-03"), clerk)])
    session.commit()
    return Department(clerk, lawyer, head, c1, c2, cases)

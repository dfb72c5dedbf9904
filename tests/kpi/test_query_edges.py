"""Edge cases of the set-based KPI queries (the rewrites for a million cases must keep the
definitions): day boundaries, the mailing that counts for an order, SLA boundaries, plan
instalments paid late, the list of regions. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Debtor
from core.cases.search import CaseFilter, search_cases
from core.cases.service import add_case_events
from core.cases.workflow import STAGE_BY_CODE
from core.kpi import service
from core.kpi.sql import days_between, moment
from core.ledger.models import LedgerEntry, PaymentPlan, PlanInstalment
from tests.factories import make_case
from tests.kpi.conftest import NOW, PERIOD, Department, at


def test_whole_days_are_counted_down_to_the_millisecond(session: Session) -> None:
    # (SQLite's julianday resolves milliseconds; PostgreSQL's date_part microseconds)
    start = dt.datetime(2026, 6, 1, 21, 0, tzinfo=dt.UTC)
    cases = {
        start + dt.timedelta(days=19): 19,
        start + dt.timedelta(days=19, milliseconds=-1): 18,
        start + dt.timedelta(days=400, seconds=1): 400,
        start - dt.timedelta(milliseconds=1): -1,
        start: 0,
    }
    for end, days in cases.items():
        assert session.scalar(select(days_between(moment(start), moment(end)))) == days, end


def test_days_to_order_count_from_the_last_mailing_before_the_order(session: Session, dept: Department) -> None:
    remailed = make_case(session, stage="order_issued", opened_at=at("2026-04-01"), entered_stage_at=at("2026-06-04"))
    unmailed = make_case(session, stage="order_issued", opened_at=at("2026-04-01"), entered_stage_at=at("2026-06-06"))

    def move(case_id: int, to: str, when: dt.datetime) -> dict[str, object]:
        return {"case_id": case_id, "at": when, "kind": "transition", "source": "bulk", "to_stage": to, "data": {}}

    add_case_events(
        session,
        [
            move(remailed.id, "claim_mailed", at("2026-05-01")),
            move(remailed.id, "claim_mailed", at("2026-05-25")),  # the mailing that counts: 10 days
            move(remailed.id, "order_issued", at("2026-06-04")),
            move(remailed.id, "claim_mailed", at("2026-06-06")),  # after the order: ignored
            move(unmailed.id, "order_issued", at("2026-06-06")),  # no mailing on record: left out
        ],
    )
    session.commit()
    d = service.kpi(session, dept.head, "mail_to_order", PERIOD, NOW)
    assert [tuple(r) for r in d.frame[["days", "cases"]].itertuples(index=False)] == [(10, 1), (19, 1)]
    assert d.stats == {"cases": 2, "median_days": 14.5, "p90_days": 18.1}
    # the order itself still counts as issued, mailing or not
    outcomes = service.kpi(session, dept.head, "court_outcomes", PERIOD, NOW)
    assert outcomes.stats["issued"] == 3


def test_over_sla_means_more_whole_days_in_stage_than_the_sla(session: Session, dept: Department) -> None:
    """One definition everywhere: a case 5 days into a 5-day SLA is within it (even at 5 days and
    23 hours), at 6 days it is over by 1. The aging chart's bands, the "Over SLA now" drill-down
    (the search's over_sla filter) and the search's SLA column agree case by case."""
    sla = STAGE_BY_CODE["claim_prepared"].sla_days
    assert sla is not None
    day = dt.timedelta(days=1)
    entered = {
        "within at the SLA's last hour": NOW - sla * day - dt.timedelta(hours=23, minutes=59),
        "over by 1": NOW - (sla + 1) * day,
        "over by 7": NOW - (sla + 8) * day + dt.timedelta(seconds=1),
        "over by 8": NOW - (sla + 8) * day,
    }
    cases = {name: make_case(session, stage="claim_prepared", entered_stage_at=at) for name, at in entered.items()}
    make_case(session, stage="repaid", entered_stage_at=NOW - dt.timedelta(days=900))  # closed: no SLA
    session.commit()
    r = service.kpi(session, dept.head, "aging", PERIOD, NOW)
    row = r.frame.set_index("stage").loc["claim_prepared"]
    assert (row["cases"], row["within_sla"], row["over_1_7"], row["over_8_30"]) == (4, 1, 2, 1)
    assert "repaid" not in set(r.frame["stage"])
    assert r.stats["over_sla"] == 2 + 3  # the department's two plus these three

    drill_down = CaseFilter.from_query_params({**r.search, "stages": "claim_prepared"})
    listed = search_cases(session, dept.head, drill_down, now=NOW).rows
    assert {c.number for c in listed} == {cases[n].number for n in ("over by 1", "over by 7", "over by 8")}
    assert all(c.over_sla and c.days_in_stage > sla for c in listed)  # the SLA cell of each says "over"
    everyone = search_cases(session, dept.head, CaseFilter(stages=["claim_prepared"]), now=NOW).rows
    within = [c for c in everyone if c.number == cases["within at the SLA's last hour"].number]
    assert within and within[0].days_in_stage == sla and not within[0].over_sla


def test_an_instalment_paid_after_its_due_date_is_missed(session: Session, dept: Department) -> None:
    c1, c2 = dept.cases["c1"].id, dept.cases["c2"].id
    late = PaymentPlan(case_id=c1, active=True, total=Decimal("500.00"), starts_on=dt.date(2026, 6, 1))
    paid = PaymentPlan(case_id=c2, active=True, total=Decimal("500.00"), starts_on=dt.date(2026, 6, 1))
    session.add_all([late, paid])
    session.flush()
    session.add_all(
        [
            PlanInstalment(plan_id=late.id, seq=1, due_date=dt.date(2026, 6, 10), amount=Decimal("500.00")),
            PlanInstalment(plan_id=paid.id, seq=1, due_date=dt.date(2026, 6, 10), amount=Decimal("500.00")),
        ]
    )
    for case_id, day in ((c1, "2026-06-11"), (c2, "2026-06-10")):
        session.add(
            LedgerEntry(
                case_id=case_id,
                kind="payment",
                amount=Decimal("500.00"),
                effective_date=dt.date.fromisoformat(day),
                source="manual",
            )
        )
    session.commit()
    r = service.kpi(session, dept.head, "plan_adherence", PERIOD, NOW)
    assert r.stats == {"due": 2, "kept": 1, "adherence": 0.5}


def test_regions_are_listed_once_each_in_order(session: Session, dept: Department) -> None:
    make_case(session, region="Архангельская область")
    make_case(session, region="Москва")
    session.add(Debtor(last_name="Петров", first_name="Пётр", full_name="Петров Пётр", name_search="петров петр"))
    session.commit()
    assert service.filter_options(session, dept.head).regions == [
        "Архангельская область",
        "Москва",
        "Тверская область",
    ]

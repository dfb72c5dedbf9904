"""Case-based KPIs on the hand-made department (tests/kpi/conftest.py), SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.errors import PermissionDenied, ValidationFailed
from core.i18n import use_language
from core.kpi import service
from core.kpi.filters import KpiFilters
from tests.kpi.conftest import NOW, PERIOD, Department, staff

WEEKS = KpiFilters(PERIOD.date_from, PERIOD.date_to, granularity="week")


def rows(result, *columns: str) -> list[tuple]:
    return [tuple(r) for r in result.frame[list(columns)].itertuples(index=False)]


def test_funnel_counts_cases_by_current_stage_in_workflow_order(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "funnel", PERIOD, NOW)
    counts = {s: n for s, n in rows(r, "stage", "cases") if n}
    assert counts == {"new": 1, "claim_mailed": 2, "order_issued": 1, "order_refused": 1, "repaid": 2, "written_off": 1}
    assert list(r.frame["stage"])[:3] == ["new", "claim_prepared", "claim_mailed"]
    assert r.stats == {"total": 8, "open": 5}
    assert r.frame.set_index("stage").loc["claim_mailed", "claim_amount"] == Decimal("30000.00")


def test_aging_shows_how_far_over_sla_each_stage_is(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "aging", PERIOD, NOW)
    by_stage = r.frame.set_index("stage")
    mailed = by_stage.loc["claim_mailed"]
    assert (mailed["cases"], mailed["within_sla"], mailed["over_1_7"], mailed["over_sla"]) == (2, 1, 1, 1)
    assert mailed["oldest_days"] == 20
    new = by_stage.loc["new"]
    assert (new["over_1_7"], new["over_8_30"], new["over_31"]) == (0, 0, 1)
    assert by_stage.loc["order_issued", "over_sla"] == 0
    assert r.stats == {"open": 5, "over_sla": 2, "over_share": 0.4}
    assert r.search == {"over_sla": "1"}


def test_transitions_per_week_by_stage_entered(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "transitions", WEEKS, NOW)
    assert sorted(rows(r, "period", "stage", "moves")) == sorted(
        [
            (dt.date(2026, 6, 1), "written_off", 1),
            (dt.date(2026, 6, 8), "order_issued", 1),
            (dt.date(2026, 6, 8), "order_refused", 1),
            (dt.date(2026, 6, 8), "claim_mailed", 1),
            (dt.date(2026, 6, 8), "repaid", 1),
        ]
    )
    assert r.stats["moves"] == 5


def test_new_against_closed_per_week(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "opened_closed", WEEKS, NOW)
    assert rows(r, "period", "opened", "closed") == [(dt.date(2026, 6, 1), 2, 1), (dt.date(2026, 6, 8), 0, 2)]
    assert r.search == {"opened_from": "2026-06-01", "opened_to": "2026-06-14"}


def test_two_weeks_are_shown_by_day_and_a_year_by_month(session: Session, dept: Department) -> None:
    """A head reads a fortnight day by day and a year month by month: one bar per bucket, every
    bucket of the period present (an empty day is a zero bar, not a gap an axis interpolates)."""
    assert PERIOD.bucket == "day"
    daily = service.kpi(session, dept.head, "opened_closed", PERIOD, NOW)
    assert list(daily.frame["period"]) == [dt.date(2026, 6, d) for d in range(1, 15)]
    assert rows(daily, "period", "opened")[1:3] == [(dt.date(2026, 6, 2), 1), (dt.date(2026, 6, 3), 1)]
    year = KpiFilters.last_months(today=dt.date(2026, 6, 14))
    assert (year.date_from, year.date_to, year.bucket) == (dt.date(2025, 7, 1), dt.date(2026, 6, 14), "month")
    monthly = service.kpi(session, dept.head, "opened_closed", year, NOW)
    assert len(monthly.frame) == 12 and monthly.frame["period"].iloc[0] == dt.date(2025, 7, 1)
    assert rows(monthly, "period", "opened", "closed")[-2:] == [
        (dt.date(2026, 5, 1), 5, 0),
        (dt.date(2026, 6, 1), 2, 3),
    ]


def test_court_outcomes_and_days_from_mailing_to_order(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "court_outcomes", PERIOD, NOW)
    assert rows(r, "stage", "cases") == [("order_issued", 1), ("order_refused", 1), ("order_cancelled", 0)]
    assert r.stats["issued_share"] == 0.5
    d = service.kpi(session, dept.head, "mail_to_order", PERIOD, NOW)
    assert rows(d, "days", "cases") == [(19, 1)]
    assert d.stats == {"cases": 1, "median_days": 19, "p90_days": 19}
    assert d.search == {"stages": "order_issued"}


def test_cycle_time_median_and_p90_and_write_off_rate(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "cycle_time", PERIOD, NOW)
    assert rows(r, "days", "cases") == [(41, 1), (70, 1)]
    assert r.stats["median_days"] == pytest.approx(55.5)
    assert r.stats["p90_days"] == pytest.approx(67.1)
    w = service.kpi(session, dept.head, "write_off", PERIOD, NOW)
    assert rows(w, "outcome", "cases") == [("repaid", 2), ("written_off", 1)]
    assert w.stats == {"closed": 3, "write_off_rate": 0.3333}


def test_claimed_per_month_from_cases_opened_in_period(session: Session, dept: Department) -> None:
    by_month = KpiFilters(PERIOD.date_from, PERIOD.date_to, granularity="month")
    r = service.kpi(session, dept.head, "claimed_collected", by_month, NOW)
    assert rows(r, "period", "new_cases", "claimed") == [(dt.date(2026, 6, 1), 2, Decimal("30000.00"))]


def test_workload_per_employee(session: Session, dept: Department) -> None:
    r = service.kpi(session, dept.head, "workload", PERIOD, NOW)
    got = {
        e: (o, s, w, p) for e, o, s, w, p in rows(r, "employee", "open_cases", "over_sla", "moves_week", "moves_period")
    }
    # the last 7 days run from 8 June 12:00: the order of 8 June 10:00 is in the period, not in the week
    assert got == {
        "Anna Clerk": (2, 1, 1, 1),
        "Boris Lawyer": (2, 0, 1, 2),
        "Helen Head": (0, 0, 1, 2),
        "(unassigned)": (1, 1, 0, 0),
    }


def test_headline_tiles_compare_with_previous_period(session: Session, dept: Department) -> None:
    tiles = {t.key: t for t in service.headline(session, dept.head, PERIOD, NOW)}
    assert (tiles["new_cases"].value, tiles["new_cases"].previous, tiles["new_cases"].delta) == (2, 1, 1)
    assert (tiles["claimed"].value, tiles["claimed"].previous) == (Decimal("30000.00"), Decimal("5000.00"))
    assert (tiles["closed"].value, tiles["closed"].previous) == (3, 0)
    assert (tiles["moves"].value, tiles["moves"].previous) == (5, 2)
    assert (tiles["orders"].value, tiles["orders"].previous) == (1, 0)
    assert (tiles["open_cases"].value, tiles["open_cases"].delta) == (5, None)
    assert tiles["over_sla"].value == 2 and not tiles["over_sla"].higher_is_better


def test_filters_narrow_every_case_kpi(session: Session, dept: Department) -> None:
    by_creditor = KpiFilters(PERIOD.date_from, PERIOD.date_to, creditor_ids=(dept.c1.id,))
    funnel = service.kpi(session, dept.head, "funnel", by_creditor, NOW)
    assert {s: n for s, n in rows(funnel, "stage", "cases") if n} == {
        "new": 1,
        "claim_mailed": 1,
        "order_issued": 1,
        "repaid": 1,
    }
    moves = service.kpi(session, dept.head, "transitions", by_creditor, NOW)
    assert moves.stats["moves"] == 2  # order issued (c6), repaid (c4)
    assert funnel.search == {"creditor_ids": str(dept.c1.id)}

    by_region = KpiFilters(PERIOD.date_from, PERIOD.date_to, regions=("Тверская область",))
    tiles = {t.key: t for t in service.headline(session, dept.head, by_region, NOW)}
    assert (tiles["new_cases"].value, tiles["moves"].value, tiles["open_cases"].value) == (1, 1, 1)

    by_person = KpiFilters(PERIOD.date_from, PERIOD.date_to, responsible_ids=(dept.lawyer.id,))
    work = service.kpi(session, dept.head, "workload", by_person, NOW)
    assert list(work.frame["employee"]) == ["Boris Lawyer"]

    by_stage = KpiFilters(PERIOD.date_from, PERIOD.date_to, stages=("claim_mailed",))
    aging = service.kpi(session, dept.head, "aging", by_stage, NOW)
    assert list(aging.frame["stage"]) == ["claim_mailed"]
    assert aging.search == {"stages": "claim_mailed", "over_sla": "1"}


def test_clerk_is_refused(session: Session, dept: Department) -> None:
    with pytest.raises(PermissionDenied):
        service.dashboard(session, dept.clerk, PERIOD, NOW)
    with pytest.raises(PermissionDenied):
        service.filter_options(session, dept.clerk)


def test_empty_database_says_no_data_yet_for_every_kpi(session: Session) -> None:
    head = staff(session, "head", "Helen Head")
    session.commit()
    board = service.dashboard(session, head, PERIOD, NOW)
    assert all(
        (r.empty and r.message.startswith("No data yet")) or r.message.startswith("No overdue")
        for r in board.kpis.values()
    )
    assert {t.key: t.value for t in board.tiles}["new_cases"] == 0


def test_results_are_cached_per_filter_set(session: Session, dept: Department) -> None:
    first = service.kpi(session, dept.head, "funnel", PERIOD, NOW)
    dept.cases["c3"].stage = "claim_prepared"
    session.commit()
    assert service.kpi(session, dept.head, "funnel", PERIOD, NOW) is first
    other = KpiFilters(PERIOD.date_from, PERIOD.date_to, creditor_ids=(dept.c1.id,))
    assert {s: n for s, n in rows(service.kpi(session, dept.head, "funnel", other, NOW), "stage", "cases") if n}[
        "claim_prepared"
    ] == 1
    service.clear_cache()
    fresh = service.kpi(session, dept.head, "funnel", PERIOD, NOW)
    assert fresh.frame.set_index("stage").loc["claim_prepared", "cases"] == 1


def test_filter_options_list_what_heads_can_pick(session: Session, dept: Department) -> None:
    opts = service.filter_options(session, dept.head)
    assert set(opts.creditors.values()) >= {"Creditor One", "Creditor Two"}
    assert opts.regions == sorted(["Москва", "Тверская область"])
    assert set(opts.users.values()) == {"Anna Clerk", "Boris Lawyer", "Helen Head"}


def test_bad_filters_are_explained_in_the_users_language() -> None:
    with use_language("ru"), pytest.raises(ValidationFailed) as err:
        KpiFilters(dt.date(2026, 6, 10), dt.date(2026, 6, 1), stages=("nowhere",), granularity="hourly")
    problems = str(err.value.problems)
    assert "поменяйте даты местами" in problems and "nowhere" in problems and "hourly" in problems
    with use_language("en"), pytest.raises(ValidationFailed) as err:
        KpiFilters(dt.date(2026, 6, 10), dt.date(2026, 6, 1))
    assert "swap the dates" in str(err.value.problems)

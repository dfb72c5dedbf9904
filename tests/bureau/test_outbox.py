"""Bureau events are created in the transaction of the change, with the right due dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bureau.events import due_date_for, statutory_date_for
from core.bureau.models import PENDING, BureauEvent
from core.cases.service import transition_cases
from core.events import publish
from tests.bureau.conftest import post_payment
from tests.factories import make_case, make_user

MSK = ZoneInfo("Europe/Moscow")


def _events(session: Session) -> list[BureauEvent]:
    return list(session.scalars(select(BureauEvent).order_by(BureauEvent.id)))


def test_court_order_creates_a_court_event_and_a_rollback_leaves_none(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_delivered")
    session.commit()

    data = {"act_number": "2-1234/2026", "act_date": "10.11.2026", "awarded_amount": "45 300,50"}
    transition_cases(session, clerk, [case.id], "issue_order", data, source="manual")
    session.rollback()
    assert _events(session) == []

    transition_cases(session, clerk, [case.id], "issue_order", data, source="manual")
    session.commit()
    [event] = _events(session)
    assert event.event_code == "2.6"
    assert event.status == PENDING
    assert event.case_id == case.id
    assert event.payload["court_event"] == "order_issued"
    assert event.payload["act_number"] == "2-1234/2026"
    assert event.payload["act_date"] == "2026-11-10"
    assert Decimal(event.payload["awarded_amount"]) == Decimal("45300.50")
    assert event.occurred_on == dt.date(2026, 11, 10)


def test_payment_published_by_the_ledger_is_a_2_3_event_only_if_committed(session: Session) -> None:
    case = make_case(session, stage="enforcement")
    session.commit()
    post_payment(session, case, "2500.00")
    session.rollback()
    assert _events(session) == []
    post_payment(session, case, "2500.00")
    session.commit()
    [event] = _events(session)
    assert (event.event_code, event.kind) == ("2.3", "payment")
    assert Decimal(event.payload["amount"]) == Decimal("2500.00")


@pytest.mark.parametrize(
    ("recorded", "due"),
    [
        (dt.date(2025, 12, 30), dt.date(2026, 1, 12)),  # Dec 31 and Jan 1-9 are days off, then a weekend
        (dt.date(2026, 4, 30), dt.date(2026, 5, 4)),  # May 1 holiday, then a weekend
        (dt.date(2026, 5, 8), dt.date(2026, 5, 12)),  # weekend, then Victory Day observed on Monday May 11
        (dt.date(2026, 11, 27), dt.date(2026, 11, 30)),  # Friday -> Monday
        (dt.date(2026, 11, 3), dt.date(2026, 11, 5)),  # Unity Day on Wednesday Nov 4
        (dt.date(2026, 11, 24), dt.date(2026, 11, 25)),  # an ordinary Tuesday
    ],
)
def test_due_date_is_the_next_business_day_of_the_russian_calendar(recorded: dt.date, due: dt.date) -> None:
    assert due_date_for(recorded) == due


def test_statutory_deadline_counts_business_days_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert statutory_date_for(dt.date(2025, 12, 30)) == dt.date(2026, 1, 16)
    monkeypatch.setenv("CESSIO_BUREAU_STATUTORY_DAYS", "3")
    from core.config import reset_settings_cache

    reset_settings_cache()
    assert statutory_date_for(dt.date(2025, 12, 30)) == dt.date(2026, 1, 14)


def test_a_move_on_new_years_eve_is_due_after_the_holidays(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_prepared")
    session.commit()
    at = dt.datetime(2025, 12, 30, 18, 0, tzinfo=MSK).astimezone(dt.UTC)
    transition_cases(session, clerk, [case.id], "mail_claim", {"tracking_number": "80085012345673"}, at=at)
    session.commit()
    [event] = _events(session)
    assert event.payload["court_event"] == "application_filed"
    assert event.occurred_on == dt.date(2025, 12, 30)
    assert event.due_date == dt.date(2026, 1, 12)
    assert event.statutory_date == dt.date(2026, 1, 16)


def test_late_evening_utc_counts_in_moscow_time(session: Session) -> None:
    """22:30 UTC on Friday is already Saturday in Moscow: due on Tuesday, not Monday."""
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_prepared")
    session.commit()
    at = dt.datetime(2026, 11, 27, 22, 30, tzinfo=dt.UTC)  # Sat 01:30 in Moscow
    transition_cases(session, clerk, [case.id], "mail_claim", {"tracking_number": "80085012345673"}, at=at)
    session.commit()
    [event] = _events(session)
    assert event.occurred_on == dt.date(2026, 11, 28)
    assert event.due_date == dt.date(2026, 11, 30)


def test_bulk_move_reports_every_case_once(session: Session) -> None:
    clerk = make_user(session, "clerk")
    cases = [make_case(session, stage="order_issued") for _ in range(5)]
    session.commit()
    report = transition_cases(session, clerk, [c.id for c in cases], "order_in_force", {"in_force_date": "01.11.2026"})
    session.commit()
    assert len(report.moved) == 5
    events = _events(session)
    assert sorted(e.case_id for e in events) == sorted(c.id for c in cases)
    assert all(e.payload["in_force"] is True and e.occurred_on == dt.date(2026, 11, 1) for e in events)


def test_moves_the_bureau_does_not_hear_about_make_no_event(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="new")
    session.commit()
    transition_cases(session, clerk, [case.id], "prepare_claim")
    session.commit()
    assert _events(session) == []


def test_repayment_is_reported_once_whoever_reports_it(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="enforcement")
    session.commit()
    publish(session, None, "debt.repaid", [{"case_id": case.id, "effective_date": dt.date(2026, 11, 20)}])
    transition_cases(session, clerk, [case.id], "mark_repaid", source="manual")
    session.commit()
    [event] = _events(session)
    assert (event.event_code, event.kind) == ("2.5", "repaid")
    assert event.occurred_on == dt.date(2026, 11, 20)


def test_write_off_is_a_termination_with_its_reason(session: Session) -> None:
    head = make_user(session, "head")
    case = make_case(session, stage="enforcement")
    session.commit()
    transition_cases(session, head, [case.id], "write_off", {"reason": "Debtor declared bankrupt"}, source="manual")
    session.commit()
    [event] = _events(session)
    assert (event.event_code, event.kind) == ("2.5", "written_off")
    assert event.payload["reason"] == "Debtor declared bankrupt"


def test_debtor_change_and_acquisition(session: Session) -> None:
    case = make_case(session, stage="new")
    session.commit()
    publish(
        session, None, "debtor.changed", [{"debtor_id": case.debtor_id, "case_ids": [case.id], "fields": ["passport"]}]
    )
    publish(session, None, "claim.acquired", [{"case_id": case.id, "agreement_id": case.agreement_id}])
    session.commit()
    changed, acquired = _events(session)
    assert (changed.event_code, changed.payload["fields"]) == ("1.9", ["passport"])
    assert acquired.event_code == "2.11"
    assert acquired.payload["agreement_number"].startswith("Ц-")
    assert acquired.payload["agreement_date"] == "2024-01-15"
    assert acquired.occurred_on == dt.date(2024, 1, 15)
    assert acquired.payload["assignee_name"].startswith("ООО ПКО Цессио")

    other = make_case(session, stage="new")
    session.commit()
    publish(
        session, None, "debtor.changed", [{"debtor_id": other.debtor_id, "fields": ["address"], "source": "import"}]
    )
    session.commit()
    last = _events(session)[-1]
    assert (last.case_id, last.event_code, last.source) == (other.id, "1.9", "import")

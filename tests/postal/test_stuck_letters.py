"""The way out for a letter the post never knows (issue #20 item 3), on SQLite and PostgreSQL:
a bounded number of failed daily polls, then "needs attention" and no more requests; resuming
(with a corrected number) and stopping with a reason, each written exactly once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.audit.models import AuditLog
from core.auth.models import User
from core.cases.models import Case, CaseEvent
from core.cases.service import transition_cases
from core.config import reset_settings_cache
from core.db import session_scope
from core.errors import ValidationFailed
from core.postal.client import PostalClient
from core.postal.models import Shipment
from core.postal.polling import run_cycle
from core.postal.sandbox import PostalSandbox
from core.postal.service import list_shipments, refresh_shipment, resume_tracking, stop_tracking
from tests.factories import make_case, make_user
from tests.postal.conftest import tracking_for
from tests.postal.test_cycle import mail_cases, shipment, stage_of

DAY = dt.timedelta(days=1)
START = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1)


@pytest.fixture
def three_polls(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("CESSIO_POSTAL_MAX_FAILED_POLLS", "3")
    reset_settings_cache()
    return 3


def audits(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0


def stop_notes(session: Session, case_id: int) -> list[str]:
    session.expire_all()
    return [
        e.comment or ""
        for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "mail"))
    ]


def stuck(session: Session, client: PostalClient, polls: int) -> tuple[str, str, dict[str, int]]:
    """A letter the post never knows (error 12) and one it delivers, after ``polls`` daily cycles."""
    unknown, good = tracking_for(7, seq=1), tracking_for(3, seq=2)  # "unknown" and "in transit"
    cases = mail_cases(session, [unknown, good])
    for day in range(polls):
        run_cycle(client, START + day * DAY)
    return unknown, good, cases


def test_the_default_bound_is_a_week_of_daily_polls() -> None:
    from core.config import get_settings

    assert get_settings().postal_max_failed_polls == 7


def test_failed_polls_lead_to_needs_attention_and_no_more_requests(
    session: Session, client: PostalClient, sandbox: PostalSandbox, three_polls: int
) -> None:
    unknown, good, cases = stuck(session, client, three_polls - 1)
    letter = shipment(session, unknown)
    assert letter.status == "registered" and letter.failed_polls == 2 and letter.last_error.startswith("12:")
    # a clerk's "Refresh this letter now" is not a daily poll: it does not count
    with session_scope() as s:
        refresh_shipment(s, make_user(s, "clerk"), letter.id, client)
    assert shipment(session, unknown).failed_polls == 2

    last = run_cycle(client, START + (three_polls - 1) * DAY)
    assert last.applied.attention == 1 and "1 letter(s) need attention" in last.summary()
    letter = shipment(session, unknown)
    assert letter.status == "attention" and letter.attention_reason.startswith("12:")
    assert letter.ticket_id is None and letter.attention_at is not None
    assert audits(session, "shipment.attention") == 1
    assert shipment(session, good).status == "in_transit" and shipment(session, good).failed_polls == 0

    asked_before = dict(sandbox.state.requests)
    later = run_cycle(client, START + three_polls * DAY)
    assert later.items_asked == 1  # only the letter in transit; the stuck one is not asked about
    assert shipment(session, unknown).status == "attention"
    assert audits(session, "shipment.attention") == 1
    assert sandbox.state.requests != asked_before  # the cycle did ask, just not for it
    rows, total = list_shipments(session, make_user(session, "clerk"), "attention")
    assert total == 1 and rows[0].tracking_number == unknown and rows[0].status_label == "Needs attention"
    assert stage_of(session, cases[unknown]) == "claim_mailed"  # the case is not moved by any of it


def test_a_good_answer_in_between_starts_the_count_again(
    session: Session, client: PostalClient, sandbox: PostalSandbox, three_polls: int
) -> None:
    unknown, _good, _cases = stuck(session, client, 2)
    letter = shipment(session, unknown)
    assert letter.failed_polls == 2
    corrected = tracking_for(3, seq=9)  # the post knows this one (in transit)
    sandbox.state.requests.clear()
    with session_scope() as s:  # a clerk corrects the number of a letter still polled: by hand here
        s.get(Shipment, letter.id).tracking_number = corrected
    run_cycle(client, START + 2 * DAY)
    letter = shipment(session, corrected)
    assert letter.status == "in_transit" and letter.failed_polls == 0 and letter.last_error is None


def test_resume_puts_the_letter_back_with_a_corrected_number(
    session: Session, client: PostalClient, three_polls: int
) -> None:
    unknown, _good, cases = stuck(session, client, three_polls)
    letter = shipment(session, unknown)
    assert letter.status == "attention"
    clerk = make_user(session, "clerk")
    session.commit()
    with session_scope() as s, pytest.raises(ValidationFailed) as bad:
        resume_tracking(s, clerk, letter.id, "RA12345678RU")
    assert "Tracking was not resumed" in str(bad.value) and bad.value.problems
    assert shipment(session, unknown).status == "attention"  # nothing lost by the bad number

    corrected = tracking_for(0, seq=5)  # delivered in the sandbox
    with session_scope() as s:
        assert resume_tracking(s, clerk, letter.id, f" {corrected} ") == corrected
    letter = shipment(session, corrected)
    assert letter.status == "registered" and letter.failed_polls == 0 and letter.attention_reason is None
    assert audits(session, "shipment.resume") == 1
    with session_scope() as s, pytest.raises(ValidationFailed):
        resume_tracking(s, clerk, letter.id)  # no longer waiting: a second press changes nothing
    assert audits(session, "shipment.resume") == 1

    report = run_cycle(client, START + three_polls * DAY)
    assert report.items_asked == 2 and report.applied.cases_moved == 1
    assert shipment(session, corrected).status == "delivered"
    assert stage_of(session, cases[unknown]) == "claim_delivered"


def test_stop_tracking_writes_one_note_and_one_audit_row_when_pressed_twice(
    session: Session, client: PostalClient, three_polls: int
) -> None:
    unknown, _good, cases = stuck(session, client, three_polls)
    letter_id = shipment(session, unknown).id
    clerk = make_user(session, "clerk")
    session.commit()
    with session_scope() as s, pytest.raises(ValidationFailed):
        stop_tracking(s, clerk, letter_id, "   ")
    assert shipment(session, unknown).status == "attention"
    with session_scope() as s:
        assert stop_tracking(s, clerk, letter_id, "утеряно почтой") is True
    with session_scope() as s:
        assert stop_tracking(s, clerk, letter_id, "утеряно почтой") is False
    letter = shipment(session, unknown)
    assert letter.status == "stopped" and letter.stopped_reason == "утеряно почтой"
    notes = [n for n in stop_notes(session, cases[unknown]) if "stopped" in n]
    assert notes == [f"Tracking of letter {unknown} stopped: утеряно почтой"]
    assert audits(session, "shipment.stop") == 1
    assert run_cycle(client, START + three_polls * DAY).items_asked == 1  # never asked again


def test_stop_tracking_called_twice_at_once_writes_once(
    engine: Engine, session: Session, client: PostalClient, three_polls: int
) -> None:
    unknown, _good, cases = stuck(session, client, three_polls)
    letter_id = shipment(session, unknown).id
    clerk = make_user(session, "clerk")
    session.commit()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def press() -> None:
        barrier.wait()
        try:
            with session_scope(engine) as s:
                results.append(stop_tracking(s, clerk, letter_id, "lost by the post"))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results, key=str) == [False, True]
    assert len([n for n in stop_notes(session, cases[unknown]) if "stopped" in n]) == 1
    assert audits(session, "shipment.stop") == 1


# ---------------------------------------------------------------- the pages


@pytest.fixture
def stuck_app(app_db: Session, sandbox: PostalSandbox, postal_settings: None, three_polls: int) -> Session:
    return app_db


def _stuck_letter(db: Session) -> tuple[User, Case, str]:
    clerk = make_user(db, "clerk")
    case = make_case(db, stage="claim_prepared")
    db.commit()
    number = tracking_for(7)
    transition_cases(db, clerk, [case.id], "mail_claim", {"tracking_number": number}, source="manual")
    db.commit()
    with PostalSandbox() as other:
        with PostalClient(other.batch_url, other.single_url, "demo", "demo") as c:
            for day in range(3):
                run_cycle(c, START + day * DAY)
    return clerk, case, number


def test_mail_page_shows_the_stuck_letter_and_stops_it(
    stuck_app: Session, open_as: Callable[[User, str], AppTest]
) -> None:
    clerk, case, number = _stuck_letter(stuck_app)
    at = open_as(clerk, "pages/mail.py")
    assert not at.exception
    assert any("1 letter needs attention" in w.value for w in at.warning)
    at.segmented_control(key="mail.filter").set_value("attention").run()
    assert list(at.dataframe[0].value["Tracking number"]) == [number]
    assert number in at.expander[0].label and case.number in at.expander[0].label
    assert any("Reason: 12:" in w.value for w in at.warning)
    at.button(key=f"mail.attention.stop.{_id(stuck_app, number)}").click().run()
    assert any("Tracking was not stopped" in e.value for e in at.error)  # no reason given
    at.text_input(key=f"mail.attention.reason.{_id(stuck_app, number)}").set_value("lost by the post")
    at.button(key=f"mail.attention.stop.{_id(stuck_app, number)}").click().run()
    assert not at.exception
    assert any(f"Tracking of {number} stopped" in s.value for s in at.success)
    stuck_app.expire_all()
    assert stuck_app.scalar(select(Shipment.status).where(Shipment.tracking_number == number)) == "stopped"
    assert audits(stuck_app, "shipment.stop") == 1


def test_case_mail_tab_resumes_the_stuck_letter(stuck_app: Session, open_as: Callable[[User, str], AppTest]) -> None:
    clerk, case, number = _stuck_letter(stuck_app)
    at = open_as(clerk, "pages/search.py")
    at.query_params["case"] = case.number
    at.switch_page("pages/case.py").run()
    assert not at.exception
    assert any("1 letter of this case needs attention" in w.value for w in at.warning)
    assert any(f"{number} · Needs attention" in e.label for e in at.expander)
    sid = _id(stuck_app, number)
    corrected = tracking_for(3, seq=4)
    at.text_input(key=f"card.mail.{case.id}.number.{sid}").set_value(corrected)
    at.button(key=f"card.mail.{case.id}.resume.{sid}").click().run()
    assert not at.exception
    assert any(f"Tracking of {corrected} resumed" in s.value for s in at.success)
    stuck_app.expire_all()
    letter = stuck_app.get(Shipment, sid)
    assert letter.tracking_number == corrected and letter.status == "registered"
    assert audits(stuck_app, "shipment.resume") == 1


def _id(db: Session, number: str) -> int:
    db.expire_all()
    return int(db.scalar(select(Shipment.id).where(Shipment.tracking_number == number)))

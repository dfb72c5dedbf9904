"""The Credit bureau page and the case card's bureau tab, run in-process with AppTest."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.auth.models import User
from core.bureau.models import HELD, BureauEvent
from tests.app.conftest import _navigation_only, app_db, signed_in  # noqa: F401 - fixtures shared with the app tests
from tests.bureau.conftest import post_payment
from tests.factories import make_case, make_user


def _overdue_and_held(session: Session) -> tuple[User, User, int]:
    head = make_user(session, "head")
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="enforcement", last_name="Бурова")
    session.commit()
    post_payment(session, case, "700.00", days_ago=9)
    session.commit()
    event = session.query(BureauEvent).one()
    event.status = HELD
    event.hold_reason = "Passport '45 10' must be a 4-digit series and a 6-digit number"
    session.commit()
    return head, clerk, case.id


def test_head_sees_compliance_overdue_in_red_and_the_held_reason(app_db: Session) -> None:  # noqa: F811
    head, _, _ = _overdue_and_held(app_db)
    at = signed_in(head).run()
    at.switch_page("pages/bureau.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overdue"] == "1"
    assert metrics["Acknowledged by the due date"] == "0.0 %"
    assert any(":red[**1 event is overdue, 1 past the legal deadline**.]" in m.value for m in at.markdown)
    frame = at.dataframe[0].value
    table = frame.data if hasattr(frame, "data") else frame
    row = table.iloc[0]
    assert row["Debtor"].startswith("Бурова") and "Passport '45 10'" in row["Problem"] and row["Late"]
    assert {b.label for b in at.button} >= {"Send due events now", "Check acknowledgements", "Send again (0)"}


def test_clerk_sees_the_queue_but_no_sending_buttons(app_db: Session) -> None:  # noqa: F811
    _, clerk, _ = _overdue_and_held(app_db)
    at = signed_in(clerk).run()
    at.switch_page("pages/bureau.py").run()
    assert not at.exception
    labels = {b.label for b in at.button}
    assert "Send due events now" not in labels and not any(label.startswith("Send again") for label in labels)


def test_case_card_lists_the_cases_bureau_reports(app_db: Session) -> None:  # noqa: F811
    head, _, case_id = _overdue_and_held(app_db)
    from core.cases.service import format_case_number

    at = signed_in(head)
    at.query_params["case"] = format_case_number(case_id)
    at.run()
    assert not at.exception
    assert "Credit bureau" in [t.label for t in at.tabs]
    tables = [d.value for d in at.dataframe]
    frames = [t.data if hasattr(t, "data") else t for t in tables]
    bureau = next(f for f in frames if "Event" in f.columns and "Due" in f.columns)
    assert bureau.iloc[0]["Event"].startswith("2.3 Payment") and bool(bureau.iloc[0]["Late"])
    assert any("1 report late" in m.value for m in at.markdown)


def test_a_file_that_needs_attention_shows_its_reason_on_both_tabs(app_db: Session) -> None:  # noqa: F811
    from core.bureau.models import ATTENTION, SENDING, BureauSubmission

    head, _, _ = _overdue_and_held(app_db)
    sub = BureauSubmission(
        idempotency_key="k-stuck",
        report_date=app_db.query(BureauEvent).one().due_date,
        file_name="RUTDF_7700000000_20261130_000001.txt",
        file_sha256="0" * 64,
        content=b"x",
        record_count=1,
        status=ATTENTION,
        receipt_id="R-lost",
        last_error="The bureau's answer could not be had 5 times running; last problem: HTTP 404 unknown receipt.",
    )
    app_db.add(sub)
    app_db.flush()
    event = app_db.query(BureauEvent).one()
    event.status, event.submission_id, event.hold_reason = SENDING, sub.id, None
    app_db.commit()
    at = signed_in(head).run()
    at.switch_page("pages/bureau.py").run()
    assert not at.exception
    events = at.dataframe[0].value
    row = (events.data if hasattr(events, "data") else events).iloc[0]
    assert "unknown receipt" in row["Problem"]
    subs = at.dataframe[1].value
    assert list((subs.data if hasattr(subs, "data") else subs)["Status"]) == ["needs attention"]

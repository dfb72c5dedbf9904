"""The Credit bureau page and the case card's bureau tab, run in-process with AppTest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.bureau.models import HELD, BureauEvent
from core.config import PROJECT_ROOT, reset_settings_cache
from tests.bureau.conftest import post_payment
from tests.factories import make_case, make_user
from ui.context import SignedInUser

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def app_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.setenv("CESSIO_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    reset_settings_cache()
    st.cache_resource.clear()
    s = sessionmaker(bind=sqlite_engine, expire_on_commit=False)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()
        st.cache_resource.clear()


def _as(user: User) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = SignedInUser(user.id, user.username, user.full_name, user.role)
    return at


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


def test_head_sees_compliance_overdue_in_red_and_the_held_reason(app_db: Session) -> None:
    head, _, _ = _overdue_and_held(app_db)
    at = _as(head).run()
    at.switch_page("pages/bureau.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overdue"] == "1"
    assert metrics["Acknowledged by the due date"] == "0.0 %"
    assert any(":red[**1 event(s) are overdue**" in m.value for m in at.markdown)
    frame = at.dataframe[0].value
    table = frame.data if hasattr(frame, "data") else frame
    row = table.iloc[0]
    assert row["Debtor"].startswith("Бурова") and "Passport '45 10'" in row["Problem"] and row["Late"]
    assert {b.label for b in at.button} >= {"Send due events now", "Check acknowledgements", "Send again (0)"}


def test_clerk_sees_the_queue_but_no_sending_buttons(app_db: Session) -> None:
    _, clerk, _ = _overdue_and_held(app_db)
    at = _as(clerk).run()
    at.switch_page("pages/bureau.py").run()
    assert not at.exception
    labels = {b.label for b in at.button}
    assert "Send due events now" not in labels and not any(label.startswith("Send again") for label in labels)


def test_case_card_lists_the_cases_bureau_reports(app_db: Session) -> None:
    head, _, case_id = _overdue_and_held(app_db)
    from core.cases.service import format_case_number

    at = _as(head)
    at.query_params["case"] = format_case_number(case_id)
    at.run()
    assert not at.exception
    assert "Credit bureau" in [t.label for t in at.tabs]
    tables = [d.value for d in at.dataframe]
    frames = [t.data if hasattr(t, "data") else t for t in tables]
    bureau = next(f for f in frames if "Event" in f.columns and "Due" in f.columns)
    assert bureau.iloc[0]["Event"].startswith("2.3 Payment") and bool(bureau.iloc[0]["Late"])
    assert any("1 report(s) late" in m.value for m in at.markdown)

"""The jobs-process entry of the postal cycle (``jobs/postal_poll.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from core.cases.service import transition_cases
from core.postal.sandbox import PostalSandbox
from jobs import postal_poll
from tests.factories import make_case, make_user
from tests.postal.conftest import tracking_for


def test_job_runs_a_cycle_with_the_configured_client(
    session: Session, sandbox: PostalSandbox, postal_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_prepared")
    session.commit()
    transition_cases(session, clerk, [case.id], "mail_claim", {"tracking_number": tracking_for(0)}, source="manual")
    session.commit()
    # the daily ticket time has just passed
    now_local = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=3)))
    monkeypatch.setenv("CESSIO_POSTAL_POLL_TIME", f"{(now_local + dt.timedelta(minutes=-1)):%H:%M}")
    monkeypatch.setattr("core.postal.polling.utcnow", lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    from core.config import reset_settings_cache

    reset_settings_cache()
    summary = postal_poll.run()
    assert "1 tickets for 1 items" in summary and "1 delivered (1 cases moved)" in summary
    assert postal_poll.JOB.every_seconds and postal_poll.JOB.name == "postal_poll"


def test_job_with_the_post_refusing_everything_fails_loudly(
    session: Session, sandbox: PostalSandbox, postal_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(session, "clerk")
    case = make_case(session, stage="claim_mailed")
    session.commit()
    from core.postal.service import create_shipment

    create_shipment(session, make_user(session, "clerk"), tracking_for(0), [case.number])
    session.commit()
    sandbox.state.password = "changed"
    monkeypatch.setattr("core.postal.polling.utcnow", lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1))
    with pytest.raises(postal_poll.PostalJobError, match="error 3"):
        postal_poll.run()

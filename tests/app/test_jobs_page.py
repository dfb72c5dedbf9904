"""The background jobs page shows each job's last run, result, error and next run."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.jobstate.models import JobState
from tests.app.conftest import signed_in
from tests.factories import make_user


def test_jobs_page_lists_last_run_result_and_error(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    at_time = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
    app_db.add_all(
        [
            JobState(
                name="postal_poll",
                last_started_at=at_time,
                last_finished_at=at_time + dt.timedelta(minutes=2),
                last_status="ok",
                last_result="120 letters tracked",
                next_run_at=at_time + dt.timedelta(days=1),
                run_count=3,
            ),
            JobState(
                name="bureau_submit",
                last_started_at=at_time,
                last_finished_at=at_time,
                last_status="error",
                last_error="ConnectError: the bureau gateway did not answer",
                run_count=1,
            ),
        ]
    )
    app_db.commit()
    at = signed_in(clerk).run()
    at.switch_page("pages/jobs.py").run()
    assert not at.exception
    rows = {r["Job"]: r for r in at.dataframe[0].value.to_dict("records")}
    assert rows["postal_poll"]["Result"] == "120 letters tracked"
    assert rows["postal_poll"]["Last finished"] == "02.03.2026 09:02"  # shown in Moscow time
    assert rows["bureau_submit"]["Status"] == "❌ error"
    assert [c.value for c in at.code] == ["ConnectError: the bureau gateway did not answer"]

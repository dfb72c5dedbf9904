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
    postal = rows["Postal tracking (postal_poll)"]  # the job's title, then its code
    assert postal["Result"] == "120 letters tracked"
    assert postal["Last finished"] == "02.03.2026 09:02"  # shown in Moscow time
    assert rows["Credit bureau submission (bureau_submit)"]["Status"] == "❌ error"
    assert [c.value for c in at.code] == ["ConnectError: the bureau gateway did not answer"]


def test_jobs_page_lists_everyones_queued_work(app_db: Session) -> None:
    from core.tasks.models import FAILED, QUEUED, QueuedTask

    clerk = make_user(app_db, "clerk", full_name="Мария Клерк")
    head = make_user(app_db, "head", full_name="Ольга Глава")
    now = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
    app_db.add_all(
        [
            QueuedTask(
                kind="print_package",
                title="Print package: 12 cases",
                params={},
                status=QUEUED,
                created_by_id=clerk.id,
                created_at=now,
                attempts=0,
                progress_share=0.0,
            ),
            QueuedTask(
                kind="import_run",
                title="Import legacy.xlsx",
                params={},
                status=FAILED,
                created_by_id=head.id,
                created_at=now,
                finished_at=now,
                attempts=1,
                progress_share=0.0,
                error="Row 5: the date 31.02.2024 does not exist.",
            ),
        ]
    )
    app_db.commit()
    at = signed_in(clerk).run()
    at.switch_page("pages/jobs.py").run()
    assert not at.exception
    rows = {r["Work"]: r for r in at.dataframe[-1].value.to_dict("records")}
    assert rows["Print package: 12 cases"]["Queued by"] == "Мария Клерк"
    assert rows["Print package: 12 cases"]["Status"] == "⏳ queued"
    assert rows["Import legacy.xlsx"]["Problem"] == "Row 5: the date 31.02.2024 does not exist."

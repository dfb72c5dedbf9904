"""Issue #20, items 1 and 6: the bureau acknowledgement is applied exactly once, however the job,
a second jobs process and a head's "Send due events now" / "Check acknowledgements" overlap.

Before the fix, ``apply_acknowledgement`` checked that the file was still "uploaded" without a
lock and every pass wrote its own timeline notes and audit rows: job + page made 48-56
"Credit bureau rejected" notes for 29 rejections. The first test reproduces that with threads
(it fails on the old code: every file's answer is applied by several of them); the others with
real processes, with and without the lease.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.bureau.client import BureauClient
from core.bureau.models import SENDING, UPLOADED, BureauEvent, BureauSubmission
from core.bureau.sandbox import BureauSandbox, Scenario, named_scenario
from core.bureau.service import poll_acknowledgements, run_submissions
from core.jobstate.models import JobState
from tests.bureau.conftest import portfolio, post_payment
from tests.factories import make_user
from tests.reliability.checks import bureau_exactly_once
from tests.reliability.conftest import Procs, wait_for

EVENTS = 90


def due_events(session: Session, count: int = EVENTS) -> None:
    cases = portfolio(session, count, stage="enforcement")
    session.commit()
    for case in cases:
        post_payment(session, case, days_ago=3)
    session.commit()


def test_threads_polling_the_same_answers_apply_each_once(
    pg_session: Session, pg_engine: Engine, bureau_gateway: BureauSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.bureau.service.BATCH", 6)  # 15 files of 6 records
    due_events(pg_session)
    scenario = named_scenario("reject_some")
    scenario.ack_after_polls = 1  # the sending pass hears "processing"; the pollers get the answer
    bureau_gateway.set_scenario(scenario)
    client = BureauClient(bureau_gateway.url, "bureau-user", "s3cret-pass", timeout=10, attempts=2, backoff=0)
    sent = run_submissions(client, engine=pg_engine)
    assert sent.files == 15 and sent.records == EVENTS and sent.accepted == 0 and sent.waiting == 15

    barrier = threading.Barrier(4)
    totals: list[tuple[int, int]] = []

    def poller() -> None:
        barrier.wait()
        summary = poll_acknowledgements(client, engine=pg_engine)
        totals.append((summary.accepted, summary.rejected))

    threads = [threading.Thread(target=poller) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    outcome = bureau_exactly_once(pg_session, bureau_gateway, EVENTS)
    assert outcome["rejected"] > 0
    # the summaries together count each answer once: what the pollers changed, not what they read
    assert (sum(a for a, _ in totals), sum(r for _, r in totals)) == (outcome["accepted"], outcome["rejected"])


def test_two_jobs_processes_without_the_lease_and_a_poller(
    pg_session: Session, procs: Procs, bureau_gateway: BureauSandbox
) -> None:
    due_events(pg_session)
    bureau_gateway.set_scenario(named_scenario("reject_some"))
    results = procs.together(
        ("bureau-pass",),
        ("bureau-pass",),
        ("bureau-acks",),
        extra_env={"RELIABILITY_BUREAU_BATCH": "4", "RELIABILITY_ACK_WAIT": "6"},
    )
    outcome = bureau_exactly_once(pg_session, bureau_gateway, EVENTS, same_key_uploads=True)
    assert outcome["rejected"] > 0
    assert sum(r["accepted"] for r in results) == outcome["accepted"]
    assert sum(r["rejected"] for r in results) == outcome["rejected"]


def test_the_job_and_a_heads_send_now_with_the_default_lease(
    pg_session: Session, procs: Procs, bureau_gateway: BureauSandbox, pg_engine: Engine
) -> None:
    """The reproduction of the issue: ``jobs once bureau_submit`` and, within a second, the page's
    send-now as a head. The page takes the job's lease: it runs before or after the job, or is
    told the job is at it; never beside it."""
    make_user(pg_session, "head", username="head-of-dept")
    pg_session.commit()
    due_events(pg_session)
    bureau_gateway.set_scenario(named_scenario("reject_some"))
    with pg_engine.begin() as conn:  # the daily job is due now (as after downtime)
        conn.execute(
            JobState.__table__.insert().values(name="bureau_submit", run_count=0, next_run_at=dt.datetime.now(dt.UTC))
        )
    job = procs.start("runner", "bureau_submit", extra_env={"RELIABILITY_BUREAU_BATCH": "4"})
    # the job takes its lease as soon as its process is up; the head clicks within a second
    wait_for(lambda: _lease_taken(pg_engine), 60, "the job started")
    page = procs.together(("bureau-send-now", "head-of-dept"), extra_env={"RELIABILITY_BUREAU_BATCH": "4"})[0]
    try:

        def answered() -> bool:
            pg_session.expire_all()
            return not pg_session.scalar(select(BureauEvent.id).where(BureauEvent.status.in_(("pending", SENDING))))

        wait_for(answered, 120, "every event answered")
    finally:
        procs.kill9(job)
    outcome = bureau_exactly_once(pg_session, bureau_gateway, EVENTS)
    assert outcome["rejected"] > 0
    if page["returncode"] == 3:
        assert "running right now" in page["refused"]


def _lease_taken(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(select(JobState.lease_owner).where(JobState.name == "bureau_submit")).scalar())


def test_a_file_whose_receipt_the_gateway_forgot_needs_attention_and_can_be_sent_again(
    pg_session: Session, pg_engine: Engine, bureau_gateway: BureauSandbox
) -> None:
    """Item 3: "unknown receipt" on every poll no longer keeps a file "uploaded" forever."""
    from core.bureau.models import ATTENTION, MAX_ACK_FAILURES, PENDING
    from core.bureau.service import list_events, resend_submission, send_again

    head = make_user(pg_session, "head")
    pg_session.commit()
    due_events(pg_session, 3)
    bureau_gateway.set_scenario(Scenario(ack_after_polls=1))
    client = BureauClient(bureau_gateway.url, "bureau-user", "s3cret-pass", timeout=5, attempts=1, backoff=0)
    run_submissions(client, engine=pg_engine)
    with pg_engine.begin() as conn:  # the gateway lost it: every poll answers 404
        conn.execute(update(BureauSubmission).values(receipt_id="R-UNKNOWN"))
    for _run in range(MAX_ACK_FAILURES):
        summary = run_submissions(client, engine=pg_engine, ack_wait_seconds=30)
        assert summary.waiting == 0  # a failing file is not waited for (was: 60 s each run)
    assert summary.attention == 1
    pg_session.expire_all()
    sub = pg_session.scalars(select(BureauSubmission)).one()
    assert sub.status == ATTENTION and "404" in (sub.last_error or "")
    rows, _ = list_events(pg_session, head, "all")
    assert all(r.stuck and r.problem for r in rows)

    # "Upload again with the same key": the gateway keeps one copy; the answer comes
    assert resend_submission(head, client, sub.id, pg_engine)
    pg_session.expire_all()
    assert pg_session.get(BureauSubmission, sub.id).status == UPLOADED
    assert set(bureau_gateway.state.snapshot()["uploads"].values()) == {1}

    # and "Send again" takes events out of a stuck file
    with pg_engine.begin() as conn:
        conn.execute(update(BureauSubmission).values(status=ATTENTION))
    ids = [r.id for r in rows]
    outcomes = send_again(pg_session, head, ids)
    pg_session.commit()
    assert all(o.queued for o in outcomes)
    pg_session.expire_all()
    assert set(pg_session.scalars(select(BureauEvent.status))) == {PENDING}

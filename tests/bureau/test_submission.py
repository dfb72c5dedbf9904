"""Submissions against the sandbox gateway over real HTTP: acceptance, rejection and correction,
exactly once, a crash between upload and receipt, 5xx, late acknowledgements and catch-up."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.audit.models import AuditLog
from core.auth.permissions import SystemActor
from core.bureau import rutdf
from core.bureau.client import BureauClient
from core.bureau.models import (
    ACCEPTED,
    HELD,
    PREPARED,
    REJECTED,
    SENDING,
    UPLOADED,
    BureauEvent,
    BureauSubmission,
)
from core.bureau.sandbox import BureauSandbox, RejectRule, Scenario
from core.bureau.service import (
    compliance,
    list_events,
    poll_acknowledgements,
    prepare_submission,
    run_submissions,
    send_again,
    submission_file,
)
from core.calendar import local_date
from core.cases.models import AssignmentAgreement, Case, CaseEvent, CaseFlag, Debtor
from core.cases.service import update_debtor
from core.db import is_postgres, session_scope, utcnow
from core.errors import PermissionDenied
from tests.bureau.conftest import paid_enforcement_case, portfolio, post_payment
from tests.factories import make_case, make_user

HEAD = SystemActor("test head")


def _events(session: Session) -> list[BureauEvent]:
    session.expire_all()
    return list(session.scalars(select(BureauEvent).order_by(BureauEvent.id)))


def _submissions(session: Session) -> list[BureauSubmission]:
    session.expire_all()
    return list(session.scalars(select(BureauSubmission).order_by(BureauSubmission.id)))


def test_due_events_are_sent_accepted_and_never_sent_again(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    cases = portfolio(session, 3, stage="enforcement")
    session.commit()
    for c in cases:
        post_payment(session, c, "1000.00", days_ago=3)
    session.commit()

    summary = run_submissions(client, engine=engine)
    assert (summary.files, summary.records, summary.accepted, summary.rejected) == (1, 3, 3, 0)
    events = _events(session)
    assert {e.status for e in events} == {ACCEPTED}
    [sub] = _submissions(session)
    assert sub.status == "acknowledged" and sub.receipt_id and sub.ack_status == "accepted"
    name, content = submission_file(session, HEAD, sub.id)
    session.commit()
    assert name == sub.file_name and name.endswith(".txt")
    assert {r.uid for r in rutdf.parse(content).records} == {e.record_uid for e in events}
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "bureau.file_download"))

    again = run_submissions(client, engine=engine)
    assert (again.files, again.records) == (0, 0)
    state = gateway.state.snapshot()
    assert state["received"] == {e.record_uid: 1 for e in events}
    assert state["duplicates"] == 0
    outcome = send_again(session, HEAD, [events[0].id])
    assert not outcome[0].queued and "never sent twice" in outcome[0].reason


def test_events_not_yet_due_wait_for_their_day(session: Session, engine: Engine, client: BureauClient) -> None:
    paid_enforcement_case(session, days_ago=0)
    [event] = _events(session)
    summary = run_submissions(client, engine=engine, today=local_date(utcnow()))
    assert summary.files == 0
    on_the_day = run_submissions(client, engine=engine, today=event.due_date)
    assert on_the_day.records == 1


def test_partial_rejection_correction_and_resend(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    good = make_case(session, stage="enforcement", last_name="Петров")
    bad = make_case(session, stage="enforcement", last_name="Сидоров")
    session.commit()
    bad_debtor = session.get(Debtor, bad.debtor_id)
    assert bad_debtor is not None and bad_debtor.passport
    gateway.set_scenario(
        Scenario(reject=[RejectRule("E031", "Passport not found in the register", contains="Сидоров")])
    )
    post_payment(session, good, days_ago=4)
    post_payment(session, bad, days_ago=4)
    session.commit()

    summary = run_submissions(client, engine=engine)
    assert (summary.accepted, summary.rejected) == (1, 1)
    by_case = {e.case_id: e for e in _events(session)}
    assert by_case[good.id].status == ACCEPTED
    rejected = by_case[bad.id]
    assert (rejected.status, rejected.reject_code) == (REJECTED, "E031")
    rows, total = list_events(session, HEAD, "corrections")
    assert total == 1 and rows[0].problem == "E031: Passport not found in the register"
    flag = session.scalar(select(CaseFlag).where(CaseFlag.case_id == bad.id, CaseFlag.resolved_at.is_(None)))
    assert flag is not None and flag.kind == "bureau_rejected"
    timeline = session.scalar(select(CaseEvent).where(CaseEvent.case_id == bad.id, CaseEvent.kind == "bureau"))
    assert timeline is not None and "E031" in (timeline.comment or "")

    # The clerk corrects the name (the bureau now finds the subject) and sends the record again.
    gateway.set_scenario(Scenario())
    lawyer = make_user(session, "lawyer")
    session.commit()
    assert update_debtor(
        session,
        lawyer,
        bad.debtor_id,
        {"full_name": "Сидорова Анна Ивановна"},
        expected_version=session.get(Debtor, bad.debtor_id).version,
    ) == ["full_name"]
    [outcome] = send_again(session, HEAD, [rejected.id])
    session.commit()
    assert outcome.queued
    session.expire_all()
    assert session.scalar(select(CaseFlag).where(CaseFlag.case_id == bad.id, CaseFlag.resolved_at.is_(None))) is None

    second = run_submissions(client, engine=engine)
    assert second.records == 1 and second.accepted == 1
    events = {e.event_code: e for e in _events(session) if e.case_id == bad.id}
    assert events["2.3"].status == ACCEPTED
    # the correction itself is a change of the subject's data (1.9), due the next business day
    assert events["1.9"].status == "pending" and events["1.9"].payload["fields"] == ["full_name"]
    state = gateway.state.snapshot()
    assert state["received"][rejected.record_uid] == 2
    assert state["received"][by_case[good.id].record_uid] == 1
    assert state["duplicates"] == 0
    assert session.scalar(select(CaseFlag.resolved_at).where(CaseFlag.case_id == bad.id)) is not None


def test_invalid_record_is_held_and_the_rest_are_sent(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    good = make_case(session, stage="enforcement")
    bad = make_case(session, stage="enforcement")
    session.commit()
    debtor = session.get(Debtor, bad.debtor_id)
    assert debtor is not None
    debtor.passport = "45 10"
    session.commit()
    post_payment(session, good, days_ago=5)
    post_payment(session, bad, days_ago=5)
    session.commit()

    summary = run_submissions(client, engine=engine)
    assert (summary.records, summary.held, summary.accepted) == (1, 1, 1)
    held = next(e for e in _events(session) if e.case_id == bad.id)
    assert held.status == HELD and "Passport '45 10'" in (held.hold_reason or "")
    assert len(gateway.state.snapshot()["received"]) == 1

    lawyer = make_user(session, "lawyer")
    session.commit()
    update_debtor(
        session,
        lawyer,
        bad.debtor_id,
        {"passport": "4510 654321"},
        expected_version=session.get(Debtor, bad.debtor_id).version,
    )
    session.commit()
    again = run_submissions(client, engine=engine)
    assert again.held == 0 and again.accepted == 1
    assert [e.status for e in _events(session) if e.event_code == "2.3"] == [ACCEPTED, ACCEPTED]


def test_crash_between_upload_and_receipt_does_not_send_twice(
    session: Session, engine: Engine, gateway: BureauSandbox
) -> None:
    paid_enforcement_case(session, days_ago=2)
    [event] = _events(session)

    # The gateway stores the file but answers only after the client has given up.
    gateway.set_scenario(Scenario(hang_uploads=1, hang_seconds=1.5))
    impatient = BureauClient(gateway.url, "bureau-user", "s3cret-pass", timeout=0.3, attempts=1, backoff=0)
    first = run_submissions(impatient, engine=engine)
    # no receipt came back, so the summary does not claim the record was sent
    assert first.files == 0 and first.records == 0 and first.not_sent == 1 and first.errors
    [sub] = _submissions(session)
    assert sub.status == PREPARED and sub.last_error and "s3cret" not in sub.last_error
    assert _events(session)[0].status == SENDING

    client = BureauClient(gateway.url, "bureau-user", "s3cret-pass", timeout=5, attempts=2, backoff=0)
    second = run_submissions(client, engine=engine)
    assert second.resumed == 1 and second.files == 0
    state = gateway.state.snapshot()
    assert state["uploads"] == {sub.idempotency_key: 1}
    assert state["received"] == {event.record_uid: 1}
    assert _events(session)[0].status == ACCEPTED


def test_process_killed_after_upload_resumes_from_the_gateways_receipt(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    case = paid_enforcement_case(session, days_ago=2)
    [event] = _events(session)
    with session_scope(engine) as s:
        sub_id, records, held, _ = prepare_submission(s, event.due_date, _source(session, case.id), 0, event.due_date)
    assert sub_id is not None and records == 1 and held == 0
    sub = _submissions(session)[0]
    client.upload(sub.content, sub.idempotency_key, sub.file_name)  # ...and the process dies here

    summary = run_submissions(client, engine=engine)
    assert summary.resumed == 1 and summary.files == 0 and summary.accepted == 1
    assert gateway.state.snapshot()["uploads"] == {sub.idempotency_key: 1}
    assert _submissions(session)[0].status == "acknowledged"


def test_gateway_errors_are_retried_with_backoff(session: Session, engine: Engine, gateway: BureauSandbox) -> None:
    paid_enforcement_case(session, days_ago=2)
    gateway.set_scenario(Scenario(fail_uploads=2, fail_polls=1))
    waits: list[float] = []
    client = BureauClient(
        gateway.url, "bureau-user", "s3cret-pass", timeout=5, attempts=4, backoff=0.5, sleep=waits.append
    )
    summary = run_submissions(client, engine=engine)
    assert summary.accepted == 1 and not summary.errors
    assert waits[:2] == [0.5, 1.0]


def test_wrong_credentials_are_reported_without_the_password(
    session: Session, engine: Engine, gateway: BureauSandbox
) -> None:
    paid_enforcement_case(session, days_ago=2)
    client = BureauClient(gateway.url, "bureau-user", "wrong-Pa55word", timeout=5, attempts=2, backoff=0)
    summary = run_submissions(client, engine=engine)
    assert summary.errors and "login and password" in summary.errors[0]
    assert all("wrong-Pa55word" not in e for e in summary.errors)
    assert "wrong-Pa55word" not in repr(client)
    assert _submissions(session)[0].status == PREPARED


def test_a_file_the_gateway_refuses_goes_to_the_correction_queue(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    paid_enforcement_case(session, days_ago=2)
    gateway.set_scenario(Scenario(refuse_uploads=1))
    first = run_submissions(client, engine=engine)
    assert first.errors and "HTTP 400" in first.errors[0]
    [event] = _events(session)
    assert event.status == HELD and "refused the whole file" in (event.hold_reason or "")
    assert _submissions(session)[0].status == "failed"
    second = run_submissions(client, engine=engine)
    assert second.accepted == 1 and _events(session)[0].status == ACCEPTED


def test_late_acknowledgement_is_collected_later_and_dated_by_the_bureau(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    paid_enforcement_case(session, days_ago=0)
    [event] = _events(session)
    gateway.set_scenario(Scenario(ack_after_polls=2))
    first = run_submissions(client, engine=engine, today=event.due_date)
    assert first.waiting == 1 and _events(session)[0].status == SENDING
    assert _submissions(session)[0].status == UPLOADED
    assert poll_acknowledgements(client, engine=engine).waiting == 1
    assert poll_acknowledgements(client, engine=engine).accepted == 1
    accepted = _events(session)[0]
    assert accepted.status == ACCEPTED and accepted.accepted_on is not None

    figure = compliance(session, HEAD, today=event.due_date)
    assert (figure.total, figure.on_time, figure.overdue) == (1, 1, 0)
    assert figure.share_on_time == 100


def test_missed_days_are_caught_up_oldest_first_and_compliance_shows_the_delay(
    session: Session, engine: Engine, gateway: BureauSandbox, client: BureauClient
) -> None:
    case = make_case(session, stage="enforcement")
    session.commit()
    for days in (12, 8, 4):
        post_payment(session, case, days_ago=days)
    session.commit()
    due_dates = sorted({e.due_date for e in _events(session)})
    assert len(due_dates) == 3

    before = compliance(session, HEAD)
    assert before.overdue == 3 and before.on_time == 0
    rows, total = list_events(session, HEAD, "overdue")
    assert total == 3 and all(r.overdue for r in rows)

    summary = run_submissions(client, engine=engine)
    assert summary.files == 3
    subs = _submissions(session)
    assert [s.report_date for s in subs] == due_dates
    assert all(s.status == "acknowledged" for s in subs)
    after = compliance(session, HEAD)
    assert (after.total, after.on_time, after.late, after.overdue) == (3, 0, 3, 0)
    assert after.share_on_time == 0


def test_a_clerk_sees_the_queue_but_cannot_resend(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = paid_enforcement_case(session, days_ago=3)
    rows, total = list_events(session, clerk, "overdue")
    assert total == 1 and rows[0].case_number == case.number
    with pytest.raises(PermissionDenied):
        send_again(session, clerk, [rows[0].id])


def test_two_jobs_processes_never_send_the_same_event(pg_engine: Engine, gateway: BureauSandbox) -> None:
    session = sessionmaker(bind=pg_engine, expire_on_commit=False)()
    cases = portfolio(session, 40, stage="enforcement")
    session.commit()
    for c in cases:
        post_payment(session, c, days_ago=3)
    session.commit()
    assert is_postgres(session)

    errors: list[BaseException] = []

    def job() -> None:
        try:
            run_submissions(
                BureauClient(gateway.url, "bureau-user", "s3cret-pass", timeout=5, attempts=2, backoff=0),
                engine=pg_engine,
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    state = gateway.state.snapshot()
    assert len(state["received"]) == 40 and set(state["received"].values()) == {1}
    assert {e.status for e in _events(session)} == {ACCEPTED}
    session.close()


# ---------------------------------------------------------------- helpers


def _source(session: Session, case_id: int) -> int:
    case = session.get(Case, case_id)
    assert case is not None and case.agreement_id is not None
    agreement = session.get(AssignmentAgreement, case.agreement_id)
    assert agreement is not None
    return agreement.assignee_id

"""The daily cycle against the sandbox over HTTP, on SQLite and PostgreSQL: every scenario,
the transitions and flags it causes, idempotency, and resuming after a crash."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.models import AuditLog
from core.cases.models import Case, CaseEvent, CaseFlag
from core.cases.service import transition_cases
from core.postal import soap
from core.postal.client import PostalClient
from core.postal.models import PostalTicket, Shipment, ShipmentOperation
from core.postal.polling import create_due_tickets, fetch_ready_answers, run_cycle
from core.postal.sandbox import PostalSandbox
from core.postal.service import apply_results
from tests.factories import make_case, make_user
from tests.postal.conftest import tracking_for

TOMORROW = dt.timedelta(days=1, hours=1)


def mail_cases(session: Session, numbers: list[str]) -> dict[str, int]:
    """Cases mailed through the real transition (the postal hook opens their shipments)."""
    clerk = make_user(session, "clerk")
    cases = {n: make_case(session, stage="claim_prepared").id for n in numbers}
    session.commit()
    report = transition_cases(
        session,
        clerk,
        list(cases.values()),
        "mail_claim",
        per_case_data={c: {"tracking_number": n} for n, c in cases.items()},
    )
    session.commit()
    assert len(report.moved) == len(numbers)
    return cases


def shipment(session: Session, number: str) -> Shipment:
    session.expire_all()
    found = session.scalar(select(Shipment).where(Shipment.tracking_number == number))
    assert found is not None
    return found


def stage_of(session: Session, case_id: int) -> str:
    return session.scalar(select(Case.stage).where(Case.id == case_id)) or ""


def test_mailing_opens_shipments_with_the_court_as_addressee(session: Session) -> None:
    numbers = [tracking_for(0, seq=1), tracking_for(1, seq=2)]
    cases = mail_cases(session, numbers)
    s = shipment(session, numbers[0])
    case = session.get(Case, cases[numbers[0]])
    assert s.status == "registered" and s.source == "mail_claim"
    assert s.addressee == case.court_name and s.address == case.court_address
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "shipment.create")) == 2


def test_every_scenario_through_the_whole_cycle(session: Session, client: PostalClient) -> None:
    scenarios = {
        "delivered": tracking_for(0, seq=1),
        "delivered8": tracking_for(2, seq=2),
        "transit": tracking_for(3, seq=3),
        "expired_storage": tracking_for(4, seq=4),
        "refused": tracking_for(5, seq=5),
        "attempts": tracking_for(6, seq=6),
        "unknown": tracking_for(7, seq=7),
        "not_ready": tracking_for(8, seq=8),
        "expired_ticket": tracking_for(9, tens=1, seq=9),
        "http_503": tracking_for(9, tens=4, seq=10),
        "slow": tracking_for(9, tens=6, seq=11),
        "back_to_sender": tracking_for(9, tens=8, seq=12),
    }
    cases = mail_cases(session, list(scenarios.values()))
    now = dt.datetime.now(dt.UTC) + TOMORROW
    # Each scenario that misbehaves on a ticket spoils it for the others in it, as the real
    # service would: one ticket per item keeps the scenarios apart.
    first = create_due_tickets(client, now, batch=1)
    assert first.tickets_created == 12 and first.items_asked == 12
    fetched = fetch_ready_answers(client, now)
    assert fetched.not_ready == 1 and fetched.expired == 1
    again = run_cycle(client, now)  # the expired ticket's item is asked again; not-ready is ready now
    assert again.tickets_created == 1
    assert fetch_ready_answers(client, now).answers_fetched == 0  # nothing left waiting

    def status(key: str) -> str:
        return shipment(session, scenarios[key]).status

    for key in ("delivered", "delivered8", "attempts", "not_ready", "expired_ticket", "http_503", "slow"):
        assert status(key) == "delivered", key
        assert stage_of(session, cases[scenarios[key]]) == "claim_delivered", key
    assert status("transit") == "in_transit"
    assert stage_of(session, cases[scenarios["transit"]]) == "claim_mailed"
    assert status("refused") == "refused"
    assert status("expired_storage") == "returned" and status("back_to_sender") == "returned"
    unknown = shipment(session, scenarios["unknown"])
    assert unknown.status == "registered" and unknown.last_error and unknown.last_error.startswith("12:")

    # the move is the postal job's, dated by the delivery operation
    delivered = shipment(session, scenarios["delivered"])
    event = session.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == cases[scenarios["delivered"]], CaseEvent.to_stage == "claim_delivered"
        )
    )
    assert event is not None and event.source == "postal_job" and event.user_id is None
    assert event.data["delivered_on"] == delivered.delivered_on.isoformat()
    assert delivered.delivered_on == delivered.last_operation_at.astimezone(dt.timezone(dt.timedelta(hours=3))).date()

    # returns and refusals are flagged for a clerk, with the reason, and noted on the timeline
    flags = {f.case_id: f for f in session.scalars(select(CaseFlag).where(CaseFlag.kind == "mail_returned"))}
    assert set(flags) == {cases[scenarios[k]] for k in ("refused", "expired_storage", "back_to_sender")}
    assert "refused" in flags[cases[scenarios["refused"]]].reason
    assert "storage time expired" in flags[cases[scenarios["expired_storage"]]].reason
    assert "storage time expired" in flags[cases[scenarios["back_to_sender"]]].reason
    mail_events = session.scalars(select(CaseEvent).where(CaseEvent.kind == "mail")).all()
    assert {e.case_id for e in mail_events} == set(flags)

    # the next day only the letters still on their way are asked for
    later = run_cycle(client, now + dt.timedelta(days=1))
    assert later.items_asked == 2  # in transit + unknown


def test_applying_the_same_answer_twice_changes_nothing(session: Session, sandbox: PostalSandbox) -> None:
    numbers = [tracking_for(0, seq=1), tracking_for(5, seq=2), tracking_for(3, seq=3)]
    mail_cases(session, numbers)
    results = [sandbox.state.history(n) for n in numbers]
    first = apply_results(session, results)
    session.commit()
    counts = (
        session.scalar(select(func.count()).select_from(ShipmentOperation)),
        session.scalar(select(func.count()).select_from(CaseEvent)),
        session.scalar(select(func.count()).select_from(CaseFlag)),
        session.scalar(select(func.count()).select_from(AuditLog)),
    )
    second = apply_results(session, results)
    session.commit()
    assert first.new_operations == 4 + 3 + 3 and first.delivered == 1 and first.returned == 1
    assert second.new_operations == 0 and second.delivered == 0 and second.returned == 0 and second.cases_moved == 0
    assert counts == (
        session.scalar(select(func.count()).select_from(ShipmentOperation)),
        session.scalar(select(func.count()).select_from(CaseEvent)),
        session.scalar(select(func.count()).select_from(CaseFlag)),
        session.scalar(select(func.count()).select_from(AuditLog)),
    )


class CrashAfterTicket(Exception):
    pass


class DyingClient(PostalClient):
    """The process dies after the post gave a ticket and before the ticket was saved."""

    def get_ticket(self, barcodes):  # type: ignore[no-untyped-def]
        super().get_ticket(barcodes)
        raise CrashAfterTicket


def test_crash_between_get_ticket_and_saving_loses_nothing(session: Session, client: PostalClient) -> None:
    numbers = [tracking_for(0, seq=i) for i in range(1, 4)]
    cases = mail_cases(session, numbers)
    now = dt.datetime.now(dt.UTC) + TOMORROW
    dying = DyingClient(client.batch_url, client.single_url, client.login, client.password)
    with dying, pytest.raises(CrashAfterTicket):
        run_cycle(dying, now)
    assert session.scalar(select(func.count()).select_from(PostalTicket)) == 0
    report = run_cycle(client, now)
    assert report.items_asked == 3 and report.applied.cases_moved == 3
    assert {stage_of(session, c) for c in cases.values()} == {"claim_delivered"}


def test_tickets_survive_a_restart_and_wait_their_time(
    session: Session, sandbox: PostalSandbox, client: PostalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CESSIO_POSTAL_TICKET_WAIT_SECONDS", "900")
    from core.config import reset_settings_cache

    reset_settings_cache()
    numbers = [tracking_for(1, seq=i) for i in range(1, 3)]
    cases = mail_cases(session, numbers)
    now = dt.datetime.now(dt.UTC) + TOMORROW
    first = run_cycle(client, now)
    assert first.tickets_created == 1 and first.answers_fetched == 0  # too early to ask
    # "restart": a new client in a new cycle, 10 minutes later: still too early, nothing is asked
    with PostalClient(sandbox.batch_url, sandbox.single_url, "demo", "demo") as fresh:
        assert run_cycle(fresh, now + dt.timedelta(minutes=10)).answers_fetched == 0
        assert fresh.stats.total == 0
        done = run_cycle(fresh, now + dt.timedelta(minutes=16))
    assert done.tickets_created == 0 and done.answers_fetched == 1
    assert {stage_of(session, c) for c in cases.values()} == {"claim_delivered"}


def test_not_due_before_the_daily_time(session: Session, client: PostalClient) -> None:
    mail_cases(session, [tracking_for(0)])
    assert create_due_tickets(client, dt.datetime.now(dt.UTC)).tickets_created == 0
    assert client.stats.total == 0


def test_delivery_of_a_case_no_longer_waiting_is_noted_not_forced(session: Session, sandbox: PostalSandbox) -> None:
    number = tracking_for(0)
    case_id = mail_cases(session, [number])[number]
    admin = make_user(session, "admin")
    transition_cases(session, admin, [case_id], "deliver_claim", {"delivered_on": "01.01.2026"}, source="manual")
    session.commit()
    report = apply_results(session, [sandbox.state.history(number)])
    session.commit()
    assert report.delivered == 1 and report.cases_moved == 0 and len(report.moves_refused) == 1
    note = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "mail"))
    assert note is not None and "not moved" in note.comment


def test_ticket_level_auth_error_keeps_the_items(
    session: Session, sandbox: PostalSandbox, client: PostalClient
) -> None:
    mail_cases(session, [tracking_for(0)])
    sandbox.state.password = "rotated"
    report = run_cycle(client, dt.datetime.now(dt.UTC) + TOMORROW)
    assert report.tickets_created == 0 and "error 3" in report.errors[0]
    sandbox.state.password = "demo"
    assert run_cycle(client, dt.datetime.now(dt.UTC) + TOMORROW).applied.cases_moved == 1


def test_answer_expired_is_asked_again(session: Session, client: PostalClient) -> None:
    number = tracking_for(9, tens=0)
    case_id = mail_cases(session, [number])[number]
    now = dt.datetime.now(dt.UTC) + TOMORROW
    first = run_cycle(client, now)
    assert first.expired == 1 and first.applied.items == 0
    assert session.scalar(select(PostalTicket.status)) == "expired"
    second = run_cycle(client, now)
    assert second.tickets_created == 1 and second.applied.cases_moved == 1
    assert stage_of(session, case_id) == "claim_delivered"
    assert soap.ERR_EXPIRED == 17

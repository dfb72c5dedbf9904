"""Shipments by hand and by pasted column, the one-item refresh, the Mail page's queries,
and two jobs processes sharing the work (PostgreSQL SKIP LOCKED)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.cases.models import Case
from core.cases.service import transition_cases
from core.errors import PermissionDenied, ValidationFailed
from core.postal.client import PostalClient
from core.postal.models import PostalTicket, Shipment, ShipmentCase
from core.postal.polling import create_due_tickets
from core.postal.sandbox import PostalSandbox
from core.postal.service import (
    apply_results,
    apply_tracking_column,
    create_shipment,
    job_state,
    list_shipments,
    match_tracking_column,
    refresh_shipment,
    shipment_history,
    shipments_for_case,
)
from tests.factories import make_case, make_user
from tests.postal.conftest import tracking_for


def test_manual_shipment_names_every_problem(session: Session) -> None:
    clerk = make_user(session, "clerk")
    with pytest.raises(ValidationFailed) as info:
        create_shipment(session, clerk, "RA123456784RU", ["C-999999"], postage=Decimal("-1"))
    problems = " | ".join(info.value.problems)
    assert "check digit is wrong" in problems and "C-999999" in problems and "negative" in problems


def test_manual_shipment_takes_the_court_of_its_case(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_mailed")
    sid = create_shipment(
        session, clerk, "ra 123456785 ru", [case.number], postage=Decimal("98.40"), mailed_on=dt.date(2026, 3, 2)
    )
    session.commit()
    s = session.get(Shipment, sid)
    assert s.tracking_number == "RA123456785RU" and s.addressee == case.court_name and s.postage == Decimal("98.40")
    assert [r.tracking_number for r in shipments_for_case(session, clerk, case.id)] == ["RA123456785RU"]
    with pytest.raises(ValidationFailed, match="already exists"):
        create_shipment(session, clerk, "RA123456785RU")


def test_pasted_column_is_matched_in_order_and_bad_lines_reported() -> None:
    good1, good2 = tracking_for(0, seq=1), tracking_for(1, seq=2)
    lines = match_tracking_column(["C-1", "C-2", "C-3", "C-4"], f"{good1}\n\n{good2}\nRA123456784RU\n{good1}\nEXTRA")
    assert [(ln.case_number, ln.tracking_number, bool(ln.problem)) for ln in lines[:2]] == [
        ("C-1", good1, False),
        ("C-2", good2, False),
    ]
    assert "check digit" in lines[2].problem
    assert "already on line 1" in lines[3].problem
    assert "more numbers than cases" in lines[4].problem
    short = match_tracking_column(["C-1", "C-2"], good1)
    assert "fewer numbers than cases" in short[1].problem


def test_pasted_column_mails_prepared_cases_and_registers_the_rest(session: Session) -> None:
    clerk = make_user(session, "clerk")
    prepared = make_case(session, stage="claim_prepared")
    already = make_case(session, stage="claim_mailed")
    bad = make_case(session, stage="claim_prepared")
    session.commit()
    n1, n2 = tracking_for(0, seq=1), tracking_for(0, seq=2)
    report = apply_tracking_column(session, clerk, [prepared.id, already.id, bad.id], f"{n1}\n{n2}\n123")
    session.commit()
    assert report.moved == 1 and report.registered == 1
    assert [ln.line for ln in report.lines if ln.problem] == [3]
    assert session.scalar(select(Case.stage).where(Case.id == prepared.id)) == "claim_mailed"
    assert session.scalar(select(Case.tracking_number).where(Case.id == prepared.id)) == n1
    linked = dict(session.execute(select(ShipmentCase.case_id, Shipment.tracking_number).join(Shipment)).all())
    assert linked == {prepared.id: n1, already.id: n2}


def test_refresh_one_item_now(session: Session, client: PostalClient) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_mailed")
    sid = create_shipment(session, clerk, tracking_for(6), [case.number])
    session.commit()
    report = refresh_shipment(session, clerk, sid, client)
    session.commit()
    assert report.cases_moved == 1 and client.stats.histories == 1
    history = shipment_history(session, clerk, sid)
    assert [h.type_attr for h in history] == ["1.1", "8.2", "12.1", "12.1", "2.1"]
    assert session.scalar(select(Case.stage).where(Case.id == case.id)) == "claim_delivered"


def test_mail_page_filters(session: Session) -> None:
    clerk = make_user(session, "clerk")
    now = dt.datetime.now(dt.UTC)
    old, fresh, done = (make_case(session, stage="claim_mailed") for _ in range(3))
    create_shipment(
        session, clerk, tracking_for(3, seq=1), [old.number], mailed_on=(now - dt.timedelta(days=20)).date()
    )
    create_shipment(session, clerk, tracking_for(3, seq=2), [fresh.number])
    sid = create_shipment(session, clerk, tracking_for(0, seq=3), [done.number])
    session.get(Shipment, sid).status = "delivered"
    session.commit()
    rows, total = list_shipments(session, clerk, "stale", stale_days=10)
    assert total == 1 and rows[0].cases == old.number
    assert list_shipments(session, clerk, "in_transit")[1] == 2
    assert [r.cases for r in list_shipments(session, clerk, "delivered")[0]] == [done.number]
    assert list_shipments(session, clerk, "all", search=fresh.number)[0][0].tracking_number == tracking_for(3, seq=2)
    assert list_shipments(session, clerk, "all", search=tracking_for(3, seq=1)[-6:])[1] == 1
    state = job_state(session, clerk, now)
    assert state.items_in_transit == 2 and state.tickets_waiting == 0 and state.next_tickets_at > now


def test_services_refuse_a_role_without_mail_rights(session: Session) -> None:
    class Outsider:
        id = None
        username = "visitor"
        role = "nobody"

    with pytest.raises(PermissionDenied):
        list_shipments(session, Outsider())


def test_two_jobs_processes_never_take_the_same_items(pg_engine: Engine, client: PostalClient) -> None:
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    with factory() as setup:
        clerk = make_user(setup, "clerk")
        cases = [make_case(setup, stage="claim_mailed") for _ in range(4)]
        for i, c in enumerate(cases):
            create_shipment(setup, clerk, tracking_for(0, seq=i + 1), [c.number])
        setup.commit()
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1)
    holder = factory()
    try:
        # "process A" has claimed the first two items and is talking to the post
        locked = holder.scalars(
            select(Shipment.id).order_by(Shipment.id).limit(2).with_for_update(skip_locked=True)
        ).all()
        assert len(locked) == 2
        report = create_due_tickets(client, tomorrow, pg_engine)  # "process B"
        assert report.items_asked == 2
    finally:
        holder.rollback()
        holder.close()
    with factory() as check:
        asked = set(check.scalars(select(Shipment.id).where(Shipment.ticket_id.is_not(None))))
        assert asked.isdisjoint(locked) and len(asked) == 2
        assert check.scalar(select(func.count()).select_from(PostalTicket)) == 1


def test_demo_letters_are_due_at_the_next_tick(session: Session) -> None:
    import random

    from core.postal.demo import extend_demo

    mailed = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    case = make_case(session, stage="claim_mailed", entered_stage_at=mailed)
    case.tracking_number = tracking_for(0)
    make_case(session, stage="claim_prepared")
    session.commit()
    extend_demo(session, random.Random(1))
    extend_demo(session, random.Random(1))  # a second demo load adds nothing twice
    session.commit()
    shipments = session.scalars(select(Shipment)).all()
    assert [s.tracking_number for s in shipments] == [tracking_for(0)]
    assert shipments[0].created_at == shipments[0].mailed_at == mailed


def test_one_envelope_for_two_cases_is_one_shipment(session: Session, sandbox: PostalSandbox) -> None:
    clerk = make_user(session, "clerk")
    a, b = make_case(session, stage="claim_prepared"), make_case(session, stage="claim_prepared")
    session.commit()
    number = tracking_for(0)
    transition_cases(
        session,
        clerk,
        [a.id, b.id],
        "mail_claim",
        per_case_data={a.id: {"tracking_number": number}, b.id: {"tracking_number": number}},
    )
    session.commit()
    assert session.scalar(select(func.count()).select_from(Shipment)) == 1
    assert session.scalar(select(func.count()).select_from(ShipmentCase)) == 2
    report = apply_results(session, [sandbox.state.history(number)])
    session.commit()
    assert report.cases_moved == 2


def test_daily_ticket_time_is_local() -> None:
    from core.postal.service import last_poll_moment, next_poll_moment

    msk = dt.timezone(dt.timedelta(hours=3))
    before = dt.datetime(2026, 3, 2, 5, 59, tzinfo=msk)
    after = dt.datetime(2026, 3, 2, 6, 0, tzinfo=msk)
    assert last_poll_moment(before, "06:00") == dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC)
    assert last_poll_moment(after, "06:00") == dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    assert next_poll_moment(after, "06:00") == dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)

"""The daily batch cycle: tickets for every letter in transit, then their answers when allowed.

State lives in the database (ARCHITECTURE rule 7). A ticket row and the items it covers are
committed in the same transaction right after ``getTicket`` answers; a crash before that commit
leaves the items unassigned, so the next tick asks again (the lost ticket only costs a request).
An answer is applied and the ticket closed in one transaction, so a crash in between simply
fetches the same answer again, and applying it is idempotent.

Two jobs processes never take the same rows: on PostgreSQL both the items and the tickets are
claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``.

The service's rules (https://tracking.pochta.ru/specification): up to 3,000 items per ticket;
the answer no sooner than 15 minutes after the ticket and no more than once per 15 minutes
(``postal_ticket_wait_seconds``); answers are kept 32 hours (``postal_ticket_expiry_hours``),
after which error 17 says to ask for a new ticket.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import is_postgres, session_scope, utcnow
from core.i18n import _
from core.jobstate.service import check_lease
from core.postal import soap
from core.postal.client import PostalClient, PostalError, PostalUnavailable
from core.postal.models import (
    POLLED_STATUSES,
    TICKET_DONE,
    TICKET_EXPIRED,
    TICKET_WAITING,
    PostalTicket,
    Shipment,
)
from core.postal.service import ApplyReport, apply_results, last_poll_moment

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    tickets_created: int = 0
    items_asked: int = 0
    answers_fetched: int = 0
    not_ready: int = 0
    expired: int = 0
    applied: ApplyReport = field(default_factory=ApplyReport)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        a = self.applied
        parts = [
            _("{tickets} tickets for {items} items").format(tickets=self.tickets_created, items=self.items_asked),
            _("{answers} answers ({items} items, {operations} new operations)").format(
                answers=self.answers_fetched, items=a.items, operations=a.new_operations
            ),
            _("{delivered} delivered ({moved} cases moved)").format(delivered=a.delivered, moved=a.cases_moved),
            _("{returned} returned ({flagged} cases flagged)").format(returned=a.returned, flagged=a.cases_flagged),
        ]
        if self.not_ready:
            parts.append(_("{n} not ready yet").format(n=self.not_ready))
        if self.expired:
            parts.append(_("{n} expired, asked again").format(n=self.expired))
        if a.attention:
            parts.append(_("{n} letter(s) need attention on the Court mail page").format(n=a.attention))
        if a.moves_refused:
            parts.append(_("{n} deliveries did not move their case").format(n=len(a.moves_refused)))
        if self.errors:
            parts.append(_("errors: {errors}").format(errors="; ".join(self.errors[:3])))
        return ", ".join(parts)


def _wait() -> dt.timedelta:
    return dt.timedelta(seconds=get_settings().postal_ticket_wait_seconds)


def create_due_tickets(
    client: PostalClient, now: dt.datetime | None = None, engine: Engine | None = None, batch: int = soap.MAX_BATCH
) -> CycleReport:
    """Ask for tickets for every polled item not yet asked since the last daily ticket time."""
    now = now or utcnow()
    moment = last_poll_moment(now)
    report = CycleReport()
    while True:
        with session_scope(engine) as session:
            stmt = (
                select(Shipment.id, Shipment.tracking_number)
                .where(
                    Shipment.status.in_(POLLED_STATUSES),
                    Shipment.ticket_id.is_(None),
                    func.coalesce(Shipment.asked_at, Shipment.created_at) < moment,
                )
                .order_by(Shipment.id)
                .limit(batch)
            )
            if is_postgres(session):
                stmt = stmt.with_for_update(skip_locked=True, of=Shipment)
            rows = session.execute(stmt).all()
            if not rows:
                break
            try:
                ticket = client.get_ticket([r.tracking_number for r in rows])
            except (PostalError, PostalUnavailable, soap.SoapFormatError) as exc:
                report.errors.append(f"getTicket: {exc}")
                log.warning("postal getTicket failed: %s", exc)
                break
            ticket_id = session.execute(
                insert(PostalTicket)
                .values(
                    ticket=ticket,
                    status=TICKET_WAITING,
                    item_count=len(rows),
                    created_at=now,
                    next_attempt_at=now + _wait(),
                    attempts=0,
                )
                .returning(PostalTicket.id)
            ).scalar_one()
            session.execute(
                update(Shipment).where(Shipment.id.in_([r.id for r in rows])).values(ticket_id=ticket_id, asked_at=now)
            )
            check_lease()  # a run that lost its lease rolls this batch back (ARCHITECTURE rule 7)
            report.tickets_created += 1
            report.items_asked += len(rows)
    return report


def _release(session: Session, ticket: PostalTicket, again: bool) -> None:
    """Free a ticket's items; ``again`` makes them due for a new ticket at once."""
    values: dict[str, object] = {"ticket_id": None}
    if again:
        values["asked_at"] = None
    session.execute(update(Shipment).where(Shipment.ticket_id == ticket.id).values(**values))


def fetch_ready_answers(
    client: PostalClient,
    now: dt.datetime | None = None,
    engine: Engine | None = None,
    report: CycleReport | None = None,
) -> CycleReport:
    """Fetch the answer of every ticket whose time has come, one transaction per ticket."""
    now = now or utcnow()
    report = report or CycleReport()
    settings = get_settings()
    expiry = dt.timedelta(hours=settings.postal_ticket_expiry_hours)
    seen: set[int] = set()
    while True:
        with session_scope(engine) as session:
            stmt = (
                select(PostalTicket)
                .where(PostalTicket.status == TICKET_WAITING, PostalTicket.next_attempt_at <= now)
                .order_by(PostalTicket.next_attempt_at, PostalTicket.id)
                .limit(1)
            )
            if seen:
                stmt = stmt.where(PostalTicket.id.not_in(seen))
            if is_postgres(session):
                stmt = stmt.with_for_update(skip_locked=True)
            ticket = session.scalar(stmt)
            if ticket is None:
                break
            seen.add(ticket.id)
            ticket.attempts += 1
            ticket.next_attempt_at = now + _wait()
            try:
                answer = client.get_response(ticket.ticket)
            except (PostalUnavailable, PostalError, soap.SoapFormatError) as exc:
                ticket.last_error = str(exc)
                report.errors.append(f"getResponseByTicket: {exc}")
                if now - ticket.created_at > expiry:
                    ticket.status, ticket.finished_at = TICKET_EXPIRED, now
                    _release(session, ticket, again=True)
                    report.expired += 1
                continue
            if answer.error_code == soap.ERR_NOT_READY:
                ticket.last_error = None
                report.not_ready += 1
                continue
            if answer.error_code == soap.ERR_EXPIRED or (
                answer.error_code is not None and now - ticket.created_at > expiry
            ):
                ticket.status, ticket.finished_at = TICKET_EXPIRED, now
                ticket.last_error = f"{answer.error_code}: {answer.error_name}"
                _release(session, ticket, again=True)
                report.expired += 1
                continue
            if answer.error_code is not None:
                ticket.last_error = f"{answer.error_code}: {answer.error_name}"
                report.errors.append(f"getResponseByTicket: error {answer.error_code} {answer.error_name}")
                continue
            applied = apply_results(session, list(answer.items), now)
            check_lease()
            report.applied.add(applied)
            report.answers_fetched += 1
            ticket.status, ticket.finished_at, ticket.last_error = TICKET_DONE, now, None
            _release(session, ticket, again=False)
    return report


def run_cycle(client: PostalClient, now: dt.datetime | None = None, engine: Engine | None = None) -> CycleReport:
    """One tick of the job: ask for due tickets, then fetch whatever answers may be fetched."""
    now = now or utcnow()
    report = create_due_tickets(client, now, engine)
    fetch_ready_answers(client, now, engine, report)
    return report


def pending_counts(engine: Engine | None = None) -> tuple[int, int]:
    """(tickets waiting, items in transit) for summaries and the benchmark."""
    with session_scope(engine) as session:
        tickets = session.scalar(
            select(func.count()).select_from(PostalTicket).where(PostalTicket.status == TICKET_WAITING)
        )
        items = session.scalar(
            select(func.count()).select_from(Shipment).where(or_(*[Shipment.status == s for s in POLLED_STATUSES]))
        )
        return int(tickets or 0), int(items or 0)

"""Court mail: registering shipments, applying what the post reports, and reading them back.

``apply_results`` is the one place where an answer of the post changes anything. It is
idempotent (the same operation twice changes nothing: operations carry a unique key) and
set-based (one SELECT, one INSERT, one UPDATE per batch). A delivery moves the case on with the
"deliver_claim" transition, recorded as made by the postal job with the delivery date from the
operation; a return or refusal flags the case for a clerk with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import Date, Integer, String, and_, bindparam, func, insert, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.audit.service import record_audit, record_audit_many
from core.auth.permissions import Actor, Permission, SystemActor, require
from core.calendar import local_tz
from core.cases.models import Case, CaseFlag
from core.cases.service import add_case_events, format_case_number, transition_cases
from core.config import get_settings
from core.db import UTCDateTime, bulk_insert, is_postgres, utcnow
from core.errors import NotFound, ValidationFailed
from core.i18n import _
from core.jobstate.models import JobState
from core.postal import operations as ops_meaning
from core.postal.models import (
    ATTENTION,
    DELIVERED,
    IN_TRANSIT,
    LOST,
    POLLED_STATUSES,
    REFUSED,
    REGISTERED,
    RETURNED,
    STATUS_LABELS,
    STOPPED,
    TICKET_WAITING,
    PostalTicket,
    Shipment,
    ShipmentCase,
    ShipmentOperation,
)
from core.postal.soap import DATE_FORMAT, ERROR_NAMES, ItemResult, Operation
from core.postal.tracking import normalize_tracking, tracking_problem

CHUNK = 1000
_OPS = ShipmentOperation.__table__
JOB_NAME = "postal_poll"
FLAG_KIND = "mail_returned"
_FINAL_BY_KIND = {
    ops_meaning.DELIVERED: DELIVERED,
    ops_meaning.RETURNED: RETURNED,
    ops_meaning.REFUSED: REFUSED,
    ops_meaning.LOST: LOST,
}


def postal_actor() -> SystemActor:
    return SystemActor("postal job")


# ---------------------------------------------------------------- registering shipments


@dataclass(frozen=True)
class ShipmentInput:
    tracking_number: str
    case_ids: tuple[int, ...] = ()
    addressee: str | None = None
    address: str | None = None
    contents: str | None = None
    mailed_at: dt.datetime | None = None
    postage: Decimal | None = None


def register_shipments(
    session: Session, actor: Actor | None, entries: Sequence[ShipmentInput], source: str = "manual"
) -> dict[str, int]:
    """Create the shipments that do not exist yet and link every case; returns tracking -> shipment id.

    Set-based: one SELECT of the known numbers, one INSERT of the new ones, one INSERT of links.
    The numbers must already be valid (callers validate and report per line).
    """
    if not entries:
        return {}
    now = utcnow()
    by_number: dict[str, ShipmentInput] = {}
    links: dict[str, set[int]] = defaultdict(set)
    for e in entries:
        number = normalize_tracking(e.tracking_number)
        by_number.setdefault(number, e)
        links[number].update(e.case_ids)
    numbers = list(by_number)
    ids: dict[str, int] = {}
    for start in range(0, len(numbers), CHUNK):
        part = numbers[start : start + CHUNK]
        ids.update(
            session.execute(
                select(Shipment.tracking_number, Shipment.id).where(Shipment.tracking_number.in_(part))
            ).all()
        )
    new = [n for n in numbers if n not in ids]
    if new:
        bulk_insert(
            session,
            Shipment,
            [
                {
                    "tracking_number": n,
                    "addressee": by_number[n].addressee,
                    "address": by_number[n].address,
                    "contents": by_number[n].contents,
                    "mailed_at": by_number[n].mailed_at or now,
                    "postage": by_number[n].postage,
                    "status": REGISTERED,
                    "source": source,
                    "created_at": now,
                    "created_by_id": actor.id if actor else None,
                }
                for n in new
            ],
        )
        for start in range(0, len(new), CHUNK):
            part = new[start : start + CHUNK]
            ids.update(
                session.execute(
                    select(Shipment.tracking_number, Shipment.id).where(Shipment.tracking_number.in_(part))
                ).all()
            )
        record_audit_many(
            session,
            actor,
            "shipment.create",
            "shipment",
            [(ids[n], {"tracking_number": n, "cases": sorted(links[n]), "source": source}) for n in new],
        )
    wanted = {(ids[n], c) for n in numbers for c in links[n]}
    if wanted:
        shipment_ids = list({s for s, _ in wanted})
        existing: set[tuple[int, int]] = set()
        for start in range(0, len(shipment_ids), CHUNK):
            part = shipment_ids[start : start + CHUNK]
            existing.update(
                session.execute(
                    select(ShipmentCase.shipment_id, ShipmentCase.case_id).where(ShipmentCase.shipment_id.in_(part))
                ).all()
            )
        missing = sorted(wanted - existing)
        if missing:
            bulk_insert(session, ShipmentCase, [{"shipment_id": s, "case_id": c} for s, c in missing])
    return ids


def create_shipment(
    session: Session,
    actor: Actor,
    tracking_number: str,
    case_numbers: Sequence[str] = (),
    *,
    addressee: str | None = None,
    address: str | None = None,
    contents: str | None = None,
    mailed_on: dt.date | None = None,
    postage: Decimal | None = None,
) -> int:
    """A shipment entered by hand; the court's name and address default to the first case's court."""
    require(actor, Permission.MAIL_MANAGE)
    problems: list[str] = []
    problem = tracking_problem(tracking_number)
    if problem:
        problems.append(_("Tracking number: {problem}").format(problem=problem))
    case_ids: list[int] = []
    for raw in case_numbers:
        text = raw.strip()
        if not text:
            continue
        found = session.scalar(select(Case.id).where(Case.number == text.upper()))
        if found is None:
            problems.append(_("Case '{text}' does not exist").format(text=text))
        else:
            case_ids.append(int(found))
    if postage is not None and postage < 0:
        problems.append(_("Postage cannot be negative"))
    if problems:
        raise ValidationFailed(_("The shipment was not saved."), problems)
    number = normalize_tracking(tracking_number)
    if session.scalar(select(Shipment.id).where(Shipment.tracking_number == number)) is not None and not case_ids:
        raise ValidationFailed(
            _("Shipment {number} already exists.").format(number=number),
            [f"Tracking number {number} is already registered"],
        )
    if case_ids and (addressee is None or address is None):
        court = session.execute(select(Case.court_name, Case.court_address).where(Case.id == case_ids[0])).first()
        if court is not None:
            addressee = addressee or court.court_name
            address = address or court.court_address
    mailed_at = _local_midday(mailed_on) if mailed_on else None
    ids = register_shipments(
        session,
        actor,
        [ShipmentInput(number, tuple(case_ids), addressee, address, contents, mailed_at, postage)],
        source="manual",
    )
    return ids[number]


def _local_midday(day: dt.date) -> dt.datetime:
    """A mailing day as a moment: local noon, or now when that is still ahead."""
    return min(dt.datetime.combine(day, dt.time(12, 0), tzinfo=local_tz()).astimezone(dt.UTC), utcnow())


@dataclass(frozen=True)
class PastedLine:
    line: int
    case_number: str
    tracking_number: str
    problem: str = ""


def match_tracking_column(case_numbers: Sequence[str], pasted: str) -> list[PastedLine]:
    """Pair a pasted column of tracking numbers with the cases in order, checking every line.

    Blank lines are skipped; a count that differs from the number of cases is reported on the
    lines that have no partner, so nothing is paired silently with the wrong case.
    """
    numbers = [line.strip() for line in re.split(r"[\r\n]+", pasted or "") if line.strip()]
    out: list[PastedLine] = []
    seen: dict[str, int] = {}
    for i in range(max(len(numbers), len(case_numbers))):
        case = case_numbers[i] if i < len(case_numbers) else ""
        raw = numbers[i] if i < len(numbers) else ""
        if not case:
            out.append(
                PastedLine(i + 1, "", raw, "there is no case for this tracking number (more numbers than cases)")
            )
            continue
        if not raw:
            out.append(PastedLine(i + 1, case, "", "no tracking number for this case (fewer numbers than cases)"))
            continue
        number = normalize_tracking(raw)
        problem = tracking_problem(raw) or ""
        if not problem and number in seen:
            problem = f"the same number is already on line {seen[number]}"
        seen.setdefault(number, i + 1)
        out.append(PastedLine(i + 1, case, number, problem))
    return out


def resolve_case_numbers(session: Session, actor: Actor, numbers: Sequence[str]) -> tuple[list[int], list[str]]:
    """Case ids for typed or pasted case numbers, in order; and the numbers that match no case."""
    require(actor, Permission.CASE_VIEW)
    wanted = [n.strip().upper() for n in numbers if n.strip()]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        found.update(
            {r[0]: int(r[1]) for r in session.execute(select(Case.number, Case.id).where(Case.number.in_(part)))}
        )
    return [found[n] for n in wanted if n in found], [n for n in wanted if n not in found]


@dataclass
class PasteReport:
    lines: list[PastedLine]
    moved: int = 0
    registered: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)


def apply_tracking_column(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    pasted: str,
    *,
    contents: str | None = None,
    mailed_on: dt.date | None = None,
) -> PasteReport:
    """Mark the cases mailed with the pasted numbers, in order.

    Cases at "Claim prepared" take the "mail_claim" transition (the hook opens their shipments);
    cases already further on get the shipment registered without a move. Lines with a problem are
    reported and skipped; the good lines are saved.
    """
    require(actor, Permission.MAIL_MANAGE)
    rows = {
        r.id: r
        for r in session.execute(
            select(Case.id, Case.number, Case.stage, Case.court_name, Case.court_address).where(
                Case.id.in_(list(case_ids))
            )
        )
    }
    ordered = [rows[c] for c in case_ids if c in rows]
    lines = match_tracking_column([r.number for r in ordered], pasted)
    report = PasteReport(lines)
    good = [(ordered[ln.line - 1], ln.tracking_number) for ln in lines if not ln.problem]
    to_move = {r.id: n for r, n in good if r.stage == "claim_prepared"}
    mailed_at = _local_midday(mailed_on) if mailed_on else None
    if to_move:
        result = transition_cases(
            session,
            actor,
            list(to_move),
            "mail_claim",
            {"comment": contents} if contents else None,
            per_case_data={c: {"tracking_number": n} for c, n in to_move.items()},
            source="bulk",
            at=mailed_at,
        )
        report.moved = len(result.moved)
        report.refused = [(o.number, o.reason) for o in result.refused]
    others = [
        ShipmentInput(n, (r.id,), r.court_name, r.court_address, contents, mailed_at)
        for r, n in good
        if r.id not in to_move
    ]
    if others:
        register_shipments(session, actor, others, source="manual")
        report.registered = len(others)
    return report


def shipments_from_moves(
    session: Session, actor: Actor | None, moves: Sequence[tuple[int, str, dt.datetime, str | None]]
) -> None:
    """Open a shipment per (case id, tracking number, mailed at, contents) of a "mail_claim" move."""
    if not moves:
        return
    case_ids = list({m[0] for m in moves})
    courts: dict[int, Any] = {}
    for start in range(0, len(case_ids), CHUNK):
        part = case_ids[start : start + CHUNK]
        courts.update(
            {
                r.id: r
                for r in session.execute(select(Case.id, Case.court_name, Case.court_address).where(Case.id.in_(part)))
            }
        )
    entries = [
        ShipmentInput(
            number,
            (case_id,),
            courts[case_id].court_name if case_id in courts else None,
            courts[case_id].court_address if case_id in courts else None,
            contents,
            at,
        )
        for case_id, number, at, contents in moves
    ]
    register_shipments(session, actor, entries, source="mail_claim")


# ---------------------------------------------------------------- applying the post's answers


@dataclass
class ApplyReport:
    items: int = 0
    new_operations: int = 0
    unknown: int = 0
    delivered: int = 0
    returned: int = 0
    cases_moved: int = 0
    moves_refused: list[tuple[str, str]] = field(default_factory=list)
    cases_flagged: int = 0
    attention: int = 0  # letters moved to "needs attention" by this answer

    def add(self, other: ApplyReport) -> None:
        self.items += other.items
        self.new_operations += other.new_operations
        self.unknown += other.unknown
        self.delivered += other.delivered
        self.returned += other.returned
        self.cases_moved += other.cases_moved
        self.moves_refused.extend(other.moves_refused)
        self.cases_flagged += other.cases_flagged
        self.attention += other.attention


def _utc_of_local(local: dt.datetime) -> dt.datetime:
    """The post sends the office's wall clock; the department's time zone stands in for it."""
    return local.replace(tzinfo=local_tz()).astimezone(dt.UTC)


def _derive(ops: Sequence[Operation]) -> tuple[str, Operation | None, Operation | None]:
    """(status, the operation that decided it, the latest operation) from a full history."""
    ordered = sorted(ops, key=lambda o: o.local_time)
    if not ordered:
        return REGISTERED, None, None
    for op in ordered:
        final = _FINAL_BY_KIND.get(ops_meaning.classify(op.type_id, op.attr_id))
        if final:
            return final, op, ordered[-1]
    return IN_TRANSIT, None, ordered[-1]


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert operations, skipping any already stored (a concurrent refresh may have added them).

    On PostgreSQL one multi-row INSERT per chunk (an executemany would be one round trip per row).
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        for start in range(0, len(rows), CHUNK):
            session.execute(
                postgresql.insert(_OPS)
                .values(rows[start : start + CHUNK])
                .on_conflict_do_nothing(constraint="uq_postal_operations_key")
            )
        return
    if dialect == "sqlite":
        stmt: Any = sqlite.insert(_OPS).on_conflict_do_nothing()
    else:
        stmt = insert(_OPS)
    for start in range(0, len(rows), CHUNK):
        session.execute(stmt, rows[start : start + CHUNK])


def apply_results(
    session: Session, results: Sequence[ItemResult], now: dt.datetime | None = None, *, count_failures: bool = True
) -> ApplyReport:
    """Store what the post reported for these items and act on deliveries and returns.

    An item the post answers with an error (e.g. 12, "item not found") counts one failed poll of
    the letter when ``count_failures`` (the daily cycle; a clerk's refresh does not count); a
    letter that reaches ``postal_max_failed_polls`` goes to "needs attention" and is no longer
    polled. A good answer sets the count back to zero.
    """
    now = now or utcnow()
    report = ApplyReport(items=len(results))
    if not results:
        return report
    barcodes = sorted({normalize_tracking(r.barcode) for r in results})
    known: dict[str, Any] = {}
    for start in range(0, len(barcodes), CHUNK):
        part = barcodes[start : start + CHUNK]
        stmt = (
            select(Shipment.id, Shipment.tracking_number, Shipment.status)
            .where(Shipment.tracking_number.in_(part))
            .order_by(Shipment.tracking_number)
        )
        if is_postgres(session):
            # The job and a clerk's "Refresh this letter now" may apply the same delivery at
            # once: the row lock makes the second wait and then read the status the first wrote,
            # so only one of them sees the letter as newly delivered and moves the case, notes
            # the timeline and audits the change. Locked in tracking-number order (no deadlock).
            stmt = stmt.with_for_update(of=Shipment)
        for row in session.execute(stmt):
            known[row.tracking_number] = row
    existing: set[tuple[int, int, int, str, str]] = set()
    ids = [r.id for r in known.values()]
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        existing.update(
            session.execute(
                select(
                    ShipmentOperation.shipment_id,
                    ShipmentOperation.oper_type,
                    ShipmentOperation.oper_attr,
                    ShipmentOperation.local_time,
                    ShipmentOperation.office_index,
                ).where(ShipmentOperation.shipment_id.in_(part))
            ).all()
        )
    new_ops: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    newly_delivered: list[tuple[int, dt.date, str]] = []
    newly_returned: list[tuple[int, str, str, str]] = []
    audits: list[tuple[object, dict[str, Any]]] = []
    for result in results:
        row = known.get(normalize_tracking(result.barcode))
        if row is None:
            continue
        base = {"b_id": row.id, "b_checked": now}
        if result.error_code is not None:
            report.unknown += 1
            reason = result.error_name or ERROR_NAMES.get(result.error_code, "")
            updates.append(
                {
                    **base,
                    "b_error": f"{result.error_code}: {reason}".strip(),
                    "b_status": row.status,
                    "b_keep": True,
                    "b_inc": 1 if count_failures and row.status in POLLED_STATUSES else 0,
                }
            )
            continue
        for op in result.operations:
            local = op.local_time.strftime(DATE_FORMAT)
            key = (row.id, op.type_id, op.attr_id, local, op.index or "")
            if key in existing:
                continue
            existing.add(key)
            new_ops.append(
                {
                    "shipment_id": row.id,
                    "oper_type": op.type_id,
                    "oper_attr": op.attr_id,
                    "name": op.name[:200],
                    "at": _utc_of_local(op.local_time),
                    "local_time": local,
                    "office_index": op.index or "",
                    "kind": ops_meaning.classify(op.type_id, op.attr_id),
                    "received_at": now,
                }
            )
        status, deciding, latest = _derive(result.operations)
        if row.status not in POLLED_STATUSES and status != row.status:
            # A final status never goes back (a refresh of a settled letter only adds history).
            status = row.status
        param = {
            **base,
            "b_error": None,
            "b_from": row.status,
            "b_status": status,
            "b_keep": False,
            "b_last_op": latest.name[:200] if latest else None,
            "b_last_at": _utc_of_local(latest.local_time) if latest else None,
            "b_delivered_at": _utc_of_local(deciding.local_time) if deciding and status == DELIVERED else None,
            "b_delivered_on": deciding.local_time.date() if deciding and status == DELIVERED else None,
            "b_returned_at": _utc_of_local(deciding.local_time)
            if deciding and status in (RETURNED, REFUSED, LOST)
            else None,
        }
        updates.append(param)
        if row.status in POLLED_STATUSES and status != row.status:
            audits.append((row.id, {"from": row.status, "to": status, "operation": latest.name if latest else ""}))
            if status == DELIVERED and deciding is not None:
                newly_delivered.append((row.id, deciding.local_time.date(), row.tracking_number))
            elif status in (RETURNED, REFUSED, LOST) and deciding is not None:
                newly_returned.append((row.id, ops_meaning.return_reason(deciding), row.tracking_number, status))
    _insert_ignoring_duplicates(session, new_ops)
    report.new_operations = len(new_ops)
    _write_updates(session, updates)
    actor = postal_actor()
    if audits:
        record_audit_many(session, actor, "shipment.status", "shipment", audits)
    failed = [u["b_id"] for u in updates if u["b_keep"] and u["b_inc"]]
    if failed:
        report.attention = _to_attention(session, actor, failed, now)
    report.delivered = len(newly_delivered)
    report.returned = len(newly_returned)
    if newly_delivered:
        _move_delivered(session, actor, newly_delivered, now, report)
    if newly_returned:
        _flag_returned(session, newly_returned, now, report)
    return report


def _write_updates(session: Session, updates: list[dict[str, Any]]) -> None:
    table = Shipment.__table__
    errors = [u for u in updates if u["b_keep"]]
    full = [u for u in updates if not u["b_keep"]]
    if errors:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                last_error=bindparam("b_error"),
                last_checked_at=bindparam("b_checked"),
                failed_polls=table.c.failed_polls + bindparam("b_inc", type_=Integer()),
            ),
            [
                {"b_id": u["b_id"], "b_error": u["b_error"], "b_checked": u["b_checked"], "b_inc": u["b_inc"]}
                for u in errors
            ],
        )
    if full:
        # conditional on the status read (under the row lock on PostgreSQL): a write based on a
        # status someone else has changed since is skipped, never applied over theirs
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.status == bindparam("b_from"))
            .values(
                status=bindparam("b_status"),
                last_error=None,
                failed_polls=0,
                last_checked_at=bindparam("b_checked"),
                last_operation=func.coalesce(bindparam("b_last_op", type_=String()), table.c.last_operation),
                last_operation_at=func.coalesce(
                    bindparam("b_last_at", type_=UTCDateTime()), table.c.last_operation_at, type_=UTCDateTime()
                ),
                delivered_at=func.coalesce(
                    table.c.delivered_at, bindparam("b_delivered_at", type_=UTCDateTime()), type_=UTCDateTime()
                ),
                delivered_on=func.coalesce(
                    table.c.delivered_on, bindparam("b_delivered_on", type_=Date()), type_=Date()
                ),
                returned_at=func.coalesce(
                    table.c.returned_at, bindparam("b_returned_at", type_=UTCDateTime()), type_=UTCDateTime()
                ),
            ),
            [{k: v for k, v in u.items() if k != "b_keep"} for u in full],
        )


def _to_attention(session: Session, actor: SystemActor, shipment_ids: Sequence[int], now: dt.datetime) -> int:
    """Move the letters whose failed polls reached the bound to "needs attention"; how many moved.

    A conditional write (issue #20): only rows still polled and over the bound change, and the
    audit rows follow from the rows the UPDATE returned, so a concurrent run cannot audit twice.
    """
    limit = max(1, get_settings().postal_max_failed_polls)
    table = Shipment.__table__
    moved: list[tuple[int, str, str | None]] = []
    ids = list(shipment_ids)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        moved.extend(
            (int(r.id), r.tracking_number, r.last_error)
            for r in session.execute(
                update(table)
                .where(
                    table.c.id.in_(part),
                    table.c.status.in_(POLLED_STATUSES),
                    table.c.failed_polls >= limit,
                )
                .values(
                    status=ATTENTION,
                    attention_at=now,
                    attention_reason=table.c.last_error,
                    ticket_id=None,
                )
                .returning(table.c.id, table.c.tracking_number, table.c.last_error)
            )
        )
    if moved:
        record_audit_many(
            session,
            actor,
            "shipment.attention",
            "shipment",
            [
                (sid, {"tracking_number": number, "failed_polls": limit, "problem": error})
                for sid, number, error in moved
            ],
        )
    return len(moved)


def _cases_of(session: Session, shipment_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    ids = list(shipment_ids)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for sid, cid in session.execute(
            select(ShipmentCase.shipment_id, ShipmentCase.case_id).where(ShipmentCase.shipment_id.in_(part))
        ).all():
            out[sid].append(cid)
    return out


def _move_delivered(
    session: Session,
    actor: SystemActor,
    delivered: list[tuple[int, dt.date, str]],
    now: dt.datetime,
    report: ApplyReport,
) -> None:
    links = _cases_of(session, [d[0] for d in delivered])
    per_case: dict[int, dict[str, Any]] = {}
    tracking_of: dict[int, tuple[str, dt.date]] = {}
    for shipment_id, day, number in delivered:
        for case_id in links.get(shipment_id, []):
            per_case[case_id] = {"delivered_on": day, "comment": f"Delivered to the court, tracking {number}"}
            tracking_of[case_id] = (number, day)
    if not per_case:
        return
    moved = transition_cases(
        session, actor, list(per_case), "deliver_claim", per_case_data=per_case, source="postal_job", at=now
    )
    report.cases_moved += len(moved.moved)
    report.moves_refused.extend((o.number, o.reason) for o in moved.refused)
    if moved.refused:
        add_case_events(
            session,
            [
                {
                    "case_id": o.case_id,
                    "at": now,
                    "kind": "mail",
                    "source": "postal_job",
                    "user_id": None,
                    "comment": (
                        f"Letter {tracking_of[o.case_id][0]} delivered on {tracking_of[o.case_id][1]:%d.%m.%Y}; "
                        f"the case was not moved: {o.reason}"
                    ),
                    "data": {"tracking_number": tracking_of[o.case_id][0], "status": DELIVERED},
                }
                for o in moved.refused
                if o.case_id in tracking_of
            ],
        )


def _flag_returned(
    session: Session, returned: list[tuple[int, str, str, str]], now: dt.datetime, report: ApplyReport
) -> None:
    """Flag each case for a clerk (one open "mail_returned" flag per case) and note it on the timeline."""
    links = _cases_of(session, [r[0] for r in returned])
    per_case: dict[int, tuple[str, str, str]] = {}
    for shipment_id, reason, number, status in returned:
        for case_id in links.get(shipment_id, []):
            per_case[case_id] = (f"Letter {number}: {reason}", number, status)
    if not per_case:
        return
    case_ids = list(per_case)
    already: set[int] = set()
    for start in range(0, len(case_ids), CHUNK):
        part = case_ids[start : start + CHUNK]
        already.update(
            session.scalars(
                select(CaseFlag.case_id).where(
                    CaseFlag.case_id.in_(part), CaseFlag.kind == FLAG_KIND, CaseFlag.resolved_at.is_(None)
                )
            )
        )
    flags = [
        {"case_id": c, "kind": FLAG_KIND, "reason": per_case[c][0], "created_at": now}
        for c in case_ids
        if c not in already
    ]
    if flags:
        bulk_insert(session, CaseFlag, flags)
    report.cases_flagged += len(flags)
    add_case_events(
        session,
        [
            {
                "case_id": c,
                "at": now,
                "kind": "mail",
                "source": "postal_job",
                "user_id": None,
                "comment": reason,
                "data": {"tracking_number": number, "status": status},
            }
            for c, (reason, number, status) in per_case.items()
        ],
    )


# ---------------------------------------------------------------- refreshing one item now


def refresh_shipment(session: Session, actor: Actor, shipment_id: int, client: Any = None) -> ApplyReport:
    """Ask the single-item service for this letter's history now and apply it (a clerk's button).

    Raises ``PostalUnavailable`` / ``PostalError`` (their messages carry no credentials) when the
    post cannot answer; nothing is changed then.
    """
    require(actor, Permission.MAIL_MANAGE)
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(_("Shipment {shipment_id} does not exist.").format(shipment_id=shipment_id))
    if client is None:
        from core.postal.client import PostalClient

        with PostalClient.from_settings() as own:
            result = own.get_history(shipment.tracking_number)
    else:
        result = client.get_history(shipment.tracking_number)
    report = apply_results(session, [result], utcnow(), count_failures=False)
    record_audit(session, actor, "shipment.refresh", "shipment", shipment_id, {"new_operations": report.new_operations})
    return report


# ---------------------------------------------------------------- reading


FILTERS = ("all", "in_transit", "attention", "delivered", "returned", "stale")


@dataclass(frozen=True)
class ShipmentRow:
    id: int
    tracking_number: str
    status: str
    status_label: str
    cases: str
    addressee: str | None
    mailed_at: dt.datetime
    last_operation: str | None
    last_operation_at: dt.datetime | None
    delivered_on: dt.date | None
    last_error: str | None
    waiting_for_ticket: bool
    failed_polls: int = 0
    attention_reason: str | None = None
    stopped_reason: str | None = None


def _filtered(kind: str, stale_days: int, search: str, now: dt.datetime) -> Any:
    stmt = select(Shipment)
    if kind == "in_transit":
        stmt = stmt.where(Shipment.status.in_(POLLED_STATUSES))
    elif kind == "delivered":
        stmt = stmt.where(Shipment.status == DELIVERED)
    elif kind == "attention":
        stmt = stmt.where(Shipment.status == ATTENTION)
    elif kind == "returned":
        stmt = stmt.where(Shipment.status.in_((RETURNED, REFUSED, LOST, STOPPED)))
    elif kind == "stale":
        cutoff = now - dt.timedelta(days=stale_days)
        stmt = stmt.where(
            Shipment.status.in_(POLLED_STATUSES),
            or_(
                Shipment.last_operation_at < cutoff,
                and_(Shipment.last_operation_at.is_(None), Shipment.mailed_at < cutoff),
            ),
        )
    text = (search or "").strip()
    if text:
        number = normalize_tracking(text)
        case_number = text.upper()
        stmt = stmt.where(
            or_(
                Shipment.tracking_number.like(f"%{number}%"),
                Shipment.id.in_(
                    select(ShipmentCase.shipment_id)
                    .join(Case, Case.id == ShipmentCase.case_id)
                    .where(Case.number == case_number)
                ),
            )
        )
    return stmt


def list_shipments(
    session: Session,
    actor: Actor,
    kind: str = "all",
    *,
    stale_days: int | None = None,
    search: str = "",
    limit: int = 50,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> tuple[list[ShipmentRow], int]:
    """A page of shipments (newest mailed first) and how many match."""
    require(actor, Permission.MAIL_MANAGE)
    if kind not in FILTERS:
        raise ValidationFailed(
            _("Unknown filter '{kind}'.").format(kind=kind), [f"choose one of: {', '.join(FILTERS)}"]
        )
    now = now or utcnow()
    days = stale_days if stale_days is not None else get_settings().postal_stale_days
    stmt = _filtered(kind, days, search, now)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    shipments = list(
        session.scalars(stmt.order_by(Shipment.mailed_at.desc(), Shipment.id.desc()).limit(limit).offset(offset))
    )
    numbers: dict[int, list[str]] = defaultdict(list)
    if shipments:
        for sid, number in session.execute(
            select(ShipmentCase.shipment_id, Case.number)
            .join(Case, Case.id == ShipmentCase.case_id)
            .where(ShipmentCase.shipment_id.in_([s.id for s in shipments]))
            .order_by(Case.number)
        ).all():
            numbers[sid].append(number)
    return [_row(s, numbers.get(s.id, [])) for s in shipments], int(total)


def _row(s: Shipment, case_numbers: list[str]) -> ShipmentRow:
    return ShipmentRow(
        s.id,
        s.tracking_number,
        s.status,
        _(STATUS_LABELS[s.status]) if s.status in STATUS_LABELS else s.status,
        ", ".join(case_numbers),
        s.addressee,
        s.mailed_at,
        s.last_operation,
        s.last_operation_at,
        s.delivered_on,
        s.last_error,
        s.ticket_id is not None,
        s.failed_polls or 0,
        s.attention_reason,
        s.stopped_reason,
    )


@dataclass(frozen=True)
class OperationRow:
    local_time: str
    name: str
    kind: str
    office_index: str
    type_attr: str


def shipment_history(session: Session, actor: Actor, shipment_id: int) -> list[OperationRow]:
    require(actor, Permission.CASE_VIEW)
    rows = session.scalars(
        select(ShipmentOperation)
        .where(ShipmentOperation.shipment_id == shipment_id)
        .order_by(ShipmentOperation.at, ShipmentOperation.id)
    )
    return [OperationRow(o.local_time, o.name, o.kind, o.office_index, f"{o.oper_type}.{o.oper_attr}") for o in rows]


def shipments_for_case(session: Session, actor: Actor, case_id: int) -> list[ShipmentRow]:
    require(actor, Permission.CASE_VIEW)
    shipments = list(
        session.scalars(
            select(Shipment)
            .join(ShipmentCase, ShipmentCase.shipment_id == Shipment.id)
            .where(ShipmentCase.case_id == case_id)
            .order_by(Shipment.mailed_at.desc())
        )
    )
    return [_row(s, [format_case_number(case_id)]) for s in shipments]


@dataclass(frozen=True)
class PostalJobState:
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_status: str | None
    last_result: str | None
    last_error: str | None
    next_run_at: dt.datetime | None
    next_tickets_at: dt.datetime
    tickets_waiting: int
    items_waiting: int
    items_in_transit: int
    items_attention: int = 0


def next_poll_moment(now: dt.datetime, poll_time: str | None = None) -> dt.datetime:
    """The next daily ticket time (local HH:MM) after ``now``, in UTC."""
    last = last_poll_moment(now, poll_time)
    return (last.astimezone(local_tz()) + dt.timedelta(days=1)).astimezone(dt.UTC)


def last_poll_moment(now: dt.datetime, poll_time: str | None = None) -> dt.datetime:
    """The most recent daily ticket time (local HH:MM) at or before ``now``, in UTC."""
    hh, mm = (int(p) for p in (poll_time or get_settings().postal_poll_time).split(":"))
    local_now = now.astimezone(local_tz())
    moment = local_now.replace(hour=hh, minute=mm, second=0, microsecond=0)
    if moment > local_now:
        moment = (moment - dt.timedelta(days=1)).replace(hour=hh, minute=mm)
    return moment.astimezone(dt.UTC)


def job_state(session: Session, actor: Actor, now: dt.datetime | None = None) -> PostalJobState:
    require(actor, Permission.MAIL_MANAGE)
    now = now or utcnow()
    js = session.get(JobState, JOB_NAME)
    tickets = (
        session.scalar(select(func.count()).select_from(PostalTicket).where(PostalTicket.status == TICKET_WAITING)) or 0
    )
    waiting = session.scalar(select(func.count()).select_from(Shipment).where(Shipment.ticket_id.is_not(None))) or 0
    transit = (
        session.scalar(select(func.count()).select_from(Shipment).where(Shipment.status.in_(POLLED_STATUSES))) or 0
    )
    return PostalJobState(
        js.last_started_at if js else None,
        js.last_finished_at if js else None,
        js.last_status if js else None,
        js.last_result if js else None,
        js.last_error if js else None,
        js.next_run_at if js else None,
        next_poll_moment(now),
        int(tickets),
        int(waiting),
        int(transit),
        attention_count(session, actor),
    )


# ---------------------------------------------------------------- the way out for a stuck letter


def attention_count(session: Session, actor: Actor) -> int:
    """How many letters need attention (the page's and the Mail tab's count)."""
    require(actor, Permission.CASE_VIEW)
    return int(session.scalar(select(func.count()).select_from(Shipment).where(Shipment.status == ATTENTION)) or 0)


def resume_tracking(session: Session, actor: Actor, shipment_id: int, tracking_number: str | None = None) -> str:
    """ "Resume tracking" of a letter that needs attention or was stopped; returns its number.

    ``tracking_number`` corrects a mistyped number first (checked like any new one). The letter
    goes back to the daily poll at the next ticket time with its failed polls set to zero. A
    conditional write (issue #20): of two clerks pressing at once, one resumes and the other is
    told it is no longer waiting; the audit row follows from the row actually changed.
    """
    require(actor, Permission.MAIL_MANAGE)
    values: dict[str, Any] = {}
    number: str | None = None
    if tracking_number is not None and tracking_number.strip():
        problem = tracking_problem(tracking_number)
        if problem:
            raise ValidationFailed(
                _("Tracking was not resumed."), [_("Tracking number: {problem}").format(problem=problem)]
            )
        number = normalize_tracking(tracking_number)
        taken = session.scalar(
            select(Shipment.id).where(Shipment.tracking_number == number, Shipment.id != shipment_id)
        )
        if taken is not None:
            raise ValidationFailed(
                _("Tracking was not resumed."),
                [_("Tracking number {number} belongs to another shipment.").format(number=number)],
            )
        values["tracking_number"] = number
    table = Shipment.__table__
    row = session.execute(
        update(table)
        .where(table.c.id == shipment_id, table.c.status.in_((ATTENTION, STOPPED)))
        .values(
            status=sql_case((table.c.last_operation_at.is_not(None), IN_TRANSIT), else_=REGISTERED),
            failed_polls=0,
            last_error=None,
            asked_at=None,
            ticket_id=None,
            attention_reason=None,
            attention_at=None,
            stopped_reason=None,
            **values,
        )
        .returning(table.c.tracking_number, table.c.status)
    ).first()
    if row is None:
        _explain_not_waiting(session, shipment_id, _("Tracking was not resumed."))
    session.expire_all()
    record_audit(
        session,
        actor,
        "shipment.resume",
        "shipment",
        shipment_id,
        {"tracking_number": row.tracking_number, "corrected": number is not None, "status": row.status},
    )
    return str(row.tracking_number)


def stop_tracking(session: Session, actor: Actor, shipment_id: int, reason: str) -> bool:
    """ "Stop tracking" of a letter that needs attention (or is still polled), with a reason.

    The letter is no longer asked about; each case it carries gets one timeline note and the
    action one audit row. A conditional write (issue #20): when two calls race, or the button is
    pressed twice, only the call whose UPDATE changed the row writes them; the other returns False.
    """
    require(actor, Permission.MAIL_MANAGE)
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("Tracking was not stopped."), [_("Give the reason, e.g. “lost by the post”.")])
    if len(text) > 500:
        raise ValidationFailed(_("Tracking was not stopped."), [_("The reason is longer than 500 characters.")])
    table = Shipment.__table__
    now = utcnow()
    row = session.execute(
        update(table)
        .where(table.c.id == shipment_id, table.c.status.in_((ATTENTION, *POLLED_STATUSES)))
        .values(status=STOPPED, stopped_reason=text, ticket_id=None)
        .returning(table.c.tracking_number)
    ).first()
    if row is None:
        status = session.scalar(select(Shipment.status).where(Shipment.id == shipment_id))
        if status == STOPPED:
            return False  # someone (or an earlier press) already stopped it: nothing more to write
        _explain_not_waiting(session, shipment_id, _("Tracking was not stopped."))
    session.expire_all()
    number = str(row.tracking_number)
    case_ids = _cases_of(session, [shipment_id]).get(shipment_id, [])
    user_id = getattr(actor, "id", None)
    add_case_events(
        session,
        [
            {
                "case_id": c,
                "at": now,
                "kind": "mail",
                "source": "manual",
                "user_id": user_id,
                "comment": _("Tracking of letter {number} stopped: {reason}").format(number=number, reason=text),
                "data": {"tracking_number": number, "status": STOPPED},
            }
            for c in case_ids
        ],
    )
    record_audit(session, actor, "shipment.stop", "shipment", shipment_id, {"tracking_number": number, "reason": text})
    return True


def _explain_not_waiting(session: Session, shipment_id: int, headline: str) -> NoReturn:
    """Raise the reason an action on a stuck letter did not apply: gone, or in another state."""
    status = session.scalar(select(Shipment.status).where(Shipment.id == shipment_id))
    if status is None:
        raise NotFound(_("Shipment {shipment_id} does not exist.").format(shipment_id=shipment_id))
    label = _(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    raise ValidationFailed(headline, [_("The letter is “{status}” now.").format(status=label)])

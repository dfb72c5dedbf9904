"""Sending the outbox to the bureau: files per due day, receipts, acknowledgements, exactly once.

The order of work makes a crash harmless (ARCHITECTURE rule 7):

1. *Prepare* (one transaction): claim the due events (``pending``/``held`` -> ``sending``, by an
   UPDATE that re-checks the status, with ``SKIP LOCKED`` on PostgreSQL, so two jobs processes
   never take the same event), validate each record (a failing one goes back to ``held`` with
   the reason), write the file and record the submission with a fresh idempotency key. Commit.
2. *Deliver*: ask the gateway for the receipt of that key; only if it has none, upload with the
   key (the gateway keeps the first upload of a key). Record the receipt. A crash after the
   upload and before the receipt is resumed at step 2 and finds the receipt: nothing is sent
   twice.
3. *Acknowledge*: poll the acknowledgement; accepted records become ``accepted`` (final: the
   claim in step 1 never selects them again), rejected ones go to the correction queue.

Missed days are caught up oldest first, one file per due day, so the bureau receives the
changes of an obligation in the order they happened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.audit.service import record_audit, record_audit_many
from core.auth.permissions import Actor, Permission, SystemActor, require
from core.bureau import rutdf
from core.bureau.client import BureauClient, BureauRefused, BureauUnavailable
from core.bureau.events import COURT_EVENT_LABELS, KIND_LABELS, REPAID, WRITTEN_OFF
from core.bureau.models import (
    ACCEPTED,
    ACKNOWLEDGED,
    ATTENTION,
    FAILED,
    HELD,
    MAX_ACK_FAILURES,
    PENDING,
    PREPARED,
    REJECTED,
    SENDABLE,
    SENDING,
    UPLOADED,
    BureauEvent,
    BureauSubmission,
    BureauSubmissionRecord,
)
from core.bureau.validation import validate_record
from core.calendar import local_date
from core.cases.models import AssignmentAgreement, Case, Contract, Creditor, Debtor
from core.cases.service import add_case_events, raise_flag, resolve_flags_many
from core.db import is_postgres, session_scope, utcnow
from core.errors import NotFound, ValidationFailed
from core.i18n import N_, _, ngettext
from core.jobstate.service import check_lease, page_lease

BATCH = 5000
JOB_ACTOR = SystemActor("bureau job")
UID_NAMESPACE = uuid.UUID("6f0c1a52-3b7e-4d0b-9a43-5a1c2e7d9b10")
TERMINATION_CODES = {REPAID: "1", WRITTEN_OFF: "5"}
REJECT_FLAG = "bureau_rejected"
STATUS_LABELS = {
    PENDING: N_("waiting"),
    HELD: N_("held (fix the data)"),
    SENDING: N_("sent, awaiting answer"),
    ACCEPTED: N_("accepted"),
    REJECTED: N_("rejected"),
}
JOB_NAME = "bureau_submit"  # the page's actions run under this job's lease


# ---------------------------------------------------------------- building records


def obligation_uid(original_creditor_inn: str | None, contract_number: str, contract_date: dt.date) -> str:
    """A stable unique identifier of the obligation (the same for every event of the contract)."""
    return str(uuid.uuid5(UID_NAMESPACE, f"{original_creditor_inn or ''}|{contract_number}|{contract_date}"))


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    value = " ".join(text.split())
    return value or None


def _split_passport(passport: str | None) -> tuple[str | None, str | None]:
    if not passport:
        return None, None
    digits = re.sub(r"\D", "", passport)
    if len(digits) == 10:
        return digits[:4], digits[4:]
    parts = passport.split()
    return (parts[0] if parts else None), ("".join(parts[1:]) or None)


def _date(value: Any) -> dt.date | None:
    """A date from a date, ``yyyy-mm-dd`` (stored payloads) or ``dd.mm.yyyy`` (typed by a person)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    return dt.date.fromisoformat(text[:10])


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class _Context:
    event: BureauEvent
    debtor: Debtor
    contract: Contract
    original_inn: str | None


def build_record(ctx: _Context) -> rutdf.Record:
    """The RUTDF record of an event: the subject as it is now, the event as it was recorded."""
    e, d, c = ctx.event, ctx.debtor, ctx.contract
    p = e.payload or {}
    series, number = _split_passport(d.passport)
    subject = rutdf.Subject(
        last_name=_clean(d.last_name) or "",
        first_name=_clean(d.first_name) or "",
        middle_name=_clean(d.middle_name),
        birth_date=d.birth_date,
        birth_place=_clean(d.birth_place),
        passport_series=series,
        passport_number=number,
        inn=_clean(d.inn),
        snils=re.sub(r"\D", "", d.snils) if d.snils else None,
    )
    obligation = rutdf.Obligation(
        uid=obligation_uid(ctx.original_inn, c.number, c.date),
        contract_number=_clean(c.number) or "",
        contract_date=c.date,
        principal=c.principal,
    )
    payment = termination = court = assignment = None
    changed: tuple[str, ...] = ()
    if e.event_code == "2.3":
        payment = rutdf.Payment(_date(p.get("payment_date")) or e.occurred_on, _amount(p.get("amount")) or Decimal("0"))
    elif e.event_code == "2.5":
        termination = rutdf.Termination(
            _date(p.get("end_date")) or e.occurred_on, TERMINATION_CODES.get(e.kind, "1"), _amount(p.get("amount"))
        )
    elif e.event_code == "2.6":
        court = rutdf.CourtAct(
            court_event=str(p.get("court_event")),
            dispute=bool(p.get("dispute", True)),
            court_name=_clean(p.get("court_name")),
            act_date=_date(p.get("act_date")),
            act_number=_clean(p.get("act_number")),
            in_force=bool(p.get("in_force")),
            in_force_date=_date(p.get("in_force_date")),
            awarded_amount=_amount(p.get("awarded_amount")),
        )
    elif e.event_code == "2.11":
        assignment = rutdf.Assignment(
            _clean(p.get("agreement_number")),
            _date(p.get("agreement_date")),
            _clean(p.get("cedent_name")),
            _clean(p.get("cedent_inn")),
            _clean(p.get("assignee_name")),
            _clean(p.get("assignee_inn")),
        )
    elif e.event_code == "1.9":
        changed = tuple(str(f) for f in p.get("fields") or ())
    return rutdf.Record(
        uid=e.record_uid,
        event_code=e.event_code,
        event_date=e.occurred_on,
        subject=subject,
        obligation=obligation,
        payment=payment,
        termination=termination,
        court=court,
        assignment=assignment,
        changed_fields=changed,
    )


def _contexts(session: Session, events: Sequence[BureauEvent]) -> list[_Context]:
    case_ids = {e.case_id for e in events}
    rows = session.execute(
        select(Case.id, Debtor, Contract, Creditor.inn)
        .join(Debtor, Debtor.id == Case.debtor_id)
        .join(Contract, Contract.id == Case.contract_id)
        .join(Creditor, Creditor.id == Contract.original_creditor_id)
        .where(Case.id.in_(case_ids))
    ).all()
    by_case = {int(r[0]): r for r in rows}
    debtors = {int(r[1].id): r[1] for r in rows}
    missing = {e.debtor_id for e in events} - set(debtors)
    if missing:
        debtors.update({int(x.id): x for x in session.scalars(select(Debtor).where(Debtor.id.in_(missing)))})
    out = []
    for e in events:
        row = by_case[e.case_id]
        out.append(_Context(e, debtors[e.debtor_id], row[2], row[3]))
    return out


def record_problems(session: Session, event_ids: Sequence[int], report_date: dt.date) -> dict[int, list[str]]:
    """Validation of the events as they would be sent now: event id -> problems (empty: fine)."""
    events = list(session.scalars(select(BureauEvent).where(BureauEvent.id.in_(list(event_ids)))))
    return {ctx.event.id: validate_record(build_record(ctx), report_date) for ctx in _contexts(session, events)}


# ---------------------------------------------------------------- the source (our company)


def _source_expr() -> Any:
    agreement = aliased(AssignmentAgreement)
    return agreement, func.coalesce(agreement.assignee_id, Case.creditor_id)


def _header(session: Session, source_id: int, report_date: dt.date, reference: str) -> rutdf.Header:
    creditor = session.get(Creditor, source_id)
    return rutdf.Header(
        source_inn=(creditor.inn if creditor else None) or "",
        source_ogrn=(creditor.ogrn if creditor else None) or "",
        source_name=_clean(creditor.name if creditor else None) or "",
        report_date=report_date,
        reference=reference,
    )


# ---------------------------------------------------------------- prepare, deliver, acknowledge


@dataclass
class RunSummary:
    """What a pass did, counted from the rows it changed (not from what it attempted)."""

    files: int = 0  # new files of this pass that got a receipt
    records: int = 0  # records in those files
    # (a file of an earlier pass that got its receipt now counts in ``resumed``)
    not_sent: int = 0  # records of files prepared in this pass that did not get a receipt
    held: int = 0
    accepted: int = 0
    rejected: int = 0
    resumed: int = 0
    waiting: int = 0
    attention: int = 0  # files moved to "needs attention" in this pass
    errors: list[str] = field(default_factory=list)
    waiting_ids: set[int] = field(default_factory=set)
    failed_ids: set[int] = field(default_factory=set)  # asked in this pass, and the request failed

    def text(self) -> str:
        parts = [
            ngettext("{n} file", "{n} files", self.files).format(n=self.files)
            + ", "
            + ngettext("{n} record sent", "{n} records sent", self.records).format(n=self.records),
            _("{n} held for correction").format(n=self.held),
            _("{accepted} accepted, {rejected} rejected").format(accepted=self.accepted, rejected=self.rejected),
        ]
        if self.not_sent:
            parts.append(_("{n} record(s) prepared but not sent (retried on the next run)").format(n=self.not_sent))
        if self.resumed:
            parts.append(
                ngettext(
                    "{n} interrupted submission resumed", "{n} interrupted submissions resumed", self.resumed
                ).format(n=self.resumed)
            )
        if self.waiting:
            parts.append(_("{n} awaiting acknowledgement").format(n=self.waiting))
        if self.attention:
            parts.append(_("{n} file(s) need attention on the Bureau page").format(n=self.attention))
        if self.errors:
            parts.append(
                ngettext("{n} error: {first}", "{n} errors: {first}", len(self.errors)).format(
                    n=len(self.errors), first=self.errors[0]
                )
            )
        return "; ".join(parts)


def _due_groups(session: Session, today: dt.date) -> list[tuple[dt.date, int]]:
    agreement, source = _source_expr()
    rows = session.execute(
        select(BureauEvent.due_date, source)
        .join(Case, Case.id == BureauEvent.case_id)
        .outerjoin(agreement, agreement.id == Case.agreement_id)
        .where(BureauEvent.status.in_(SENDABLE), BureauEvent.due_date <= today)
        .distinct()
    ).all()
    return sorted((r[0], int(r[1])) for r in rows)


def prepare_submission(
    session: Session, report_date: dt.date, source_id: int, after_id: int, today: dt.date
) -> tuple[int | None, int, int, int]:
    """Claim up to ``BATCH`` due events of one day and source, validate, write the file.

    Returns (submission id or None, records in the file, events held, last event id looked at).
    """
    agreement, source = _source_expr()
    stmt = (
        select(BureauEvent.id)
        .join(Case, Case.id == BureauEvent.case_id)
        .outerjoin(agreement, agreement.id == Case.agreement_id)
        .where(
            BureauEvent.status.in_(SENDABLE),
            BureauEvent.due_date == report_date,
            source == source_id,
            BureauEvent.id > after_id,
        )
        .order_by(BureauEvent.id)
        .limit(BATCH)
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(of=BureauEvent, skip_locked=True)
    ids = list(session.scalars(stmt))
    if not ids:
        return None, 0, 0, after_id
    last_id = ids[-1]
    submission = BureauSubmission(
        idempotency_key=uuid.uuid4().hex,
        report_date=report_date,
        file_name="",
        file_sha256="",
        content=b"",
        record_count=0,
        status=PREPARED,
        created_at=utcnow(),
        attempts=0,
        accepted_count=0,
        rejected_count=0,
    )
    session.add(submission)
    session.flush()
    session.execute(
        update(BureauEvent)
        .where(BureauEvent.id.in_(ids), BureauEvent.status.in_(SENDABLE))
        .values(status=SENDING, submission_id=submission.id)
        .execution_options(synchronize_session=False)
    )
    claimed = list(
        session.scalars(
            select(BureauEvent)
            .where(BureauEvent.submission_id == submission.id, BureauEvent.status == SENDING)
            .order_by(BureauEvent.occurred_on, BureauEvent.id)
            .execution_options(populate_existing=True)
        )
    )
    records: list[rutdf.Record] = []
    sent: list[BureauEvent] = []
    held: list[tuple[int, str]] = []
    for ctx in _contexts(session, claimed):
        record = build_record(ctx)
        problems = validate_record(record, max(today, report_date))
        if problems:
            held.append((ctx.event.id, "; ".join(problems)))
        else:
            records.append(record)
            sent.append(ctx.event)
    if held:
        session.execute(
            update(BureauEvent.__table__)
            .where(BureauEvent.__table__.c.id == bindparam("b_id"))
            .values(status=HELD, submission_id=None, hold_reason=bindparam("b_reason")),
            [{"b_id": i, "b_reason": r} for i, r in held],
        )
    if not records:
        session.delete(submission)
        session.flush()
        return None, 0, len(held), last_id
    header = _header(session, source_id, report_date, f"CESSIO-{submission.id:08d}")
    content = rutdf.write(rutdf.ReportFile(header, tuple(records)))
    submission.content = content
    submission.file_sha256 = hashlib.sha256(content).hexdigest()
    submission.file_name = f"RUTDF_{header.source_inn or 'SOURCE'}_{report_date:%Y%m%d}_{submission.id:06d}.txt"
    submission.record_count = len(records)
    session.execute(
        BureauSubmissionRecord.__table__.insert(),
        [{"submission_id": submission.id, "event_id": e.id} for e in sent],
    )
    session.execute(
        update(BureauEvent)
        .where(BureauEvent.id.in_([e.id for e in sent]))
        .values(send_count=BureauEvent.send_count + 1, hold_reason=None)
        .execution_options(synchronize_session=False)
    )
    check_lease()  # a pass that lost its lease to another process must not commit this file
    record_audit(
        session,
        JOB_ACTOR,
        "bureau.submission_prepared",
        "bureau_submission",
        submission.id,
        {"file": submission.file_name, "records": len(records), "held": len(held), "report_date": report_date},
    )
    return submission.id, len(records), len(held), last_id


def deliver(client: BureauClient, submission_id: int, engine: Engine | None = None) -> bool:
    """Get a receipt for a prepared submission; True when it has one. Never uploads a key twice
    if the gateway already has it.

    Two passes may deliver the same prepared file at once (two jobs processes, or a person's
    resend beside the job): both ask with the same key and get the same receipt, and the status
    moves ``prepared -> uploaded`` by one conditional UPDATE, so only the pass that moved it
    records the upload."""
    with session_scope(engine) as session:
        sub = session.get(BureauSubmission, submission_id)
        if sub is None or sub.status != PREPARED:
            return sub is not None and sub.status in (UPLOADED, ACKNOWLEDGED)
        key, content, name = sub.idempotency_key, sub.content, sub.file_name
    try:
        receipt = client.find_receipt(key)
        if receipt is None:
            receipt = client.upload(content, key, name)
    except (BureauUnavailable, BureauRefused) as exc:
        with session_scope(engine) as session:
            session.execute(
                update(BureauSubmission)
                .where(BureauSubmission.id == submission_id, BureauSubmission.status == PREPARED)
                .values(attempts=BureauSubmission.attempts + 1, last_error=str(exc))
                .execution_options(synchronize_session=False)
            )
            if isinstance(exc, BureauRefused) and exc.status_code in (400, 413, 422):
                _give_up(session, submission_id, str(exc))
        return False
    with session_scope(engine) as session:
        check_lease()
        moved = session.execute(
            update(BureauSubmission)
            .where(BureauSubmission.id == submission_id, BureauSubmission.status == PREPARED)
            .values(
                attempts=BureauSubmission.attempts + 1,
                status=UPLOADED,
                receipt_id=receipt.receipt_id,
                received_at=receipt.received_at,
                last_error=None,
                ack_failures=0,
            )
            .returning(BureauSubmission.id)
            .execution_options(synchronize_session=False)
        ).first()
        if moved is None:
            # another pass recorded this receipt first: it is delivered, but not by us
            return True
        record_audit(
            session,
            JOB_ACTOR,
            "bureau.submission_uploaded",
            "bureau_submission",
            submission_id,
            {"receipt": receipt.receipt_id, "records": receipt.records},
        )
    return True


def _give_up(session: Session, submission_id: int, reason: str) -> None:
    """The gateway refuses the file itself: sending it again cannot help, so its events go to the
    correction queue (held, with the gateway's words) and a new file is built once they are fixed."""
    moved = session.execute(
        update(BureauSubmission)
        .where(BureauSubmission.id == submission_id, BureauSubmission.status == PREPARED)
        .values(status=FAILED)
        .returning(BureauSubmission.id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        return
    session.execute(
        update(BureauEvent)
        .where(BureauEvent.submission_id == submission_id, BureauEvent.status == SENDING)
        .values(status=HELD, submission_id=None, hold_reason=f"The gateway refused the whole file: {reason}")
        .execution_options(synchronize_session=False)
    )
    record_audit(
        session, JOB_ACTOR, "bureau.submission_refused", "bureau_submission", submission_id, {"reason": reason}
    )


def apply_acknowledgement(
    session: Session,
    submission_id: int,
    status: str,
    processed_at: dt.datetime,
    results: dict[str, tuple[str, str | None, str | None]],
) -> tuple[int, int]:
    """Record the bureau's answer: accepted events become final, rejected ones wait for correction.

    Exactly once even when two passes (the job and a person's "Check acknowledgements", or two
    jobs processes) hold the same answer: the submission is claimed first with one conditional
    ``UPDATE ... WHERE status = 'uploaded' RETURNING``. The second pass waits on that row's lock
    (PostgreSQL) or on the database's write lock (SQLite), then finds it answered and changes
    nothing, so the timeline entries, flags, audit row and counters are written once, by the pass
    that claimed it. Only events still ``sending`` in this submission change, so an accepted
    event is never touched again. Returns (accepted, rejected) as changed by this call.
    """
    claimed = session.execute(
        update(BureauSubmission)
        .where(BureauSubmission.id == submission_id, BureauSubmission.status == UPLOADED)
        .values(status=ACKNOWLEDGED, ack_status=status, acknowledged_at=processed_at, ack_failures=0)
        .returning(BureauSubmission.id)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        return 0, 0
    event_stmt = select(BureauEvent.id, BureauEvent.record_uid, BureauEvent.case_id, BureauEvent.kind).where(
        BureauEvent.submission_id == submission_id, BureauEvent.status == SENDING
    )
    if is_postgres(session):
        event_stmt = event_stmt.order_by(BureauEvent.id).with_for_update()
    events = list(session.execute(event_stmt))
    accepted_ids: list[int] = []
    rejected: list[dict[str, Any]] = []
    for e in events:
        outcome, code, message = results.get(
            e.record_uid, ("rejected", "NO_ANSWER", "The acknowledgement did not mention this record; send it again")
        )
        if outcome == "accepted":
            accepted_ids.append(e.id)
        else:
            rejected.append(
                {
                    "b_id": e.id,
                    "b_code": code or "REJECTED",
                    "b_text": message or "Rejected",
                    "case_id": e.case_id,
                    "kind": e.kind,
                }
            )
    if accepted_ids:
        accepted_ids = list(
            session.scalars(
                update(BureauEvent)
                .where(BureauEvent.id.in_(accepted_ids), BureauEvent.status == SENDING)
                .values(
                    status=ACCEPTED,
                    accepted_at=processed_at,
                    accepted_on=local_date(processed_at),
                    accepted_submission_id=submission_id,
                    reject_code=None,
                    reject_text=None,
                )
                .returning(BureauEvent.id)
                .execution_options(synchronize_session=False)
            )
        )
        session.execute(
            update(BureauSubmissionRecord)
            .where(
                BureauSubmissionRecord.submission_id == submission_id,
                BureauSubmissionRecord.event_id.in_(accepted_ids),
            )
            .values(outcome=ACCEPTED)
            .execution_options(synchronize_session=False)
        )
    if rejected:
        t = BureauEvent.__table__
        session.execute(
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.status == SENDING)
            .values(status=REJECTED, reject_code=bindparam("b_code"), reject_text=bindparam("b_text")),
            [{k: r[k] for k in ("b_id", "b_code", "b_text")} for r in rejected],
        )
        rt = BureauSubmissionRecord.__table__
        session.execute(
            update(rt)
            .where(rt.c.submission_id == submission_id, rt.c.event_id == bindparam("b_id"))
            .values(outcome=REJECTED, error_code=bindparam("b_code"), error_text=bindparam("b_text")),
            [{k: r[k] for k in ("b_id", "b_code", "b_text")} for r in rejected],
        )
        add_case_events(
            session,
            [
                {
                    "case_id": r["case_id"],
                    "at": utcnow(),
                    "kind": "bureau",
                    "source": "bureau_job",
                    "user_id": None,
                    "comment": f"Credit bureau rejected '{KIND_LABELS.get(r['kind'], r['kind'])}': "
                    f"{r['b_code']} {r['b_text']}",
                    "data": {"event_id": r["b_id"], "code": r["b_code"], "submission_id": submission_id},
                }
                for r in rejected
            ],
        )
        for case_id in sorted({r["case_id"] for r in rejected}):
            raise_flag(
                session, case_id, REJECT_FLAG, _("The credit bureau rejected a report: see the Credit bureau tab.")
            )
    session.execute(
        update(BureauSubmission)
        .where(BureauSubmission.id == submission_id)
        .values(accepted_count=len(accepted_ids), rejected_count=len(rejected))
        .execution_options(synchronize_session=False)
    )
    check_lease()
    record_audit(
        session,
        JOB_ACTOR,
        "bureau.acknowledged",
        "bureau_submission",
        submission_id,
        {"status": status, "accepted": len(accepted_ids), "rejected": len(rejected)},
    )
    return len(accepted_ids), len(rejected)


def _ack_failed(engine: Engine | None, submission_id: int, problem: str) -> bool:
    """Count a failed acknowledgement request; True when it moved the file to "needs attention"."""
    with session_scope(engine) as session:
        session.execute(
            update(BureauSubmission)
            .where(BureauSubmission.id == submission_id, BureauSubmission.status == UPLOADED)
            .values(ack_failures=BureauSubmission.ack_failures + 1, last_error=problem)
            .execution_options(synchronize_session=False)
        )
        moved = session.execute(
            update(BureauSubmission)
            .where(
                BureauSubmission.id == submission_id,
                BureauSubmission.status == UPLOADED,
                BureauSubmission.ack_failures >= MAX_ACK_FAILURES,
            )
            .values(
                status=ATTENTION,
                last_error=_(
                    "The bureau's answer could not be had {n} times running; last problem: {problem}. "
                    "Upload it again with the same key, or mark it failed to send its records anew."
                ).format(n=MAX_ACK_FAILURES, problem=problem),
            )
            .returning(BureauSubmission.id)
            .execution_options(synchronize_session=False)
        ).first()
        if moved is not None:
            record_audit(
                session,
                JOB_ACTOR,
                "bureau.submission_attention",
                "bureau_submission",
                submission_id,
                {"failures": MAX_ACK_FAILURES, "problem": problem},
            )
        return moved is not None


def poll_acknowledgements(
    client: BureauClient,
    summary: RunSummary | None = None,
    engine: Engine | None = None,
    only: set[int] | None = None,
) -> RunSummary:
    """Ask for the acknowledgement of every uploaded submission (or of ``only`` these); record
    the ones that came. A failed request counts against the file: after ``MAX_ACK_FAILURES``
    running it goes to "needs attention" instead of being asked for forever."""
    summary = summary or RunSummary()
    with session_scope(engine) as session:
        stmt = (
            select(BureauSubmission.id, BureauSubmission.receipt_id)
            .where(BureauSubmission.status == UPLOADED)
            .order_by(BureauSubmission.id)
        )
        if only is not None:
            stmt = stmt.where(BureauSubmission.id.in_(sorted(only) or [-1]))
        pending = list(session.execute(stmt))
    summary.waiting = 0
    summary.waiting_ids = set()
    for sub_id, receipt_id in pending:
        if sub_id in summary.failed_ids:
            continue  # one failed request per file and pass: the bound counts passes, not retries
        check_lease()
        try:
            ack = client.acknowledgement(str(receipt_id))
        except (BureauUnavailable, BureauRefused) as exc:
            summary.errors.append(str(exc))
            summary.failed_ids.add(sub_id)
            if _ack_failed(engine, sub_id, str(exc)):
                summary.attention += 1
            continue
        if ack is None:
            summary.waiting += 1
            summary.waiting_ids.add(sub_id)
            continue
        results = {r.uid: (r.status, r.code, r.message) for r in ack.records}
        with session_scope(engine) as session:
            accepted, rejected = apply_acknowledgement(session, sub_id, ack.status, ack.processed_at, results)
        summary.accepted += accepted
        summary.rejected += rejected
    return summary


def run_submissions(
    client: BureauClient,
    *,
    today: dt.date | None = None,
    engine: Engine | None = None,
    ack_wait_seconds: float = 0.0,
    ack_poll_interval: float = 2.0,
) -> RunSummary:
    """One pass of the daily job: answers of earlier days, interrupted uploads, then every due
    day oldest first; finally waits up to ``ack_wait_seconds`` for today's acknowledgements
    (only for the files the bureau is still processing: a file whose request failed is not
    asked again in this pass)."""
    today = today or local_date(utcnow())
    summary = RunSummary()
    poll_acknowledgements(client, summary, engine)
    with session_scope(engine) as session:
        interrupted = list(
            session.scalars(
                select(BureauSubmission.id).where(BureauSubmission.status == PREPARED).order_by(BureauSubmission.id)
            )
        )
    for sub_id in interrupted:
        check_lease()
        if deliver(client, sub_id, engine):
            summary.resumed += 1
        else:
            summary.errors.append(_last_error(sub_id, engine))
    with session_scope(engine) as session:
        groups = _due_groups(session, today)
    for report_date, source_id in groups:
        after_id = 0
        while True:
            check_lease()
            with session_scope(engine) as session:
                sub_id, records, held, last_id = prepare_submission(session, report_date, source_id, after_id, today)
            summary.held += held
            if last_id == after_id:
                break
            after_id = last_id
            if sub_id is None:
                continue
            if deliver(client, sub_id, engine):
                summary.files += 1
                summary.records += records
            else:
                summary.not_sent += records
                summary.errors.append(_last_error(sub_id, engine))
    deadline = time.monotonic() + ack_wait_seconds
    poll_acknowledgements(client, summary, engine)
    while summary.waiting and time.monotonic() < deadline:
        time.sleep(ack_poll_interval)
        poll_acknowledgements(client, summary, engine, only=summary.waiting_ids)
    return summary


def _last_error(submission_id: int, engine: Engine | None) -> str:
    with session_scope(engine) as session:
        sub = session.get(BureauSubmission, submission_id)
        return (sub.last_error if sub else None) or "unknown error"


def send_now(actor: Actor, client: BureauClient, engine: Engine | None = None) -> RunSummary:
    """The page's "send due events now": the daily job's pass, started by a head of department.

    It runs under the job's lease, so it never runs beside the job (or beside another person's
    send-now): ``JobBusy`` tells the person the job is at it."""
    require(actor, Permission.BUREAU_MANAGE)
    with page_lease(engine, JOB_NAME, actor.username):
        with session_scope(engine) as session:
            record_audit(session, actor, "bureau.send_now", "bureau_submission", None, {})
        return run_submissions(client, engine=engine)


def check_acknowledgements(actor: Actor, client: BureauClient, engine: Engine | None = None) -> RunSummary:
    """The page's "Check acknowledgements", under the job's lease like ``send_now``."""
    require(actor, Permission.BUREAU_MANAGE)
    with page_lease(engine, JOB_NAME, actor.username):
        return poll_acknowledgements(client, None, engine)


def resend_submission(actor: Actor, client: BureauClient, submission_id: int, engine: Engine | None = None) -> bool:
    """ "Upload again" for a file that needs attention: the same file with the same idempotency
    key, so the gateway keeps one copy whatever it already has; True when it got a receipt."""
    require(actor, Permission.BUREAU_MANAGE)
    with page_lease(engine, JOB_NAME, actor.username):
        with session_scope(engine) as session:
            moved = session.execute(
                update(BureauSubmission)
                .where(BureauSubmission.id == submission_id, BureauSubmission.status == ATTENTION)
                .values(status=PREPARED, receipt_id=None, received_at=None, ack_failures=0)
                .returning(BureauSubmission.id)
                .execution_options(synchronize_session=False)
            ).first()
            if moved is None:
                raise ValidationFailed(_("Only a file that needs attention can be uploaded again."))
            record_audit(session, actor, "bureau.submission_resend", "bureau_submission", submission_id, {})
        return deliver(client, submission_id, engine)


def mark_submission_failed(session: Session, actor: Actor, submission_id: int, reason: str = "") -> int:
    """ "Mark failed" for a file that needs attention: the file is given up and its records that
    are still awaiting an answer go back to the queue, to be sent in the next file (the bureau
    keys records by their uid, so a record it did get is only confirmed again). Returns how many
    events went back."""
    require(actor, Permission.BUREAU_MANAGE)
    moved = session.execute(
        update(BureauSubmission)
        .where(BureauSubmission.id == submission_id, BureauSubmission.status == ATTENTION)
        .values(
            status=FAILED,
            last_error=_("Marked failed by {user}: {reason}").format(
                user=actor.username, reason=reason.strip() or _("no reason given")
            ),
        )
        .returning(BureauSubmission.id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        raise ValidationFailed(_("Only a file that needs attention can be marked failed."))
    returned = list(
        session.scalars(
            update(BureauEvent)
            .where(BureauEvent.submission_id == submission_id, BureauEvent.status == SENDING)
            .values(status=PENDING, submission_id=None)
            .returning(BureauEvent.id)
            .execution_options(synchronize_session=False)
        )
    )
    record_audit(
        session,
        actor,
        "bureau.submission_failed",
        "bureau_submission",
        submission_id,
        {"reason": reason.strip(), "events_returned": len(returned)},
    )
    session.expire_all()
    return len(returned)


# ---------------------------------------------------------------- the correction queue


@dataclass(frozen=True)
class ResendOutcome:
    event_id: int
    queued: bool
    reason: str = ""


def send_again(
    session: Session, actor: Actor, event_ids: Sequence[int], today: dt.date | None = None
) -> list[ResendOutcome]:
    """Put corrected events back in the queue. An accepted event is never sent again; one whose
    data still fails validation stays where it is, with the problems listed."""
    require(actor, Permission.BUREAU_MANAGE)
    today = today or local_date(utcnow())
    ids = list(dict.fromkeys(int(i) for i in event_ids))
    events = {e.id: e for e in session.scalars(select(BureauEvent).where(BureauEvent.id.in_(ids)))}
    problems = record_problems(session, [i for i in ids if i in events], today)
    stuck_subs = set(
        session.scalars(
            select(BureauSubmission.id).where(
                BureauSubmission.id.in_({e.submission_id for e in events.values() if e.submission_id} or {-1}),
                BureauSubmission.status == ATTENTION,
            )
        )
    )
    outcomes: list[ResendOutcome] = []
    queued: list[BureauEvent] = []
    for event_id in ids:
        event = events.get(event_id)
        if event is None:
            outcomes.append(ResendOutcome(event_id, False, "no such bureau event"))
        elif event.status == ACCEPTED:
            outcomes.append(ResendOutcome(event_id, False, "already accepted by the bureau; it is never sent twice"))
        elif event.status == SENDING and event.submission_id in stuck_subs and not problems.get(event_id):
            # its file needs attention (no answer can be had): take the event out of it
            queued.append(event)
            outcomes.append(ResendOutcome(event_id, True))
        elif event.status == SENDING:
            outcomes.append(ResendOutcome(event_id, False, "is in a submission awaiting the bureau's answer"))
        elif event.status == PENDING:
            outcomes.append(ResendOutcome(event_id, False, "is already waiting to be sent"))
        elif problems.get(event_id):
            outcomes.append(ResendOutcome(event_id, False, "; ".join(problems[event_id])))
        else:
            queued.append(event)
            outcomes.append(ResendOutcome(event_id, True))
    if queued:
        session.execute(
            update(BureauEvent)
            .where(BureauEvent.id.in_([e.id for e in queued]), BureauEvent.status.in_((HELD, REJECTED)))
            .values(status=PENDING, hold_reason=None)
            .execution_options(synchronize_session=False)
        )
        from_stuck = [e.id for e in queued if e.status == SENDING]
        if from_stuck:
            session.execute(
                update(BureauEvent)
                .where(
                    BureauEvent.id.in_(from_stuck),
                    BureauEvent.status == SENDING,
                    BureauEvent.submission_id.in_(
                        select(BureauSubmission.id).where(BureauSubmission.status == ATTENTION)
                    ),
                )
                .values(status=PENDING, submission_id=None, hold_reason=None)
                .execution_options(synchronize_session=False)
            )
        record_audit_many(
            session,
            actor,
            "bureau.send_again",
            "bureau_event",
            [(e.id, {"case_id": e.case_id, "was": e.status, "code": e.reject_code}) for e in queued],
        )
        affected = {e.case_id for e in queued}
        still_rejected = set(
            session.scalars(
                select(BureauEvent.case_id)
                .where(BureauEvent.case_id.in_(affected), BureauEvent.status == REJECTED)
                .distinct()
            )
        )
        resolve_flags_many(session, actor, sorted(affected - still_rejected), [REJECT_FLAG])
        session.expire_all()
    return outcomes


EDITABLE_FIELDS: dict[str, dict[str, str]] = {
    "2.3": {"amount": "amount", "payment_date": "date"},
    "2.5": {"end_date": "date", "amount": "amount"},
    "2.6": {
        "act_number": "text",
        "act_date": "date",
        "in_force_date": "date",
        "awarded_amount": "amount",
        "court_name": "text",
    },
    "2.11": {"agreement_number": "text", "agreement_date": "date", "assignee_name": "text", "assignee_inn": "text"},
}


def correct_event(session: Session, actor: Actor, event_id: int, changes: dict[str, Any]) -> ResendOutcome:
    """Fix the event's own data (act number, dates, amounts) and queue it again."""
    require(actor, Permission.BUREAU_MANAGE)
    event = session.get(BureauEvent, event_id)
    if event is None:
        raise NotFound(_("Bureau event {event_id} does not exist.").format(event_id=event_id))
    if event.status not in (HELD, REJECTED):
        raise ValidationFailed(
            _("Only held or rejected events can be corrected; this one is '{status}'.").format(
                status=_(STATUS_LABELS[event.status])
            )
        )
    allowed = EDITABLE_FIELDS.get(event.event_code, {})
    payload = dict(event.payload or {})
    problems: dict[str, str] = {}
    for name, value in changes.items():
        kind = allowed.get(name)
        if kind is None:
            problems[name] = _("this field cannot be corrected for this event (fix the case or debtor instead)")
            continue
        try:
            if kind == "date":
                parsed = _date(value)
                payload[name] = parsed.isoformat() if parsed else None
            elif kind == "amount":
                amount = _amount(value)
                payload[name] = str(amount) if amount is not None else None
            else:
                payload[name] = _clean(str(value)) if value is not None else None
        except (ValueError, ArithmeticError):
            problems[name] = _("'{value}' is not a valid {kind}").format(value=value, kind=kind)
    if problems:
        raise ValidationFailed(_("Some corrections cannot be accepted."), problems)
    before = dict(event.payload or {})
    event.payload = payload
    record_audit(session, actor, "bureau.correct", "bureau_event", event.id, {"before": before, "after": payload})
    session.flush()
    return send_again(session, actor, [event.id])[0]


# ---------------------------------------------------------------- what the page and the card show


@dataclass(frozen=True)
class EventRow:
    id: int
    case_id: int
    case_number: str
    debtor: str
    kind: str
    what: str
    event_code: str
    occurred_on: dt.date
    due_date: dt.date
    statutory_date: dt.date
    status: str
    status_label: str
    problem: str | None
    accepted_on: dt.date | None
    overdue: bool
    past_statutory: bool
    stuck: bool = False  # sending in a file that needs attention: "Send again" takes it out


VIEWS = ("due_today", "overdue", "corrections", "waiting", "all")


def _what(kind: str, payload: dict[str, Any]) -> str:
    label = KIND_LABELS.get(kind, kind)
    if payload.get("court_event"):
        return COURT_EVENT_LABELS.get(payload["court_event"], label)
    if payload.get("amount") and kind in ("payment", "written_off"):
        return f"{label}: {payload['amount']}"
    return label


def list_events(
    session: Session,
    actor: Actor,
    view: str = "all",
    today: dt.date | None = None,
    *,
    case_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[EventRow], int]:
    """A page of bureau events for a view; returns (rows, total in the view)."""
    require(actor, Permission.BUREAU_VIEW)
    today = today or local_date(utcnow())
    stmt = (
        select(BureauEvent, Case.number, Debtor.full_name, BureauSubmission.status, BureauSubmission.last_error)
        .join(Case, Case.id == BureauEvent.case_id)
        .join(Debtor, Debtor.id == BureauEvent.debtor_id)
        .outerjoin(BureauSubmission, BureauSubmission.id == BureauEvent.submission_id)
    )
    open_ = BureauEvent.status != ACCEPTED
    conditions = {
        "due_today": and_(open_, BureauEvent.due_date == today),
        "overdue": and_(open_, BureauEvent.due_date < today),
        "corrections": BureauEvent.status.in_((HELD, REJECTED)),
        "waiting": BureauEvent.status.in_((PENDING, SENDING)),
    }
    if view not in VIEWS:
        raise ValidationFailed(
            _("Unknown view '{view}'; choose one of: {items}.").format(view=view, items=", ".join(VIEWS))
        )
    if view in conditions:
        stmt = stmt.where(conditions[view])
    if case_id is not None:
        debtor_id = session.scalar(select(Case.debtor_id).where(Case.id == case_id))
        stmt = stmt.where(
            or_(
                BureauEvent.case_id == case_id,
                and_(BureauEvent.debtor_id == debtor_id, BureauEvent.event_code == "1.9"),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(BureauEvent.due_date.desc() if view == "all" else BureauEvent.due_date, BureauEvent.id)
        .limit(limit)
        .offset(offset)
    ).all()
    out = []
    for e, number, name, sub_status, sub_error in rows:
        stuck = e.status == SENDING and sub_status == ATTENTION
        problem = (
            e.hold_reason
            if e.status == HELD
            else (f"{e.reject_code}: {e.reject_text}" if e.status == REJECTED else (sub_error if stuck else None))
        )
        done_on = e.accepted_on
        overdue = (done_on is None and e.due_date < today) or (done_on is not None and done_on > e.due_date)
        past_stat = (done_on is None and e.statutory_date < today) or (
            done_on is not None and done_on > e.statutory_date
        )
        out.append(
            EventRow(
                id=e.id,
                case_id=e.case_id,
                case_number=number,
                debtor=name,
                kind=e.kind,
                what=_what(e.kind, e.payload or {}),
                event_code=e.event_code,
                occurred_on=e.occurred_on,
                due_date=e.due_date,
                statutory_date=e.statutory_date,
                status=e.status,
                status_label=_(STATUS_LABELS[e.status]),
                problem=problem,
                accepted_on=done_on,
                overdue=overdue,
                past_statutory=past_stat,
                stuck=stuck,
            )
        )
    return out, int(total)


def case_bureau_events(session: Session, actor: Actor, case_id: int, today: dt.date | None = None) -> list[EventRow]:
    """The case card's section: every event of the case and its debtor's subject changes."""
    rows, _ = list_events(session, actor, "all", today, case_id=case_id, limit=500)
    return rows


@dataclass(frozen=True)
class Compliance:
    total: int
    on_time: int
    late: int
    overdue: int
    due_today: int
    within_statutory: int
    past_statutory_open: int

    @property
    def share_on_time(self) -> Decimal | None:
        """Share of the events due so far that were acknowledged by their due date, in %."""
        if not self.total:
            return None
        return (Decimal(self.on_time) * 100 / Decimal(self.total)).quantize(Decimal("0.1"))

    @property
    def share_statutory(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(self.within_statutory) * 100 / Decimal(self.total)).quantize(Decimal("0.1"))


def compliance(
    session: Session, actor: Actor, today: dt.date | None = None, since: dt.date | None = None
) -> Compliance:
    """The compliance figure over the events due up to today (optionally since a day)."""
    require(actor, Permission.BUREAU_VIEW)
    today = today or local_date(utcnow())
    e = BureauEvent
    accepted = e.status == ACCEPTED

    def count(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = select(
        func.count(),
        count(and_(accepted, e.accepted_on <= e.due_date)),
        count(and_(accepted, e.accepted_on > e.due_date)),
        count(and_(~accepted, e.due_date < today)),
        count(and_(~accepted, e.due_date == today)),
        count(and_(accepted, e.accepted_on <= e.statutory_date)),
        count(and_(~accepted, e.statutory_date < today)),
    ).where(e.due_date <= today)
    if since:
        stmt = stmt.where(e.due_date >= since)
    row = session.execute(stmt).one()
    return Compliance(*(int(v or 0) for v in row))


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    report_date: dt.date
    file_name: str
    records: int
    status: str
    receipt_id: str | None
    received_at: dt.datetime | None
    ack_status: str | None
    acknowledged_at: dt.datetime | None
    accepted: int
    rejected: int
    attempts: int
    last_error: str | None


def list_submissions(
    session: Session, actor: Actor, limit: int = 100, offset: int = 0
) -> tuple[list[SubmissionRow], int]:
    require(actor, Permission.BUREAU_VIEW)
    total = session.scalar(select(func.count()).select_from(BureauSubmission)) or 0
    rows = session.scalars(
        select(BureauSubmission).order_by(BureauSubmission.id.desc()).limit(limit).offset(offset)
    ).all()
    return [
        SubmissionRow(
            s.id,
            s.report_date,
            s.file_name,
            s.record_count,
            s.status,
            s.receipt_id,
            s.received_at,
            s.ack_status,
            s.acknowledged_at,
            s.accepted_count,
            s.rejected_count,
            s.attempts,
            s.last_error,
        )
        for s in rows
    ], int(total)


def submission_file(session: Session, actor: Actor, submission_id: int) -> tuple[str, bytes]:
    """The file as sent (for download); the download is audited like every export."""
    require(actor, Permission.BUREAU_VIEW)
    sub = session.get(BureauSubmission, submission_id)
    if sub is None:
        raise NotFound(_("Bureau submission {submission_id} does not exist.").format(submission_id=submission_id))
    record_audit(session, actor, "bureau.file_download", "bureau_submission", sub.id, {"file": sub.file_name})
    return sub.file_name, sub.content

"""OCR of court mail: intake, the background queue, review, confirmation and rejection.

Intake stores the scan (``core.files`` content-addressed store, kind ``court_mail``) and queues
it. The jobs process (``jobs/ocr_queue.py``) takes queued documents one at a time under a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional UPDATE on SQLite), reads them outside
any transaction and saves the fields; the clerk reviews, and confirming applies the act to the
case: the court fields, the matching workflow transition (order issued / refused / cancelled /
judgment) and the awarded state fee in the ledger, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import Actor, Permission, SystemActor, require
from core.calendar import local_today
from core.cases.models import Case, Contract, Debtor
from core.cases.service import add_case_event, find_case_id, format_case_number, transition_case
from core.cases.workflow import STAGE_BY_CODE, Transition, transitions_from
from core.db import is_postgres, session_scope, utcnow
from core.errors import NotFound, ValidationFailed
from core.i18n import _
from core.money import MoneyParseError, format_amount, parse_amount
from core.ocr import models as m
from core.ocr.engine import LANGUAGE_LABELS, WEAK_READING, OcrEngine, OcrLine, ScanReading, read_scan
from core.ocr.extract import (
    DOCUMENT_TYPES,
    FIELD_KINDS,
    FIELD_LABELS,
    LOW_CONFIDENCE,
    ExtractedField,
    extract_fields,
    split_acts,
)
from core.ocr.matching import propose_case
from core.ocr.preprocess import UnreadableScan, load_pages
from core.text import name_search_key

LEASE_SECONDS = 15 * 60
RETRY_DELAY_SECONDS = 60
JOB_ACTOR = SystemActor("ocr job")
REVIEW_FIELDS = (
    "document_type",
    "case_number",
    "act_date",
    "total",
    "principal",
    "interest",
    "penalty",
    "state_fee",
    "debtor_name",
    "debtor_birth_date",
    "contract_number",
    "court_name",
    "judge",
    "claimant",
    "case_uid",
)


# ---------------------------------------------------------------- intake


@dataclass
class UploadResult:
    documents: list[m.OcrDocument] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, what is wrong)


def upload_scans(
    session: Session, actor: Actor, files: Sequence[tuple[str, bytes]], case_id: int | None = None
) -> UploadResult:
    """Store and queue scans of court answers, to a case or (``case_id`` None) to the inbox.

    A bad file is refused with the reason and the good ones are still queued (ARCHITECTURE
    rule 9). The same bytes already waiting in the queue are not queued twice.
    """
    require(actor, Permission.DOCUMENT_UPLOAD)
    from core.files.service import store_upload

    if case_id is not None and session.get(Case, case_id) is None:
        raise NotFound(
            _("Case {number} does not exist; choose the case again.").format(number=format_case_number(case_id))
        )
    result = UploadResult()
    for name, data in files:
        if not data:
            result.refused.append((name, "the file is empty"))
            continue
        try:
            with session.begin_nested():
                stored = store_upload(session, actor, data, name, case_id, "court_mail")
        except ValidationFailed as exc:
            result.refused.append((name, str(exc)))
            continue
        kind = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg", "image/tiff": "tiff"}.get(
            stored.mime_type, stored.mime_type
        )
        waiting = session.scalar(
            select(m.OcrDocument).where(
                m.OcrDocument.sha256 == stored.sha256,
                m.OcrDocument.status.in_((m.QUEUED, m.RUNNING, m.NEEDS_REVIEW)),
                m.OcrDocument.case_id.is_(None) if case_id is None else m.OcrDocument.case_id == case_id,
            )
        )
        if waiting is not None:
            result.refused.append((name, f"the same scan is already in the queue as document #{waiting.id}"))
            continue
        doc = m.OcrDocument(
            filename=stored.original_name,
            content_type=kind,
            size_bytes=len(data),
            sha256=stored.sha256,
            stored_file_id=stored.id,
            case_id=case_id,
            status=m.QUEUED,
            attempts=0,
            uploaded_by_id=actor.id,
            uploaded_at=utcnow(),
            lines=[],
        )
        session.add(doc)
        session.flush()
        record_audit(session, actor, "ocr.upload", "ocr_document", doc.id, {"name": doc.filename, "case_id": case_id})
        result.documents.append(doc)
    return result


def scan_bytes(doc: m.OcrDocument) -> bytes:
    from core.files.store import get_store

    return get_store().get(doc.sha256)


# ---------------------------------------------------------------- the queue


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_next(session: Session, worker: str, now: dt.datetime | None = None) -> m.OcrDocument | None:
    """Take the oldest waiting document (or one whose reader died) under a lease; None if none.

    Two jobs processes never take the same row: PostgreSQL skips rows another transaction
    has locked; SQLite serialises writers and the UPDATE re-checks the status it read.
    """
    now = now or utcnow()
    D = m.OcrDocument
    _fail_crashed(session, now)
    waiting = or_(
        and_(D.status == m.QUEUED, or_(D.not_before.is_(None), D.not_before <= now)),
        and_(D.status == m.RUNNING, D.lease_until < now),
    )
    stmt = select(D.id, D.status, D.attempts).where(waiting).order_by(D.id).limit(1)
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    row = session.execute(stmt).first()
    if row is None:
        return None
    taken = session.execute(
        update(D)
        .where(D.id == row.id, D.status == row.status, D.attempts == row.attempts)
        .values(
            status=m.RUNNING,
            lease_owner=worker,
            lease_until=now + dt.timedelta(seconds=LEASE_SECONDS),
            attempts=row.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:
        return None
    return session.get(D, row.id, populate_existing=True)


def _fail_crashed(session: Session, now: dt.datetime) -> None:
    """A document whose reader died ``MAX_ATTEMPTS`` times (the lease ran out each time) is not
    taken again: a file that kills the reader would otherwise take the queue down forever."""
    D = m.OcrDocument
    crashed = session.scalars(
        select(D.id).where(D.status == m.RUNNING, D.lease_until < now, D.attempts >= m.MAX_ATTEMPTS)
    ).all()
    for doc_id in crashed:
        reason = _(
            "The reader stopped {n} times while reading this file (the process died or ran out of memory); "
            "it is not tried again. Check the file (page size, damage) and upload a smaller scan."
        ).format(n=m.MAX_ATTEMPTS)
        done = session.execute(
            update(D)
            .where(D.id == doc_id, D.status == m.RUNNING, D.lease_until < now)
            .values(status=m.FAILED, lease_owner=None, lease_until=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount:
            record_audit(session, JOB_ACTOR, "ocr.fail", "ocr_document", doc_id, {"reason": reason, "retry": False})


@dataclass(frozen=True)
class ProcessOutcome:
    document_id: int
    status: str
    detail: str = ""


def process_next(engine: OcrEngine | None = None, worker: str | None = None) -> ProcessOutcome | None:
    """Claim one document, read it outside any transaction, save the result; None when idle.

    Each step commits on its own (ARCHITECTURE rule 7): a crash while reading leaves the row
    running until its lease expires, then it is taken again.
    """
    worker = worker or worker_name()
    with session_scope() as session:
        doc = claim_next(session, worker)
        if doc is None:
            return None
        doc_id, attempts = doc.id, doc.attempts
        # an act split from a file holding several, or a file already split: read again, it keeps
        # to its own act and makes no second set of parts
        own_first_page = doc.first_page if doc.source_document_id is not None else None
        already_split = own_first_page is None and (
            session.scalar(select(func.count()).where(m.OcrDocument.source_document_id == doc.id)) or 0
        )
        session.expunge(doc)
    started = time.perf_counter()
    try:
        data = scan_bytes(doc)
    except NotFound as exc:
        return _fail(doc_id, worker, str(exc), retry=False)
    try:
        if engine is None:
            from core.ocr.engine import get_engine

            engine = get_engine()
        reading = read_scan(data, engine)
    except UnreadableScan as exc:
        return _fail(
            doc_id,
            worker,
            _("The file cannot be read: {error}. Upload a PDF or a JPEG/PNG scan.").format(error=exc),
            retry=False,
        )
    except Exception as exc:  # the engine or the machine failed: worth another attempt
        return _fail(
            doc_id,
            worker,
            _("OCR failed: {error}").format(error=f"{type(exc).__name__}: {exc}"),
            retry=attempts < m.MAX_ATTEMPTS,
        )
    seconds = time.perf_counter() - started
    if not reading.lines:
        blank = len(reading.blank_pages) == reading.pages
        reason = (
            _("No text was found: every page is blank ({pages} page(s)). Check that the right sheet was scanned.")
            if blank
            else _(
                "No text could be recognised on {pages} page(s). Check the scan (right side up, not empty) and "
                "upload it again."
            )
        ).format(pages=reading.pages)
        return _fail(doc_id, worker, reason, retry=False)
    acts = split_acts(reading)
    if own_first_page is not None:
        acts = [a for a in acts if a[0] == own_first_page] or acts[:1]
    elif already_split:
        acts = acts[:1]
    first_fields = extract_fields(acts[0][1])
    if _unreadable_language(reading, first_fields):
        languages = ", ".join(_(LANGUAGE_LABELS.get(c, c)) for c in getattr(engine, "languages", ()))
        return _fail(
            doc_id,
            worker,
            _(
                "The text is in no language the OCR reads ({languages}): nothing but noise was recognised "
                "(confidence {confidence}). Enter this act by hand, or scan it again if it is a poor copy."
            ).format(languages=languages, confidence=f"{reading.confidence:.0%}"),
            retry=False,
        )
    notes = reading_notes(reading)
    with session_scope() as session:
        doc = session.get(m.OcrDocument, doc_id, populate_existing=True)
        if doc is None or doc.status != m.RUNNING or doc.lease_owner != worker:
            return ProcessOutcome(doc_id, doc.status if doc else "gone", "the lease was lost; result discarded")
        engine_label = f"{getattr(engine, 'name', 'ocr')} ({', '.join(getattr(engine, 'languages', ()))})"
        targets = [doc]
        for first_page, _act_lines in acts[1:]:
            last_page = _last_page(acts, first_page, reading.pages)
            part = m.OcrDocument(
                filename=_("{name} (pages {first}-{last})").format(
                    name=doc.filename, first=first_page + 1, last=last_page + 1
                )[:255],
                content_type=doc.content_type,
                size_bytes=doc.size_bytes,
                sha256=doc.sha256,
                stored_file_id=doc.stored_file_id,
                case_id=None,
                status=m.RUNNING,
                attempts=1,
                uploaded_by_id=doc.uploaded_by_id,
                uploaded_at=doc.uploaded_at,
                lines=[],
                first_page=first_page,
                source_document_id=doc.id,
            )
            session.add(part)
            targets.append(part)
        session.flush()
        if len(acts) > 1:
            pages = "; ".join(
                _("pages {first}-{last}: document #{id}").format(
                    first=first + 1, last=_last_page(acts, first, reading.pages) + 1, id=target.id
                )
                for (first, _lines), target in zip(acts, targets, strict=True)
            )
            notes.append(
                _("This file holds {n} court acts; each is reviewed on its own ({pages}).").format(
                    n=len(acts), pages=pages
                )
            )
        for (first_page, act_lines), target in zip(acts, targets, strict=True):
            fields = first_fields if target is doc else extract_fields(act_lines)
            _save_reading(
                session, target, fields, act_lines, reading, first_page, _last_page(acts, first_page, reading.pages)
            )
            target.seconds = round(seconds, 2)
            target.engine = engine_label
            target.notes = " ".join(notes) or None
            record_audit(
                session,
                JOB_ACTOR,
                "ocr.read",
                "ocr_document",
                target.id,
                {"fields": len(fields), "pages": target.page_count, "first_page": first_page},
            )
    return ProcessOutcome(
        doc_id, m.NEEDS_REVIEW, f"{len(first_fields)} fields" + (f", {len(acts)} acts" if len(acts) > 1 else "")
    )


def _last_page(acts: list[tuple[int, list[OcrLine]]], first_page: int, pages: int) -> int:
    later = [start for start, _lines in acts if start > first_page]
    return (min(later) - 1) if later else pages - 1


def _save_reading(
    session: Session,
    doc: m.OcrDocument,
    fields: dict[str, ExtractedField],
    lines: list[OcrLine],
    reading: ScanReading,
    first_page: int,
    last_page: int,
) -> None:
    for name, f in fields.items():
        session.add(m.OcrField(document_id=doc.id, name=name, value=f.value, confidence=f.confidence, source=f.source))
    doc.status = m.NEEDS_REVIEW
    doc.text = "\n".join(line.text for line in lines)
    doc.lines = [OcrLine(x.text, x.confidence, x.box, x.page - first_page).as_dict() for x in lines]
    doc.page_count = last_page - first_page + 1
    doc.first_page = first_page
    doc.document_type = fields["document_type"].value if "document_type" in fields else None
    doc.read_at = utcnow()
    doc.lease_owner = None
    doc.lease_until = None
    doc.last_error = None
    if doc.case_id is None:
        proposal = propose_case(session, fields)
        if proposal is not None:
            doc.proposed_case_id = proposal.case_id
            doc.match_reason = _("{reason} (score {score})").format(
                reason=proposal.reason, score=f"{proposal.score:.2f}"
            )
        else:
            doc.match_reason = _("no case matches what was read; choose the case by hand")


def _unreadable_language(reading: ScanReading, fields: dict[str, ExtractedField]) -> bool:
    """Noise, not text: the engine was unsure of nearly everything and nothing of an act's
    anatomy (its type, its case number, its date) was found."""
    if reading.confidence >= WEAK_READING:
        return False
    return not any(name in fields for name in ("document_type", "case_number", "act_date"))


def reading_notes(reading: ScanReading) -> list[str]:
    """What the reader did to the pages that the clerk should know (turned, straightened)."""
    notes = []
    for page, degrees in sorted(reading.turned.items()):
        notes.append(
            _("Page {page} was upside down and was turned before reading.").format(page=page + 1)
            if degrees == 180
            else _("Page {page} lay on its side and was turned by {degrees}° before reading.").format(
                page=page + 1, degrees=degrees
            )
        )
    for page, angle in enumerate(reading.skew):
        if abs(angle) >= 3:
            notes.append(
                _("Page {page} was scanned at an angle of {angle}° and was straightened.").format(
                    page=page + 1, angle=f"{abs(angle):.1f}"
                )
            )
    return notes


def _fail(doc_id: int, worker: str, reason: str, retry: bool) -> ProcessOutcome:
    with session_scope() as session:
        doc = session.get(m.OcrDocument, doc_id, populate_existing=True)
        if doc is None or doc.lease_owner != worker:
            return ProcessOutcome(doc_id, "gone", reason)
        doc.last_error = reason
        doc.lease_owner = None
        doc.lease_until = None
        if retry:
            doc.status = m.QUEUED
            doc.not_before = utcnow() + dt.timedelta(seconds=RETRY_DELAY_SECONDS * doc.attempts)
        else:
            doc.status = m.FAILED
        record_audit(session, JOB_ACTOR, "ocr.fail", "ocr_document", doc.id, {"reason": reason, "retry": retry})
        return ProcessOutcome(doc_id, doc.status, reason)


def process_queue(limit: int = 10, engine: OcrEngine | None = None, worker: str | None = None) -> str:
    """One pass of the OCR job: up to ``limit`` documents; returns a one-line summary."""
    outcomes: list[ProcessOutcome] = []
    for _attempt in range(limit):
        outcome = process_next(engine, worker)
        if outcome is None:
            break
        outcomes.append(outcome)
    if not outcomes:
        return "queue empty"
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return "read " + ", ".join(
        f"{n} {_(m.STATUS_LABELS[s]).lower() if s in m.STATUS_LABELS else s}" for s, n in sorted(counts.items())
    )


def retry_document(session: Session, actor: Actor, document_id: int) -> m.OcrDocument:
    """Put a failed (or rejected) document back in the queue."""
    require(actor, Permission.OCR_REVIEW)
    doc = _get(session, document_id)
    if doc.status not in (m.FAILED, m.REJECTED):
        raise ValidationFailed(
            _("Document #{id} is {lower}; only failed or rejected ones are read again.").format(
                id=doc.id, lower=_(m.STATUS_LABELS[doc.status]).lower()
            )
        )
    doc.status = m.QUEUED
    doc.attempts = 0
    doc.not_before = None
    session.query(m.OcrField).filter(m.OcrField.document_id == doc.id).delete()
    record_audit(session, actor, "ocr.retry", "ocr_document", doc.id, {})
    return doc


# ---------------------------------------------------------------- listing


@dataclass(frozen=True)
class DocumentRow:
    id: int
    filename: str
    status: str
    status_label: str
    uploaded_at: dt.datetime
    case_number: str | None
    proposed_case_number: str | None
    document_type: str | None
    attempts: int
    last_error: str | None
    pages: int | None
    notes: str | None = None


def list_documents(
    session: Session, actor: Actor, statuses: Sequence[str] | None = None, limit: int = 200
) -> list[DocumentRow]:
    """Newest first; what the inbox shows (paginated by ``limit``)."""
    require(actor, Permission.DOCUMENT_UPLOAD)
    D = m.OcrDocument
    stmt = select(D).order_by(D.id.desc()).limit(limit)
    if statuses:
        stmt = stmt.where(D.status.in_(statuses))
    docs = list(session.scalars(stmt))
    ids = {d.case_id for d in docs if d.case_id} | {d.proposed_case_id for d in docs if d.proposed_case_id}
    numbers = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).all()) if ids else {}
    return [
        DocumentRow(
            d.id,
            d.filename,
            d.status,
            _(m.STATUS_LABELS[d.status]) if d.status in m.STATUS_LABELS else d.status,
            d.uploaded_at,
            numbers.get(d.case_id) if d.case_id else None,
            numbers.get(d.proposed_case_id) if d.proposed_case_id else None,
            DOCUMENT_TYPES.get(d.document_type or "", d.document_type),
            d.attempts,
            d.last_error,
            d.page_count,
            d.notes,
        )
        for d in docs
    ]


def queue_counts(session: Session, actor: Actor) -> dict[str, int]:
    require(actor, Permission.DOCUMENT_UPLOAD)
    rows = session.execute(select(m.OcrDocument.status, func.count()).group_by(m.OcrDocument.status)).all()
    counts = dict.fromkeys(m.STATUSES, 0)
    counts.update({s: int(n) for s, n in rows})
    return counts


def next_for_review(session: Session, actor: Actor, after_id: int | None = None) -> int | None:
    """The next document waiting for review (after ``after_id``, wrapping to the oldest)."""
    require(actor, Permission.OCR_REVIEW)
    D = m.OcrDocument
    base = select(D.id).where(D.status == m.NEEDS_REVIEW).order_by(D.id).limit(1)
    if after_id is not None:
        found = session.scalar(base.where(D.id > after_id))
        if found is not None:
            return int(found)
    found = session.scalar(base)
    return int(found) if found is not None else None


# ---------------------------------------------------------------- review


@dataclass(frozen=True)
class ReviewField:
    name: str
    label: str
    kind: str  # text | date | amount | choice
    value: str  # as shown in the form (dates dd.mm.yyyy, amounts 45 300,50)
    confidence: float | None  # None: not read
    source: str | None
    case_value: str | None  # the matched case's current data
    warning: str | None

    @property
    def low(self) -> bool:
        return self.confidence is None or self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class Review:
    document: m.OcrDocument
    fields: list[ReviewField]
    case: Case | None
    case_is_proposal: bool
    transition: Transition | None
    transition_problem: str | None
    extra_fields: list[tuple[str, str, str]]  # (name, label, kind) the transition needs besides the act's fields
    lines: list[OcrLine]


def _get(session: Session, document_id: int) -> m.OcrDocument:
    doc = session.get(m.OcrDocument, document_id, populate_existing=True)
    if doc is None:
        raise NotFound(_("OCR document #{document_id} does not exist.").format(document_id=document_id))
    return doc


def display_value(name: str, value: str | None) -> str:
    """The stored normal form (ISO date, ``45300.50``) as the clerk types it."""
    if not value:
        return ""
    kind = FIELD_KINDS.get(name, "text")
    if kind == "date":
        try:
            return f"{dt.date.fromisoformat(value):%d.%m.%Y}"
        except ValueError:
            return value
    if kind == "amount":
        try:
            return format_amount(Decimal(value), currency=False).replace("\u00a0", " ")
        except ArithmeticError:
            return value
    return value


def normalise_value(name: str, text: str | None) -> str | None:
    """What the clerk typed, in the stored normal form; raises ``ValueError`` with the reason."""
    text = (text or "").strip()
    if not text:
        return None
    kind = FIELD_KINDS.get(name, "text")
    if kind == "date":
        for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValueError(f"'{text}' is not a date (use dd.mm.yyyy)")
    if kind == "amount":
        try:
            return f"{parse_amount(text):.2f}"
        except MoneyParseError as exc:
            raise ValueError(str(exc)) from None
    if kind == "choice":
        if text not in DOCUMENT_TYPES:
            raise ValueError(f"choose one of: {', '.join(DOCUMENT_TYPES.values())}")
        return text
    return " ".join(text.split())


def _case_facts(session: Session, case: Case) -> dict[str, str | None]:
    debtor = session.get(Debtor, case.debtor_id)
    contract = session.get(Contract, case.contract_id)
    return {
        "case_number": case.court_case_number,
        "act_date": f"{case.court_act_date:%d.%m.%Y}" if case.court_act_date else None,
        "total": display_value("total", f"{case.claim_amount:.2f}") if case.claim_amount is not None else None,
        "debtor_name": debtor.full_name if debtor else None,
        "debtor_birth_date": f"{debtor.birth_date:%d.%m.%Y}" if debtor and debtor.birth_date else None,
        "contract_number": contract.number if contract else None,
        "court_name": case.court_name,
    }


def _warning(name: str, value: str | None, facts: dict[str, str | None], case: Case) -> str | None:
    current = facts.get(name)
    if not value or not current:
        return None
    if name == "total":
        read = Decimal(value)
        if read != case.claim_amount:
            return _("differs from the claim amount ({amount}): check what the court awarded").format(
                amount=format_amount(case.claim_amount)
            )
        return None
    if name == "debtor_name":
        return None if name_search_key(value) == name_search_key(current) else "differs from the debtor on the case"
    if name in ("act_date", "debtor_birth_date"):
        return None if display_value(name, value) == current else "differs from the case"
    if name == "court_name":
        return None
    return None if value.replace(" ", "").upper() == current.replace(" ", "").upper() else "differs from the case"


def _transition_for(case: Case, doc_type: str | None) -> tuple[Transition | None, str | None]:
    if not doc_type:
        return None, "the document type was not read; choose it"
    fits = [t for t in transitions_from(case.stage) if t.document_type == doc_type]
    if fits:
        return fits[0], None
    label = DOCUMENT_TYPES.get(doc_type, doc_type)
    stage = STAGE_BY_CODE[case.stage].label
    return None, (
        f"case {case.number} is at '{stage}', where a {label.lower()} moves nothing on; move the case first "
        "or reject the document"
    )


def get_review(session: Session, actor: Actor, document_id: int, case_id: int | None = None) -> Review:
    """Everything the review page shows; ``case_id`` overrides the proposed match."""
    require(actor, Permission.OCR_REVIEW)
    doc = _get(session, document_id)
    read = {f.name: f for f in session.scalars(select(m.OcrField).where(m.OcrField.document_id == doc.id))}
    chosen = case_id or doc.case_id or doc.proposed_case_id
    case = session.get(Case, chosen, populate_existing=True) if chosen else None
    facts = _case_facts(session, case) if case else {}
    fields = []
    for name in REVIEW_FIELDS:
        f = read.get(name)
        value = f.final_value if (f and f.final_value is not None) else (f.value if f else None)
        fields.append(
            ReviewField(
                name,
                FIELD_LABELS[name],
                FIELD_KINDS.get(name, "text"),
                display_value(name, value) if FIELD_KINDS.get(name) != "choice" else (value or ""),
                f.confidence if f else None,
                f.source if f else None,
                facts.get(name),
                _warning(name, value, facts, case) if case else None,
            )
        )
    doc_type = read["document_type"].value if "document_type" in read else None
    transition, problem = (
        _transition_for(case, doc_type) if case else (None, "choose the case this document belongs to")
    )
    act_names = {"act_number", "act_date", "awarded_amount"}
    extra = [(f.name, f.label, f.kind) for f in (transition.fields if transition else ()) if f.name not in act_names]
    return Review(
        doc,
        fields,
        case,
        case is not None and doc.case_id is None,
        transition,
        problem,
        extra,
        [OcrLine.from_dict(d) for d in (doc.lines or [])],
    )


def page_image(session: Session, actor: Actor, document_id: int, page: int = 0, width: int = 1100) -> bytes:
    """The scan's page as PNG for the review page."""
    require(actor, Permission.OCR_REVIEW)
    doc = _get(session, document_id)
    index = (doc.first_page or 0) + page  # a split act starts further into the file
    pages = load_pages(scan_bytes(doc), max_pages=index + 1)
    image = pages[min(index, len(pages) - 1)].convert("L")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


# ---------------------------------------------------------------- confirm / reject


@dataclass(frozen=True)
class ConfirmResult:
    document_id: int
    case_id: int
    case_number: str
    transition: str
    corrections: int
    state_fee_booked: Decimal | None


def confirm_document(
    session: Session,
    actor: Actor,
    document_id: int,
    values: dict[str, str | None],
    case_ref: int | str | None = None,
    expected_version: int | None = None,
    extra: dict[str, Any] | None = None,
) -> ConfirmResult:
    """Apply the reviewed act to the case in one transaction.

    Writes the court case number, act date and awarded amount through the workflow transition
    the document type confirms from the case's stage (``source="ocr_review"``), books the
    awarded state fee to the ledger (Tax Code art. 333.19 fee, recoverable from the debtor under
    Civil Procedure Code art. 98), stores every correction the clerk made, and audits it.
    """
    require(actor, Permission.OCR_REVIEW)
    doc = _get(session, document_id)
    if doc.status != m.NEEDS_REVIEW:
        who = session.get(User, doc.reviewed_by_id).full_name if doc.reviewed_by_id else None
        status = _(m.STATUS_LABELS[doc.status]).lower()
        if who:
            message = _("Document #{id} is {status} (by {who}); open the next document.")
        else:
            message = _("Document #{id} is {status}; open the next document.")
        raise ValidationFailed(message.format(id=doc.id, status=status, who=who))
    problems: dict[str, str] = {}
    final: dict[str, str | None] = {}
    for name in REVIEW_FIELDS:
        if name not in values:
            continue
        try:
            final[name] = normalise_value(name, values[name])
        except ValueError as exc:
            problems[name] = f"{FIELD_LABELS[name]}: {exc}"
    if problems:
        raise ValidationFailed(
            _("Some fields cannot be accepted: {problems}").format(problems="; ".join(problems.values())), problems
        )
    ref = case_ref if case_ref not in (None, "") else (doc.case_id or doc.proposed_case_id)
    case_id = find_case_id(session, ref) if ref is not None else None
    case = session.get(Case, case_id, populate_existing=True) if case_id else None
    if case is None:
        raise ValidationFailed(
            _("Choose the case this document belongs to (no case '{value}').").format(value=ref or ""),
            {"case": "required"},
        )
    doc_type = final.get("document_type")
    transition, problem = _transition_for(case, doc_type)
    if transition is None:
        raise ValidationFailed(
            _("Cannot confirm: {problem}.").format(problem=problem), {"document_type": problem or ""}
        )
    data: dict[str, Any] = {
        "act_number": final.get("case_number"),
        "act_date": final.get("act_date"),
        "awarded_amount": final.get("total"),
        **(extra or {}),
    }
    case_number_before = case.court_case_number
    outcome = transition_case(
        session,
        actor,
        case.id,
        transition.name,
        expected_version if expected_version is not None else case.version,
        data,
        source="ocr_review",
    )
    written = {f.column for f in transition.fields if f.column}
    if final.get("case_number") and "court_case_number" not in written and final["case_number"] != case_number_before:
        moved = session.get(Case, case.id, populate_existing=True)
        assert moved is not None
        moved.court_case_number = final["case_number"]
        moved.updated_at = utcnow()
        moved.updated_by_id = actor.id
        session.flush()
    fee_booked = None
    if final.get("state_fee") and doc_type in ("court_order", "judgment"):
        from core.ledger.service import post_entry

        fee_booked = Decimal(final["state_fee"])
        act_date = dt.date.fromisoformat(final["act_date"]) if final.get("act_date") else local_today()
        post_entry(
            session,
            actor,
            case.id,
            "state_fee",
            fee_booked,
            act_date,
            source="court_order",
            reference=final.get("case_number") or f"OCR #{doc.id}",
            comment=f"State fee awarded by {DOCUMENT_TYPES[doc_type].lower()} (scan #{doc.id})",
        )
    corrections = _store_review(session, actor, doc, final)
    now = utcnow()
    doc.status = m.CONFIRMED
    doc.case_id = case.id
    doc.document_type = doc_type
    doc.reviewed_by_id = actor.id
    doc.reviewed_at = now
    doc.transition = transition.name
    add_case_event(
        session,
        case.id,
        "ocr",
        "ocr_review",
        actor,
        comment=f"{DOCUMENT_TYPES[doc_type or '']} confirmed from the scan '{doc.filename}'",
        data={"document_id": doc.id, "transition": transition.name, "corrections": corrections},
    )
    record_audit(
        session,
        actor,
        "ocr.confirm",
        "ocr_document",
        doc.id,
        {"case_id": case.id, "transition": transition.name, "corrections": corrections, **final},
    )
    return ConfirmResult(doc.id, case.id, outcome.number, transition.name, corrections, fee_booked)


def _store_review(session: Session, actor: Actor, doc: m.OcrDocument, final: dict[str, str | None]) -> int:
    """Record the confirmed value of every reviewed field and each correction (field, OCR
    value, final value)."""
    read = {f.name: f for f in session.scalars(select(m.OcrField).where(m.OcrField.document_id == doc.id))}
    corrections = 0
    now = utcnow()
    for name, value in final.items():
        f = read.get(name)
        if f is None:
            if value is None:
                continue
            f = m.OcrField(document_id=doc.id, name=name, value=None, confidence=0.0, source=None)
            session.add(f)
        f.final_value = value
        if (f.value or None) != value:
            corrections += 1
            session.add(
                m.OcrCorrection(
                    document_id=doc.id, field=name, ocr_value=f.value, final_value=value, user_id=actor.id, at=now
                )
            )
    return corrections


def reject_document(session: Session, actor: Actor, document_id: int, reason: str) -> m.OcrDocument:
    """Reject a document (not a court act, wrong case, unreadable); the reason is required."""
    require(actor, Permission.OCR_REVIEW)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("Say why the document is rejected."), {"reason": "required"})
    doc = _get(session, document_id)
    if doc.status in (m.CONFIRMED, m.REJECTED):
        raise ValidationFailed(
            _("Document #{id} is already {lower}.").format(id=doc.id, lower=_(m.STATUS_LABELS[doc.status]).lower())
        )
    doc.status = m.REJECTED
    doc.reject_reason = reason
    doc.reviewed_by_id = actor.id
    doc.reviewed_at = utcnow()
    record_audit(session, actor, "ocr.reject", "ocr_document", doc.id, {"reason": reason})
    return doc


# ---------------------------------------------------------------- KPI


@dataclass(frozen=True)
class CorrectionStats:
    documents: int
    fields_reviewed: int
    fields_corrected: int
    by_field: dict[str, int]

    @property
    def share_corrected(self) -> float | None:
        return self.fields_corrected / self.fields_reviewed if self.fields_reviewed else None


def correction_stats(session: Session, actor: Actor, since: dt.datetime | None = None) -> CorrectionStats:
    """KPI "share of fields corrected": of the fields clerks confirmed, how many they changed."""
    require(actor, Permission.OCR_REVIEW)
    D = m.OcrDocument
    docs = select(D.id).where(D.status == m.CONFIRMED)
    if since is not None:
        docs = docs.where(D.reviewed_at >= since)
    ids = docs.scalar_subquery()
    reviewed = session.scalar(
        select(func.count())
        .select_from(m.OcrField)
        .where(m.OcrField.document_id.in_(ids), m.OcrField.final_value.is_not(None))
    )
    by_field = dict(
        session.execute(
            select(m.OcrCorrection.field, func.count())
            .where(m.OcrCorrection.document_id.in_(ids))
            .group_by(m.OcrCorrection.field)
        ).all()
    )
    documents = session.scalar(select(func.count()).select_from(docs.subquery()))
    return CorrectionStats(
        int(documents or 0), int(reviewed or 0), int(sum(by_field.values())), {k: int(v) for k, v in by_field.items()}
    )

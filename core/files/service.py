"""Storing, listing and reading files: scans attached to cases, generated documents, packages.

``store_upload`` is the one entrance for bytes that come from people (or from the OCR inbox):
the bytes are checked (``checks.py``), stored once by their sha256, described by a
``StoredFile`` row, written to the case timeline and audited, all in the caller's transaction.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor, Permission, require
from core.cases.models import Case
from core.db import session_scope, utcnow
from core.errors import NotFound, ValidationFailed
from core.files import journal
from core.files.checks import PDF, PDFIUM_LOCK, check_upload
from core.files.models import StoredFile
from core.files.store import get_store, sha256_hex
from core.i18n import N_, _

PREVIEW_WIDTH = 600
KIND_LABELS = {
    "scan": N_("Scan"),
    "court_mail": N_("Court mail"),
    "envelope": N_("Envelope"),
    "letter": N_("Letter"),
    "generated": N_("Generated document"),
    "package": N_("Print package"),
}
UPLOAD_KINDS = ("scan", "court_mail", "envelope", "letter")


def _clean_name(original_name: str) -> str:
    name = (original_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "upload")[:255]


def store_upload(
    session: Session,
    actor: Actor,
    data: bytes,
    original_name: str,
    case_id: int | None,
    kind: str,
    *,
    source: str = "manual",
) -> StoredFile:
    """Check and store an uploaded file; attach it to the case (a timeline event, audited).

    The same bytes uploaded again to the same case as the same kind return the existing row
    (nothing is stored twice). Raises ``ValidationFailed`` saying what is wrong with the file.
    """
    require(actor, Permission.DOCUMENT_UPLOAD)
    name = _clean_name(original_name)
    kind = (kind or "scan").strip()[:32]
    if case_id is not None and session.get(Case, case_id) is None:
        raise NotFound(
            _("Case {case_id} does not exist; the file '{name}' was not stored.").format(case_id=case_id, name=name)
        )
    facts = check_upload(data, name)
    digest = sha256_hex(data)
    existing = session.scalar(
        select(StoredFile)
        .where(
            StoredFile.sha256 == digest,
            StoredFile.kind == kind,
            StoredFile.case_id.is_(None) if case_id is None else StoredFile.case_id == case_id,
        )
        .limit(1)
    )
    if existing is not None:
        return existing
    journal.note(digest)  # work that rolls back sweeps what it wrote (core.files.journal)
    get_store().put(digest, data)
    row = StoredFile(
        sha256=digest,
        size=len(data),
        mime_type=facts.mime_type,
        pages=facts.pages,
        width=facts.width,
        height=facts.height,
        original_name=name,
        kind=kind,
        case_id=case_id,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    details = {"name": name, "kind": kind, "sha256": digest, "size": len(data), "pages": facts.pages}
    if case_id is not None:
        from core.cases.service import add_case_event

        add_case_event(
            session,
            case_id,
            "document",
            source,
            actor,
            comment=f"{KIND_LABELS.get(kind, kind.title())} uploaded: {name} ({facts.pages} p.)",
            data={"file_id": row.id, **details},
        )
    record_audit(session, actor, "file.upload", "file", row.id, {"case_id": case_id, **details})
    return row


@dataclass(frozen=True)
class GeneratedBlob:
    """A machine-made file (a generated document, a package): trusted bytes, not checked."""

    data: bytes
    name: str
    case_id: int | None
    kind: str
    pages: int
    mime_type: str = PDF


def store_generated_many(session: Session, actor: Actor | None, blobs: Sequence[GeneratedBlob]) -> list[int]:
    """Store many generated files at once (one INSERT); returns their ids in order.

    The caller (the documents service) has checked permissions and audits the action itself.
    """
    if not blobs:
        return []
    store = get_store()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for blob in blobs:
        digest = sha256_hex(blob.data)
        journal.note(digest)
        store.put(digest, blob.data)
        rows.append(
            {
                "sha256": digest,
                "size": len(blob.data),
                "mime_type": blob.mime_type,
                "pages": blob.pages,
                "width": None,
                "height": None,
                "original_name": _clean_name(blob.name),
                "kind": blob.kind,
                "case_id": blob.case_id,
                "uploaded_by_id": actor.id if actor else None,
                "uploaded_at": now,
            }
        )
    result = session.execute(insert(StoredFile).returning(StoredFile.id, sort_by_parameter_order=True), rows)
    return [int(r[0]) for r in result]


def store_work_file(session: Session, actor: Actor, data: bytes, filename: str, kind: str, mime_type: str) -> int:
    """Keep a file a person handed in for queued work (a bank statement, a legacy workbook) and
    audit the upload; returns its id. Not checked like a court scan: the work that reads it
    reports what is wrong with it. The caller has checked the permission of the work."""
    (file_id,) = store_generated_many(session, actor, [GeneratedBlob(data, filename, None, kind, 0, mime_type)])
    record_audit(
        session,
        actor,
        "file.upload",
        "file",
        file_id,
        {"name": filename, "kind": kind, "sha256": sha256_hex(data), "size": len(data)},
    )
    return file_id


def get_file(session: Session, stored_file_id: int) -> StoredFile:
    row = session.get(StoredFile, stored_file_id)
    if row is None:
        raise NotFound(_("File {stored_file_id} does not exist.").format(stored_file_id=stored_file_id))
    return row


def case_files(session: Session, actor: Actor, case_id: int, kinds: Sequence[str] | None = None) -> list[StoredFile]:
    """Files attached to a case, newest first."""
    require(actor, Permission.CASE_VIEW)
    stmt = select(StoredFile).where(StoredFile.case_id == case_id)
    if kinds:
        stmt = stmt.where(StoredFile.kind.in_(list(kinds)))
    return list(session.scalars(stmt.order_by(StoredFile.uploaded_at.desc(), StoredFile.id.desc())))


def read_file(stored_file_id: int, session: Session | None = None) -> bytes:
    """The bytes of a stored file (no permission check: for services and jobs, not for people)."""
    if session is None:
        with session_scope() as own:
            sha = get_file(own, stored_file_id).sha256
    else:
        sha = get_file(session, stored_file_id).sha256
    return get_store().get(sha)


def download(session: Session, actor: Actor, stored_file_id: int) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) for a person; the download is audited (it is an export)."""
    require(actor, Permission.CASE_VIEW)
    row = get_file(session, stored_file_id)
    data = get_store().get(row.sha256)
    record_audit(session, actor, "file.download", "file", row.id, {"case_id": row.case_id, "name": row.original_name})
    return row.original_name, row.mime_type, data


def first_page_preview(stored_file_id: int, session: Session | None = None, width: int = PREVIEW_WIDTH) -> bytes:
    """A PNG of the first page, ``width`` pixels wide (cached per content and width)."""
    if session is None:
        with session_scope() as own:
            row = get_file(own, stored_file_id)
            sha, mime = row.sha256, row.mime_type
    else:
        row = get_file(session, stored_file_id)
        sha, mime = row.sha256, row.mime_type
    return _preview(sha, mime, width)


@functools.lru_cache(maxsize=256)
def _preview(sha256: str, mime_type: str, width: int) -> bytes:
    data = get_store().get(sha256)
    return preview_png(data, mime_type, width)


def preview_png(data: bytes, mime_type: str, width: int = PREVIEW_WIDTH) -> bytes:
    """Render the first page of PDF or image bytes to a PNG ``width`` pixels wide."""
    from PIL import Image

    if mime_type == PDF:
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            doc = pdfium.PdfDocument(data)
            try:
                page = doc[0]
                page_width, page_height = page.get_size()
                scale = width / page_width if page_width else 1.0
                if page_height * scale > width * 4:  # an absurdly tall page: keep the bitmap bounded
                    scale = width * 4 / page_height
                image = page.render(scale=scale).to_pil()
                page.close()
            except pdfium.PdfiumError as exc:
                raise ValidationFailed(_("The first page cannot be shown ({exc}).").format(exc=exc)) from None
            finally:
                doc.close()
    else:
        image = Image.open(io.BytesIO(data))
        image.seek(0)
        image.thumbnail((width, width * 4))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()

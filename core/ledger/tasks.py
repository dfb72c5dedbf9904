"""Ledger work the Payments page queues for the jobs process: the import of a bank payment file.

Booking a payment allocates it, accrues up to its date and writes the timeline, the audit and the
bureau outbox (tens of milliseconds a payment), so a statement of a thousand rows takes longer
than a page should wait and a click elsewhere would stop it. The page previews the file itself (that
is quick), stores the bytes in the file store and queues the import; the jobs process books it in
one transaction as the clerk who queued it. Code outside the page (the benchmark, other
services) keeps calling ``import_payment_file`` directly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.models import User
from core.auth.permissions import Actor, Permission, require
from core.calendar import format_local
from core.errors import ValidationFailed
from core.files.models import StoredFile
from core.files.service import read_file, store_work_file
from core.files.store import sha256_hex
from core.i18n import _, format_number, ngettext
from core.ledger.payments_import import MAX_BYTES, ImportReport, import_payment_file
from core.tasks.models import RUNNING, QueuedTask
from core.tasks.registry import ProgressFn, TaskKind
from core.tasks.service import enqueue_task, unfinished_tasks

PAYMENT_FILE_IMPORT = "payment_file_import"
BANK_FILE_KIND = "bank_file"
# The report keeps this many rows; the rows sent to the queue are all in the Unmatched queue anyway.
RESULT_ROWS_LIMIT = 1000


def _already_queued(session: Session, digest: str) -> QueuedTask | None:
    """A queued or running import of a file with these bytes (under any name, by anyone)."""
    pending = unfinished_tasks(session, PAYMENT_FILE_IMPORT)
    file_ids = {int(t.params["stored_file_id"]) for t in pending if "stored_file_id" in (t.params or {})}
    if not file_ids:
        return None
    same = set(session.scalars(select(StoredFile.id).where(StoredFile.id.in_(file_ids), StoredFile.sha256 == digest)))
    return next((t for t in pending if int((t.params or {}).get("stored_file_id", 0)) in same), None)


def queue_payment_file_import(session: Session, actor: Actor, content: bytes, filename: str, new_rows: int) -> int:
    """Store the bank file and queue its import; returns the task id. The caller commits.

    ``new_rows`` is what the preview found not imported before; it only names the work. The same
    bytes already queued or being imported are refused: the second import would book nothing
    (every row would be a duplicate), and two at once on two jobs processes would collide.
    """
    require(actor, Permission.LEDGER_IMPORT)
    if not content:
        raise ValidationFailed(
            _("'{filename}' is empty (0 bytes). Export the statement from the bank again.").format(filename=filename)
        )
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than {value} MB; split the statement.").format(value=MAX_BYTES // (1024 * 1024))
        )
    digest = sha256_hex(content)
    pending = _already_queued(session, digest)
    if pending is not None:
        owner = session.get(User, pending.created_by_id)
        state = "is being imported" if pending.status == RUNNING else "is already queued for import"
        raise ValidationFailed(
            _(
                "This bank file {state} (queued work № {id}, “{title}”, by {value} at {format_local}). Wait for it to finish and check its report; importing the file again afterwards books nothing new."
            ).format(
                state=state,
                id=pending.id,
                title=pending.title,
                value=owner.full_name if owner else "another user",
                format_local=format_local(pending.created_at),
            )
        )
    file_id = store_work_file(session, actor, content, filename, BANK_FILE_KIND, "text/csv")
    title = ngettext("Bank file {filename}: {n} payment", "Bank file {filename}: {n} payments", new_rows).format(
        filename=filename, n=format_number(new_rows)
    )
    return enqueue_task(session, actor, PAYMENT_FILE_IMPORT, title, {"stored_file_id": file_id, "filename": filename})


def _report_result(report: ImportReport) -> dict[str, Any]:
    """The report as JSON: counts, the booked total and the first rows (money as decimal text)."""
    booked = sum(
        (r.row.amount for r in report.rows if r.status == "matched" and r.row.amount is not None), Decimal("0.00")
    )
    rows = [
        {
            "line": r.row.row_no,
            "date": r.row.pay_date.isoformat() if r.row.pay_date else None,
            "amount": str(r.row.amount) if r.row.amount is not None else None,
            "payer": r.row.payer,
            "purpose": r.row.purpose,
            "result": r.status,
            "case": r.case_number or "",
            "note": r.note or (r.row.problem or ""),
        }
        for r in report.rows[:RESULT_ROWS_LIMIT]
    ]
    return {
        "import_id": report.import_id,
        "filename": report.filename,
        "encoding": report.encoding,
        "rows_total": len(report.rows),
        "posted": report.posted,
        "queued": report.queued,
        "duplicates": report.duplicates,
        "booked_total": str(booked),
        "rows": rows,
        "rows_omitted": max(0, len(report.rows) - RESULT_ROWS_LIMIT),
    }


def run_payment_file_import(
    session: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn
) -> dict[str, Any]:
    """Read the stored bank file back and import it as the clerk who queued it."""
    filename = str(params["filename"])
    progress(0.0, _("Reading {filename} and matching rows to cases…").format(filename=filename))
    content = read_file(int(params["stored_file_id"]), session)

    def booking(done: int, total: int) -> None:
        progress(
            (done - 1) / total,
            _("Booking row {done} of {total}…").format(done=format_number(done), total=format_number(total)),
        )

    report = import_payment_file(session, actor, content, filename, progress=booking)
    return _report_result(report)


TASKS = [TaskKind(PAYMENT_FILE_IMPORT, Permission.LEDGER_IMPORT, run_payment_file_import)]

"""What "exactly once" means, asserted from the database and the sandboxes after a fault."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.models import AuditLog
from core.bureau.models import ACCEPTED, ACKNOWLEDGED, REJECTED, BureauEvent, BureauSubmission
from core.bureau.sandbox import BureauSandbox
from core.cases.models import CaseEvent, CaseFlag
from core.files.journal import unreferenced_blobs


def bureau_exactly_once(
    session: Session, gateway: BureauSandbox, events: int, same_key_uploads: bool = False
) -> dict[str, int]:
    """Every event answered once; one timeline note per rejection, one audit row and one set of
    counters per acknowledged file; the gateway got every record and every file once.

    ``same_key_uploads``: two passes running WITHOUT the lease may both find a prepared file
    without a receipt and both upload it at the same moment. That is what the idempotency key is
    for: the gateway keeps the first copy and answers the second with the same receipt, so every
    record is still received once (checked) and one upload is recorded (checked below); only the
    number of requests for that key is then more than one."""
    session.expire_all()
    statuses = Counter(session.scalars(select(BureauEvent.status)))
    answered = statuses[ACCEPTED] + statuses[REJECTED]
    assert answered >= events, statuses  # ``events`` were due; other work may have made more
    snap = gateway.state.snapshot()
    assert len(snap["received"]) == answered and set(snap["received"].values()) == {1}, snap["received"]
    if same_key_uploads:
        assert snap["uploads"] and min(snap["uploads"].values()) >= 1, snap["uploads"]
        assert snap["submissions"] == len(snap["uploads"]), snap
    else:
        assert set(snap["uploads"].values()) == {1}, snap["uploads"]

    rejected = set(session.scalars(select(BureauEvent.id).where(BureauEvent.status == REJECTED)))
    notes = Counter(
        int(e.data["event_id"])
        for e in session.scalars(select(CaseEvent).where(CaseEvent.kind == "bureau"))
        if (e.comment or "").startswith("Credit bureau rejected")
    )
    assert notes == Counter({i: 1 for i in rejected}), f"timeline notes per rejected event: {notes}"

    acknowledged = {
        str(i) for i in session.scalars(select(BureauSubmission.id).where(BureauSubmission.status == ACKNOWLEDGED))
    }
    acks = Counter(session.scalars(select(AuditLog.entity_id).where(AuditLog.action == "bureau.acknowledged")))
    assert acks == Counter({i: 1 for i in acknowledged}), f"bureau.acknowledged rows per file: {acks}"
    uploads = Counter(
        session.scalars(select(AuditLog.entity_id).where(AuditLog.action == "bureau.submission_uploaded"))
    )
    assert set(uploads.values()) <= {1}, f"bureau.submission_uploaded rows per file: {uploads}"
    counted = session.execute(
        select(func.sum(BureauSubmission.accepted_count), func.sum(BureauSubmission.rejected_count))
    ).one()
    assert (int(counted[0] or 0), int(counted[1] or 0)) == (statuses[ACCEPTED], statuses[REJECTED])
    open_flags = Counter(
        session.scalars(
            select(CaseFlag.case_id).where(CaseFlag.kind == "bureau_rejected", CaseFlag.resolved_at.is_(None))
        )
    )
    assert set(open_flags.values()) <= {1}
    return {"accepted": statuses[ACCEPTED], "rejected": statuses[REJECTED], "files": len(acknowledged)}


def no_unreferenced_files() -> None:
    check = unreferenced_blobs(older_than_seconds=-1)
    assert check.unreferenced == 0, f"{check.unreferenced} file(s) nothing refers to, e.g. {check.examples}"


def postal_exactly_once(session: Session, delivered: dict[str, int], returned: dict[str, int]) -> None:
    """Each delivery moved its case once and noted nothing false; each return was flagged and
    noted once; each status change of a letter was audited once."""
    from core.postal.models import Shipment

    session.expire_all()
    status = {r[0]: r[1] for r in session.execute(select(Shipment.tracking_number, Shipment.status))}
    assert {status[n] for n in delivered} == {"delivered"}
    assert {status[n] for n in returned} == {"refused"}
    moves = Counter(session.scalars(select(CaseEvent.case_id).where(CaseEvent.to_stage == "claim_delivered")))
    assert moves == Counter({c: 1 for c in delivered.values()}), f"moves per case: {moves}"
    false_notes = session.scalars(select(CaseEvent.comment).where(CaseEvent.comment.like("%was not moved%"))).all()
    assert not false_notes, f"{len(false_notes)} false 'delivered; case not moved' note(s): {false_notes[:2]}"
    notes = Counter(
        session.scalars(select(CaseEvent.case_id).where(CaseEvent.kind == "mail", CaseEvent.source == "postal_job"))
    )
    assert notes == Counter({c: 1 for c in returned.values()}), f"return notes per case: {notes}"
    flags = Counter(session.scalars(select(CaseFlag.case_id).where(CaseFlag.kind == "mail_returned")))
    assert flags == Counter({c: 1 for c in returned.values()})
    audited = Counter(session.scalars(select(AuditLog.entity_id).where(AuditLog.action == "shipment.status")))
    assert len(audited) == len(delivered) + len(returned) and set(audited.values()) == {1}, audited

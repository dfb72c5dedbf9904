"""Writing and reading the audit log.

``record_audit`` is called inside the caller's transaction, so an action and its audit record
commit or roll back together (ARCHITECTURE rule 1). ``record_audit_many`` is the set-based form
used by bulk actions: one audit row per case, one INSERT statement.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.models import AuditLog
from core.auth.permissions import Actor, Permission, require
from core.calendar import format_local
from core.db import bulk_insert, json_safe, utcnow
from core.text import escape_spreadsheet_cell


def _actor_fields(actor: Actor | None) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    return actor.id, actor.username


def record_audit(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object | None,
    details: dict[str, Any] | None = None,
) -> None:
    user_id, name = _actor_fields(actor)
    session.add(
        AuditLog(
            at=utcnow(),
            user_id=user_id,
            actor_name=name,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            details=json_safe(details or {}),
        )
    )


def record_audit_many(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    rows: Iterable[tuple[object, dict[str, Any]]],
) -> int:
    user_id, name = _actor_fields(actor)
    now = utcnow()
    payload = [
        {
            "at": now,
            "user_id": user_id,
            "actor_name": name,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "details": json_safe(details),
        }
        for entity_id, details in rows
    ]
    bulk_insert(session, AuditLog, payload)
    return len(payload)


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(f: AuditFilter) -> Any:
    stmt = select(AuditLog)
    if f.user_id is not None:
        stmt = stmt.where(AuditLog.user_id == f.user_id)
    if f.action:
        stmt = stmt.where(AuditLog.action.like(f"{f.action}%"))
    if f.entity:
        stmt = stmt.where(AuditLog.entity == f.entity)
    if f.entity_id:
        stmt = stmt.where(AuditLog.entity_id == f.entity_id)
    if f.since:
        stmt = stmt.where(AuditLog.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditLog.at < f.until)
    return stmt


def search_audit(
    session: Session, actor: Actor, f: AuditFilter, limit: int = 100, before_id: int | None = None
) -> tuple[Sequence[AuditLog], int]:
    """Newest first, keyset-paged by id; returns (rows, total matching)."""
    require(actor, Permission.AUDIT_VIEW)
    stmt = _filtered(f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if before_id is not None:
        stmt = stmt.where(AuditLog.id < before_id)
    rows = session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)).all()
    return rows, total


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def export_audit_csv(session: Session, actor: Actor, f: AuditFilter, cap: int = 100_000) -> bytes:
    """The matching audit rows (newest first, at most ``cap``) as CSV (UTF-8 with BOM, ``;``);
    the export itself is audited.

    Every text cell goes through ``escape_spreadsheet_cell``: an actor name, an entity id or a
    detail typed by a person (a debtor's name, a comment) must not run as a formula in the
    spreadsheet of the auditor who opens the file.
    """
    require(actor, Permission.AUDIT_VIEW)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(["id", "at", "user", "action", "entity", "entity id", "details"])
    count = 0
    before: int | None = None
    while count < cap:
        rows, _ = search_audit(session, actor, f, limit=min(2000, cap - count), before_id=before)
        if not rows:
            break
        for r in rows:
            cells = [
                r.id,
                format_local(r.at, empty=""),
                r.actor_name,
                r.action,
                r.entity,
                r.entity_id or "",
                json.dumps(r.details, ensure_ascii=False),
            ]
            writer.writerow([escape_spreadsheet_cell(c) for c in cells])
        count += len(rows)
        before = rows[-1].id
    record_audit(session, actor, "audit.export", "audit_log", None, {"rows": count, "action": f.action or ""})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")

"""Case operations: the card, single and bulk transitions, reassignment, timeline and flags.

Bulk moves are set-based (ARCHITECTURE rule 5): the cases are read and locked in chunks, each
is checked in memory, and the moves are written with one UPDATE per chunk (executemany), one
INSERT of timeline events and one INSERT of audit rows, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, bindparam, column, func, select, text, update
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.audit.service import record_audit, record_audit_many
from core.auth.models import User
from core.auth.permissions import Actor, Permission, Role, require
from core.calendar import format_local
from core.cases import hooks
from core.cases.models import (
    AssignmentAgreement,
    Case,
    CaseEvent,
    CaseFlag,
    Contract,
    Creditor,
    Debtor,
)
from core.cases.workflow import (
    OPEN_STAGES,
    STAGE_BY_CODE,
    GuardProblem,
    Transition,
    stage,
    transition,
    transitions_from,
)
from core.db import bulk_insert, is_postgres, json_safe, utcnow
from core.errors import ConcurrentChange, NotFound, PermissionDenied, ValidationFailed
from core.i18n import N_, _

CHUNK = 2000
ProgressFn = Callable[[int, int], None]


def format_case_number(case_id: int) -> str:
    return f"C-{case_id:06d}"


def parse_case_number(text: str) -> int | None:
    """``C-000123``, ``c123``, ``123`` -> 123; None when it is not a case number."""
    s = text.strip().upper().removeprefix("C").lstrip("-").strip()
    return int(s) if s.isdigit() else None


# ---------------------------------------------------------------- timeline and flags


def add_case_event(
    session: Session,
    case_id: int,
    kind: str,
    source: str,
    actor: Actor | None,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
) -> None:
    """One entry of the case timeline (payment, document, mail, bureau, ...)."""
    session.add(
        CaseEvent(
            case_id=case_id,
            at=at or utcnow(),
            kind=kind,
            source=source,
            user_id=actor.id if actor else None,
            comment=comment,
            data=json_safe(data or {}),
            from_stage=from_stage,
            to_stage=to_stage,
        )
    )


def add_case_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Set-based form of ``add_case_event``: dicts with CaseEvent's column names."""
    keys = ("case_id", "at", "kind", "source", "user_id", "from_stage", "to_stage", "comment", "data")
    now = utcnow()
    bulk_insert(
        session,
        CaseEvent,
        [
            {k: (json_safe(r.get("data") or {}) if k == "data" else r.get(k, now if k == "at" else None)) for k in keys}
            for r in rows
        ],
    )


def raise_flag(session: Session, case_id: int, kind: str, reason: str) -> None:
    """Flag a case for a person; an open flag of the same kind is not duplicated."""
    exists = session.scalar(
        select(func.count())
        .select_from(CaseFlag)
        .where(CaseFlag.case_id == case_id, CaseFlag.kind == kind, CaseFlag.resolved_at.is_(None))
    )
    if not exists:
        session.add(CaseFlag(case_id=case_id, kind=kind, reason=reason, created_at=utcnow()))


def resolve_flags(session: Session, actor: Actor | None, case_id: int, kind: str) -> int:
    return resolve_flags_many(session, actor, [case_id], [kind])


def resolve_flags_many(session: Session, actor: Actor | None, case_ids: Sequence[int], kinds: Sequence[str]) -> int:
    """Resolve the open flags of these kinds on these cases: one UPDATE per 2,000 cases, so a bulk
    move of 10,000 cases does not issue one statement per case and kind."""
    ids = sorted(set(case_ids))
    resolved = 0
    for start in range(0, len(ids), CHUNK):
        result = session.execute(
            update(CaseFlag)
            .where(
                CaseFlag.case_id.in_(ids[start : start + CHUNK]),
                CaseFlag.kind.in_(list(kinds)),
                CaseFlag.resolved_at.is_(None),
            )
            .values(resolved_at=utcnow(), resolved_by_id=actor.id if actor else None)
        )
        resolved += int(getattr(result, "rowcount", 0) or 0)
    return resolved


def open_flags(session: Session, case_id: int) -> list[CaseFlag]:
    return list(
        session.scalars(
            select(CaseFlag).where(CaseFlag.case_id == case_id, CaseFlag.resolved_at.is_(None)).order_by(CaseFlag.id)
        )
    )


def active_users_with_role(session: Session, role: Role | str) -> list[User]:
    return list(session.scalars(select(User).where(User.role == str(role), User.is_active.is_(True)).order_by(User.id)))


class _LoadBalancer:
    """Hands out the least-loaded active user of each role, counting what it has handed out."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.heaps: dict[str, list[tuple[int, int]]] = {}

    def _heap(self, role: str) -> list[tuple[int, int]]:
        if role not in self.heaps:
            users = active_users_with_role(self.session, role)
            loads = dict(
                self.session.execute(
                    select(Case.responsible_id, func.count())
                    .where(Case.stage.in_(OPEN_STAGES), Case.responsible_id.in_([u.id for u in users]))
                    .group_by(Case.responsible_id)
                ).all()
            )
            heap = [(int(loads.get(u.id, 0)), u.id) for u in users]
            heapq.heapify(heap)
            self.heaps[role] = heap
        return self.heaps[role]

    def next_user(self, role: str) -> int | None:
        heap = self._heap(role)
        if not heap:
            return None
        load, user_id = heapq.heappop(heap)
        heapq.heappush(heap, (load + 1, user_id))
        return user_id


# ---------------------------------------------------------------- transitions


@dataclass(frozen=True)
class MoveOutcome:
    case_id: int
    number: str
    moved: bool
    reason: str = ""
    from_stage: str = ""
    to_stage: str = ""
    responsible_id: int | None = None
    conflict: bool = False  # refused because someone else changed the case first


@dataclass
class TransitionReport:
    transition: str
    outcomes: list[MoveOutcome] = field(default_factory=list)

    @property
    def moved(self) -> list[MoveOutcome]:
        return [o for o in self.outcomes if o.moved]

    @property
    def refused(self) -> list[MoveOutcome]:
        return [o for o in self.outcomes if not o.moved]

    def as_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "case": o.number,
                "result": "moved" if o.moved else "refused",
                "from": STAGE_BY_CODE[o.from_stage].label if o.from_stage else "",
                "to": STAGE_BY_CODE[o.to_stage].label if o.to_stage else "",
                "reason": o.reason,
            }
            for o in self.outcomes
        ]


def _write_moves(
    session: Session, t: Transition, column_values: dict[str, Any], params: list[dict[str, Any]], postgres: bool
) -> set[int]:
    """Write the chunk's moves; returns the ids actually moved.

    The version each case was read at is part of the write (``WHERE id = :id AND version =
    :expected``), so a case that another user moved or edited in the meantime is not touched and
    is reported as changed (ARCHITECTURE rule 6), on both databases. PostgreSQL: the per-case
    values are COPYed into a temporary table and joined in one ``UPDATE ... FROM ... RETURNING``
    (no per-row round trips). SQLite: one statement per case, in-process, where a round trip
    costs microseconds and the row count of each statement says whether that case moved.
    """
    table = Case.__table__
    if not postgres:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values(**column_values)
        )
        conn = session.connection()
        return {p["b_id"] for p in params if conn.execute(stmt, p).rowcount == 1}
    dialect = session.get_bind().dialect
    source = {"b_id": "id", "b_version": "version", "b_resp": "responsible_id", "b_closed": "closed_at"}
    for f in t.fields:
        if f.column:
            source[f"c_{f.column}"] = f.column
    keys = list(params[0])
    ddl = ", ".join(f"{k} {table.c[source[k]].type.compile(dialect)}" for k in keys)
    session.execute(text("DROP TABLE IF EXISTS case_moves"))
    session.execute(text(f"CREATE TEMPORARY TABLE case_moves ({ddl}) ON COMMIT DROP"))
    moves = table_clause("case_moves", *(column(k) for k in keys))
    bulk_insert(session, moves, params)
    resolved = {
        name: (moves.c[value.key] if isinstance(value, BindParameter) else value)
        for name, value in column_values.items()
    }
    moved = session.execute(
        update(table)
        .where(table.c.id == moves.c.b_id, table.c.version == moves.c.b_version)
        .values(**resolved)
        .returning(table.c.id)
    )
    return {int(r[0]) for r in moved}


def _check_actor(actor: Actor, t: Transition, bulk: bool) -> None:
    require(actor, Permission.CASE_TRANSITION)
    if bulk:
        require(actor, Permission.CASE_BULK_TRANSITION)
    if Role(actor.role) not in t.roles:
        allowed = ", ".join(sorted(r.value for r in t.roles))
        raise PermissionDenied(f"transition '{t.label}' (allowed to: {allowed})", actor.username, actor.role)


def _changed_by(session: Session, case_id: int) -> tuple[str | None, str | None]:
    row = session.execute(
        select(Case.updated_at, User.full_name).outerjoin(User, User.id == Case.updated_by_id).where(Case.id == case_id)
    ).first()
    if row is None:
        return None, None
    return row[1], format_local(row[0], empty="") or None


def _conflict(session: Session, case_id: int, number: str, from_stage: str) -> MoveOutcome:
    who, when = _changed_by(session, case_id)
    return MoveOutcome(
        case_id,
        number,
        False,
        (
            _("changed by {who} at {when} since you loaded it").format(who=who or _("someone else"), when=when)
            if when
            else _("changed by {who} since you loaded it").format(who=who or _("someone else"))
        ),
        from_stage,
        conflict=True,
    )


def transition_cases(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    transition_name: str,
    data: dict[str, Any] | None = None,
    *,
    per_case_data: dict[int, dict[str, Any]] | None = None,
    expected_versions: dict[int, int] | None = None,
    responsible_id: int | None = None,
    source: str = "bulk",
    at: dt.datetime | None = None,
    progress: ProgressFn | None = None,
) -> TransitionReport:
    """Move many cases with one transition; every case is reported moved or refused with a reason.

    One bad case never blocks the rest. ``expected_versions`` (case id -> version the user saw)
    refuses cases changed since; ``per_case_data`` overrides ``data`` per case (e.g. tracking
    numbers). The caller commits.
    """
    t = transition(transition_name)
    _check_actor(actor, t, bulk=source == "bulk")
    now = at or utcnow()
    target = stage(t.target)
    report = TransitionReport(t.name)
    if responsible_id is not None:
        chosen = session.get(User, responsible_id)
        if chosen is None or not chosen.is_active:
            raise ValidationFailed(_("The chosen responsible user does not exist or is deactivated."))
    balancer = _LoadBalancer(session)
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    total = len(ids)
    done = 0
    postgres = is_postgres(session)
    for start in range(0, total, CHUNK):
        chunk = ids[start : start + CHUNK]
        stmt = select(Case.id, Case.number, Case.stage, Case.version, Case.responsible_id).where(Case.id.in_(chunk))
        if postgres:
            stmt = stmt.with_for_update(of=Case)
        rows = {r.id: r for r in session.execute(stmt)}
        responsible_roles = dict(
            session.execute(
                select(User.id, User.role).where(
                    User.id.in_({r.responsible_id for r in rows.values() if r.responsible_id}), User.is_active.is_(True)
                )
            ).all()
        )
        candidates: list[int] = []
        cleaned: dict[int, dict[str, Any]] = {}
        for case_id in chunk:
            row = rows.get(case_id)
            if row is None:
                report.outcomes.append(MoveOutcome(case_id, format_case_number(case_id), False, "no such case"))
                continue
            if expected_versions and case_id in expected_versions and expected_versions[case_id] != row.version:
                report.outcomes.append(_conflict(session, case_id, row.number, row.stage))
                continue
            if row.stage not in t.sources:
                allowed = ", ".join(STAGE_BY_CODE[s].label for s in t.sources)
                report.outcomes.append(
                    MoveOutcome(
                        case_id,
                        row.number,
                        False,
                        f"is at '{STAGE_BY_CODE[row.stage].label}'; '{t.label}' is made only from: {allowed}",
                        row.stage,
                    )
                )
                continue
            merged = {**(data or {}), **((per_case_data or {}).get(case_id) or {})}
            try:
                cleaned[case_id] = t.clean(merged)
            except GuardProblem as exc:
                report.outcomes.append(MoveOutcome(case_id, row.number, False, str(exc), row.stage))
                continue
            candidates.append(case_id)
        vetoes = hooks.run_guards(session, t.name, candidates) if candidates else {}
        params: list[dict[str, Any]] = []
        moved_cases: list[hooks.MovedCase] = []
        events: list[dict[str, Any]] = []
        audits: list[tuple[object, dict[str, Any]]] = []
        pending: list[MoveOutcome] = []
        for case_id in candidates:
            row = rows[case_id]
            if case_id in vetoes:
                report.outcomes.append(MoveOutcome(case_id, row.number, False, vetoes[case_id], row.stage))
                continue
            if responsible_id is not None:
                new_resp: int | None = responsible_id
            elif target.closed or (row.responsible_id and responsible_roles.get(row.responsible_id) == target.role):
                new_resp = row.responsible_id
            else:
                new_resp = balancer.next_user(target.role.value) or row.responsible_id
            values = cleaned[case_id]
            param: dict[str, Any] = {
                "b_id": case_id,
                "b_version": row.version,
                "b_resp": new_resp,
                "b_closed": now if target.closed else None,
            }
            for f in t.fields:
                if f.column:
                    param[f"c_{f.column}"] = values.get(f.name)
            params.append(param)
            moved_cases.append(hooks.MovedCase(case_id, t.name, row.stage, t.target, values, now, source))
            events.append(
                {
                    "case_id": case_id,
                    "at": now,
                    "kind": t.event_kind,
                    "source": source,
                    "user_id": actor.id,
                    "from_stage": row.stage,
                    "to_stage": t.target,
                    "comment": values.get("comment") or values.get("reason"),
                    "data": {"transition": t.name, **values, "responsible_id": new_resp},
                }
            )
            audits.append(
                (case_id, {"transition": t.name, "from": row.stage, "to": t.target, "source": source, **values})
            )
            pending.append(MoveOutcome(case_id, row.number, True, "", row.stage, t.target, new_resp))
        if params:
            column_values: dict[str, Any] = {
                "stage": t.target,
                "version": Case.__table__.c.version + 1,
                "responsible_id": bindparam("b_resp"),
                "entered_stage_at": now,
                "updated_at": now,
                "updated_by_id": actor.id,
                "closed_at": bindparam("b_closed"),
                "sla_breached_at": None,
            }
            for f in t.fields:
                if f.column:
                    column_values[f.column] = bindparam(f"c_{f.column}")
            written = _write_moves(session, t, column_values, params, postgres)
            for outcome in pending:
                if outcome.case_id in written:
                    report.outcomes.append(outcome)
                else:
                    report.outcomes.append(_conflict(session, outcome.case_id, outcome.number, outcome.from_stage))
            events = [e for e in events if e["case_id"] in written]
            audits = [a for a in audits if a[0] in written]
            moved_cases = [m for m in moved_cases if m.case_id in written]
            if events:
                add_case_events(session, events)
                record_audit_many(session, actor, "case.transition", "case", audits)
                hooks.run_after(session, actor if actor.id is not None else None, moved_cases)
        done += len(chunk)
        if progress:
            progress(done, total)
    session.expire_all()
    return report


def transition_case(
    session: Session,
    actor: Actor,
    case_id: int,
    transition_name: str,
    expected_version: int,
    data: dict[str, Any] | None = None,
    *,
    responsible_id: int | None = None,
    source: str = "manual",
    at: dt.datetime | None = None,
) -> MoveOutcome:
    """Move one case; raises ``ConcurrentChange`` if it changed since ``expected_version`` was
    read, and ``ValidationFailed`` with the reason when the move is not allowed."""
    current = session.execute(select(Case.version, Case.number).where(Case.id == case_id)).first()
    if current is None:
        raise NotFound(_("Case {number} does not exist.").format(number=format_case_number(case_id)))
    if current.version != expected_version:
        who, when = _changed_by(session, case_id)
        raise ConcurrentChange(_("Case {number}").format(number=current.number), who, when)
    report = transition_cases(
        session,
        actor,
        [case_id],
        transition_name,
        data,
        expected_versions={case_id: expected_version},
        responsible_id=responsible_id,
        source=source,
        at=at,
    )
    outcome = report.outcomes[0]
    if not outcome.moved:
        if outcome.conflict:
            who, when = _changed_by(session, case_id)
            raise ConcurrentChange(_("Case {number}").format(number=outcome.number), who, when)
        raise ValidationFailed(
            _("Case {number} cannot be moved: {reason}.").format(number=outcome.number, reason=outcome.reason)
        )
    return outcome


def reassign(
    session: Session, actor: Actor, case_ids: Sequence[int], user_id: int, progress: ProgressFn | None = None
) -> int:
    """Make ``user_id`` responsible for the cases; returns how many changed."""
    require(actor, Permission.CASE_REASSIGN)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise ValidationFailed(_("Choose an active user to reassign the cases to."))
    now = utcnow()
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(Case.id, Case.responsible_id).where(
                Case.id.in_(chunk), Case.responsible_id.is_distinct_from(user_id)
            )
        ).all()
        if rows:
            session.execute(
                update(Case.__table__)
                .where(Case.__table__.c.id.in_([r.id for r in rows]))
                .values(
                    responsible_id=user_id, version=Case.__table__.c.version + 1, updated_at=now, updated_by_id=actor.id
                )
            )
            add_case_events(
                session,
                [
                    {
                        "case_id": r.id,
                        "at": now,
                        "kind": "assignment",
                        "source": "manual",
                        "user_id": actor.id,
                        "comment": f"Responsible: {user.full_name}",
                        "data": {"from": r.responsible_id, "to": user_id},
                    }
                    for r in rows
                ],
            )
            record_audit_many(
                session,
                actor,
                "case.reassign",
                "case",
                [(r.id, {"from": r.responsible_id, "to": user_id}) for r in rows],
            )
            changed += len(rows)
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids))
    session.expire_all()
    return changed


# ---------------------------------------------------------------- the card


@dataclass(frozen=True)
class CaseCard:
    case: Case
    debtor: Debtor
    contract: Contract
    creditor: Creditor
    agreement: AssignmentAgreement | None
    assignee: Creditor | None
    responsible: User | None
    days_in_stage: int
    sla_days: int | None
    over_sla: bool
    allowed: list[Transition]
    flags: list[CaseFlag]


def find_case_id(session: Session, number_or_id: str | int) -> int | None:
    if isinstance(number_or_id, int):
        return number_or_id
    text = number_or_id.strip().upper()
    found = session.scalar(select(Case.id).where(Case.number == text))
    if found is not None:
        return int(found)
    parsed = parse_case_number(text)
    if parsed is not None and session.get(Case, parsed) is not None:
        return parsed
    return None


def get_case_card(session: Session, actor: Actor, case_id: int, now: dt.datetime | None = None) -> CaseCard:
    require(actor, Permission.CASE_VIEW)
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound(_("Case {number} does not exist.").format(number=format_case_number(case_id)))
    now = now or utcnow()
    agreement = session.get(AssignmentAgreement, case.agreement_id) if case.agreement_id else None
    st = stage(case.stage)
    days = (now - case.entered_stage_at).days
    return CaseCard(
        case=case,
        debtor=session.get(Debtor, case.debtor_id),  # type: ignore[arg-type]
        contract=session.get(Contract, case.contract_id),  # type: ignore[arg-type]
        creditor=session.get(Creditor, case.creditor_id),  # type: ignore[arg-type]
        agreement=agreement,
        assignee=session.get(Creditor, agreement.assignee_id) if agreement else None,
        responsible=session.get(User, case.responsible_id) if case.responsible_id else None,
        days_in_stage=days,
        sla_days=st.sla_days,
        over_sla=st.sla_days is not None and days > st.sla_days,
        allowed=transitions_from(case.stage, actor.role),
        flags=open_flags(session, case.id),
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    source: str
    who: str
    from_stage: str | None
    to_stage: str | None
    comment: str | None
    data: dict[str, Any]


def case_timeline(session: Session, actor: Actor, case_id: int, limit: int = 500) -> list[TimelineEntry]:
    require(actor, Permission.CASE_VIEW)
    rows = session.execute(
        select(CaseEvent, User.full_name)
        .outerjoin(User, User.id == CaseEvent.user_id)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        TimelineEntry(
            e.at, e.kind, e.source, name or _source_name(e.source), e.from_stage, e.to_stage, e.comment, e.data or {}
        )
        for e, name in rows
    ]


_SOURCE_NAMES = {
    "postal_job": N_("postal job"),
    "ocr_review": N_("OCR review"),
    "import": N_("import"),
    "bureau_job": N_("bureau job"),
    "accrual_job": N_("accrual job"),
}


def _source_name(source: str) -> str:
    return _(_SOURCE_NAMES.get(source, N_("system")))


def list_staff(session: Session, role: str | None = None, active_only: bool = True) -> list[User]:
    stmt = select(User).order_by(User.full_name)
    if role:
        stmt = stmt.where(User.role == role)
    if active_only:
        stmt = stmt.where(User.is_active.is_(True))
    return list(session.scalars(stmt))


DEBTOR_EDITABLE = (
    "full_name",
    "birth_date",
    "birth_place",
    "passport",
    "inn",
    "snils",
    "address",
    "phone",
    "email",
    "region",
)
CASE_EDITABLE = ("court_name", "court_address", "court_case_number")


def update_debtor(
    session: Session, actor: Actor, debtor_id: int, changes: dict[str, Any], *, expected_version: int
) -> list[str]:
    """Change a debtor's data; returns the fields that changed.

    ``expected_version`` is the debtor's version the user saw: a debtor changed since (by another
    user, the importer, a bureau correction) is refused with ``ConcurrentChange``, and the check
    is part of the write (``UPDATE ... WHERE id = :id AND version = :expected``), so two editors
    racing each other cannot both win (ARCHITECTURE rule 6). The name obeys the same rule as in
    the importer (``core.text.person_name_problem``).

    A change of the subject's data must reach the credit bureau (event 1.9), so
    ``debtor.changed`` is published in the same transaction.
    """
    require(actor, Permission.CASE_EDIT)
    debtor = session.get(Debtor, debtor_id, populate_existing=True)
    if debtor is None:
        raise NotFound(_("Debtor #{debtor_id} does not exist.").format(debtor_id=debtor_id))
    label = _("Debtor {name}").format(name=debtor.full_name)
    if debtor.version != expected_version:
        raise ConcurrentChange(label, None, None)
    unknown = set(changes) - set(DEBTOR_EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("These debtor fields cannot be edited: {items}.").format(items=", ".join(sorted(unknown)))
        )
    changed: dict[str, tuple[Any, Any]] = {}
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip() or None
        if name == "full_name":
            if not value:
                raise ValidationFailed(_("The debtor's full name cannot be empty."), {"full_name": "required"})
            from core.text import name_search_key, normalize_person_name, person_name_problem

            problem = person_name_problem(value)
            if problem:
                raise ValidationFailed(problem, {"full_name": problem})

            value = normalize_person_name(value)
            parts = value.split(" ")
            debtor.last_name, debtor.first_name = parts[0], parts[1] if len(parts) > 1 else ""
            debtor.middle_name = " ".join(parts[2:]) or None
            debtor.name_search = name_search_key(value)
        old = getattr(debtor, name)
        if old != value:
            changed[name] = (old, value)
            setattr(debtor, name, value)
    if not changed:
        return []
    try:
        session.flush()  # the ORM writes ``WHERE id = :id AND version = :expected`` (version_id_col)
    except StaleDataError:
        raise ConcurrentChange(label, None, None) from None
    case_ids = list(session.scalars(select(Case.id).where(Case.debtor_id == debtor_id)))
    for case_id in case_ids:
        add_case_event(
            session, case_id, "note", "manual", actor, comment="Debtor data changed: " + ", ".join(changed), data={}
        )
    record_audit(
        session, actor, "debtor.update", "debtor", debtor_id, {k: [str(a), str(b)] for k, (a, b) in changed.items()}
    )
    from core.events import publish

    publish(session, actor, "debtor.changed", [{"debtor_id": debtor_id, "case_ids": case_ids, "fields": list(changed)}])
    session.flush()
    return list(changed)


def update_case_details(
    session: Session, actor: Actor, case_id: int, expected_version: int, changes: dict[str, Any]
) -> Case:
    """Edit the court details of a case, with the optimistic lock."""
    require(actor, Permission.CASE_EDIT)
    unknown = set(changes) - set(CASE_EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("These case fields cannot be edited here: {items}.").format(items=", ".join(sorted(unknown)))
        )
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound(_("Case {number} does not exist.").format(number=format_case_number(case_id)))
    if case.version != expected_version:
        who, when = _changed_by(session, case_id)
        raise ConcurrentChange(_("Case {number}").format(number=case.number), who, when)
    diff = {}
    for name, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(case, name) != (value or None):
            diff[name] = [getattr(case, name), value or None]
            setattr(case, name, value or None)
    if diff:
        case.updated_at = utcnow()
        case.updated_by_id = actor.id
        add_case_event(session, case_id, "note", "manual", actor, comment="Court details changed", data=diff)
        record_audit(session, actor, "case.update", "case", case_id, diff)
        try:
            session.flush()  # ``WHERE id = :id AND version = :expected`` (the mapper's version_id_col)
        except StaleDataError:
            raise ConcurrentChange(_("Case {number}").format(number=format_case_number(case_id)), None, None) from None
    return case

"""Workload per employee: open cases held now, how many are over SLA, moves made.

"Moves this week" are the transitions a person made in the last 7 days up to now; "moves in
the period" those made in the selected period. Open cases nobody holds are one row,
"(unassigned)", so they are not lost from the picture.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.models import User
from core.cases.models import CaseEvent
from core.cases.workflow import OPEN_STAGES
from core.i18n import N_
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult, frame
from core.kpi.stages import case_snapshot

UNASSIGNED = N_("(unassigned)")


def _moves(session: Session, f: KpiFilters, since: dt.datetime, until: dt.datetime) -> dict[int, int]:
    stmt = select(CaseEvent.user_id, func.count()).where(
        CaseEvent.kind == "transition", CaseEvent.at >= since, CaseEvent.at < until, CaseEvent.user_id.is_not(None)
    )
    if f.narrows_cases():
        stmt = stmt.where(CaseEvent.case_id.in_(f.case_ids_subquery()))
    if f.responsible_ids:
        stmt = stmt.where(CaseEvent.user_id.in_(f.responsible_ids))
    return {int(r[0]): int(r[1]) for r in session.execute(stmt.group_by(CaseEvent.user_id))}


def workload(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    held: dict[int | None, tuple[int, int]] = {}
    for r in case_snapshot(session, f, now):
        if r.stage in OPEN_STAGES:
            n, over = held.get(r.responsible_id, (0, 0))
            held[r.responsible_id] = (n + r.cases, over + r.over_from[0])
    week = _moves(session, f, now - dt.timedelta(days=7), now + dt.timedelta(seconds=1))
    period = _moves(session, f, f.start, f.end)
    user_ids = {u for u in held if u is not None} | set(week) | set(period)
    users: dict[int, Any] = (
        {u.id: u for u in session.execute(select(User).where(User.id.in_(user_ids))).scalars()} if user_ids else {}
    )
    columns = ["user_id", "employee", "role", "open_cases", "over_sla", "moves_week", "moves_period"]
    data: list[tuple[Any, ...]] = []
    for uid in sorted(user_ids, key=lambda i: users[i].full_name if i in users else str(i)):
        user = users.get(uid)
        open_cases, over = held.get(uid, (0, 0))
        name, role = (user.full_name, user.role) if user else (f"#{uid}", "")
        data.append((uid, name, role, open_cases, over, week.get(uid, 0), period.get(uid, 0)))
    if None in held and not f.responsible_ids:
        open_cases, over = held[None]
        data.append((None, UNASSIGNED, "", open_cases, over, 0, 0))
    result = frame(data, columns)
    return KpiResult("workload", N_("Workload per employee"), result, {"people": len(user_ids)})

"""Queueing long actions for the jobs process, running them there, and reporting back.

A Streamlit rerun stops whatever the page was doing (ARCHITECTURE, "Streamlit, the way it works
best"), so an action that takes more than a few seconds for many cases, such as a print package
of 1,000 cases or an import of 100,000 spreadsheet rows, is queued here and done by the jobs
process. The page shows the task's progress and, when it ends, its result.

Exactly once: the work of a task and its "done" are one transaction, and "done" is written only
by the runner that holds the task's lease. A runner that died leaves the task "running" with an
expired lease; the next runner takes it again (its transaction was rolled back, so nothing was
half done). A task that stopped ``MAX_ATTEMPTS`` times is failed with a message instead of
being tried forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.orm import Session, defer

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import Actor, Permission, Role, require
from core.config import get_settings
from core.db import is_postgres, json_safe, session_scope, utcnow
from core.errors import CessioError, NotFound, ValidationFailed
from core.files import journal
from core.i18n import _, set_language
from core.jobstate.service import LeaseKeeper, LeaseLost, heartbeat_seconds
from core.tasks.models import DONE, FAILED, FINISHED, QUEUED, RUNNING, QueuedTask
from core.tasks.progress import ProgressWriter, read_progress_file
from core.tasks.registry import task_kinds

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    title: str
    status: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress_share: float
    progress_label: str | None
    result: dict[str, Any] | None
    error: str | None
    ahead: int  # queued tasks before this one (0 when it is next or already running)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def waited_seconds(self, now: dt.datetime | None = None) -> float:
        return ((now or utcnow()) - self.created_at).total_seconds()


def enqueue_task(session: Session, actor: Actor, kind: str, title: str, params: dict[str, Any]) -> int:
    """Queue ``kind`` for the jobs process on behalf of ``actor``; returns the task's id."""
    spec = task_kinds().get(kind)
    if spec is None:
        raise ValueError(f"unknown task kind '{kind}'")
    require(actor, spec.permission)
    if actor.id is None:
        raise ValidationFailed(_("Queued work belongs to a signed-in user; system actors run the service directly."))
    row = QueuedTask(
        kind=kind,
        title=title[:200],
        params=json_safe(params),
        status=QUEUED,
        created_by_id=actor.id,
        created_at=utcnow(),
        attempts=0,
        progress_share=0.0,
    )
    session.add(row)
    session.flush()
    record_audit(session, actor, "task.queued", "queued_task", row.id, {"kind": kind, "title": row.title})
    return row.id


def requeue_task(session: Session, actor: Actor, task_id: int) -> int:
    """ "Queue again" for work that failed (given up after interrupted attempts, or stopped by an
    error): the same work with the same parameters as a new task, done as ``actor``; returns the
    new task's id. The failed task stays as it was, with its reason."""
    row = session.get(QueuedTask, task_id)
    if row is None or (row.created_by_id != actor.id and not _sees_everyones(actor)):
        raise NotFound(_("Queued work № {task_id} does not exist or is not yours.").format(task_id=task_id))
    if row.status != FAILED:
        raise ValidationFailed(_("Only failed work can be queued again; № {id} is not failed.").format(id=task_id))
    new_id = enqueue_task(session, actor, row.kind, row.title, dict(row.params or {}))
    record_audit(session, actor, "task.requeued", "queued_task", new_id, {"from": task_id})
    return new_id


def _queued_ids(session: Session) -> list[int]:
    """Ids of every task still waiting, in queue order: one read for a whole list of views."""
    return list(session.scalars(select(QueuedTask.id).where(QueuedTask.status == QUEUED).order_by(QueuedTask.id)))


def _view(session: Session, row: QueuedTask, queued_ids: list[int], with_result: bool = True) -> TaskView:
    share, label = row.progress_share or 0.0, row.progress_label
    if row.status == RUNNING and not is_postgres(session):
        from_file = read_progress_file(row.id)
        if from_file is not None:
            share, label = from_file
    ahead = bisect_left(queued_ids, row.id) if row.status == QUEUED else 0
    return TaskView(
        row.id,
        row.kind,
        row.title,
        row.status,
        row.created_at,
        row.started_at,
        row.finished_at,
        share,
        label,
        row.result if with_result else None,
        row.error,
        ahead,
    )


def _sees_everyones(actor: Actor) -> bool:
    return actor.role in (Role.HEAD.value, Role.ADMIN.value)


def get_task(session: Session, actor: Actor, task_id: int) -> TaskView:
    """One task as its owner (or a head or admin) sees it, progress included."""
    row = session.get(QueuedTask, task_id, populate_existing=True)  # fresh: the page polls it
    if row is None or (row.created_by_id != actor.id and not _sees_everyones(actor)):
        raise NotFound(_("Queued work № {task_id} does not exist or is not yours.").format(task_id=task_id))
    return _view(session, row, _queued_ids(session) if row.status == QUEUED else [])


def my_tasks(session: Session, actor: Actor, kinds: tuple[str, ...], limit: int = 10) -> list[TaskView]:
    """The actor's latest tasks of these kinds, newest first (the page's "your queued work").

    Without their results (an import's report can be hundreds of kilobytes): ``get_task`` one."""
    rows = list(
        session.scalars(
            select(QueuedTask)
            .options(defer(QueuedTask.result))
            .where(QueuedTask.created_by_id == actor.id, QueuedTask.kind.in_(kinds))
            .order_by(QueuedTask.id.desc())
            .limit(limit)
        )
    )
    queued = _queued_ids(session) if any(r.status == QUEUED for r in rows) else []
    return [_view(session, r, queued, with_result=False) for r in rows]


def unfinished_tasks(session: Session, kind: str, created_by_id: int | None = None) -> list[QueuedTask]:
    """Queued or running tasks of ``kind`` (of one user's, or everyone's), oldest first: what a
    queueing function checks so that a second click does not queue the same work twice."""
    stmt = select(QueuedTask).where(QueuedTask.kind == kind, QueuedTask.status.in_((QUEUED, RUNNING)))
    if created_by_id is not None:
        stmt = stmt.where(QueuedTask.created_by_id == created_by_id)
    return list(session.scalars(stmt.order_by(QueuedTask.id)))


@dataclass(frozen=True)
class QueueRow:
    task: TaskView
    queued_by: str


def queue_overview(session: Session, actor: Actor, limit: int = 20) -> list[QueueRow]:
    """Everyone's latest queued work with who queued it (the Background jobs page)."""
    require(actor, Permission.JOBS_VIEW)
    rows = session.execute(
        select(QueuedTask, User.full_name)
        .options(defer(QueuedTask.result))
        .join(User, User.id == QueuedTask.created_by_id)
        .order_by(QueuedTask.id.desc())
        .limit(limit)
    ).all()
    queued = _queued_ids(session) if any(task.status == QUEUED for task, _ in rows) else []
    return [QueueRow(_view(session, task, queued, with_result=False), name) for task, name in rows]


# ---------------------------------------------------------------- the jobs process side


def _claimable(now: dt.datetime) -> Any:
    return or_(QueuedTask.status == QUEUED, and_(QueuedTask.status == RUNNING, QueuedTask.lease_until < now))


def claim_next_task(
    engine: Engine, owner: str, now: dt.datetime | None = None, gave_up: list[int] | None = None
) -> int | None:
    """Take the oldest queued task (or one whose runner died) under a lease; None if none.

    A task that already stopped ``MAX_ATTEMPTS`` times is failed instead, with the reason, and
    its id is added to ``gave_up`` (so the pass can say so); the files its attempts left in the
    store are swept."""
    lease = get_settings().jobs_lease_seconds
    while True:
        moment = now or utcnow()
        with session_scope(engine) as s:
            stmt = select(QueuedTask.id, QueuedTask.attempts).where(_claimable(moment)).order_by(QueuedTask.id).limit(1)
            if is_postgres(s):
                stmt = stmt.with_for_update(skip_locked=True)
            found = s.execute(stmt).first()
            if found is None:
                return None
            if found.attempts >= MAX_ATTEMPTS:
                failed = s.execute(
                    update(QueuedTask)
                    .where(QueuedTask.id == found.id, _claimable(moment))
                    .values(
                        status=FAILED,
                        finished_at=moment,
                        lease_owner=None,
                        lease_until=None,
                        error=(
                            f"The work stopped {found.attempts} times without finishing (the jobs process was "
                            "restarted or ran out of memory). Nothing of it was saved. Queue it again; if it "
                            "stops again, ask an administrator to look at the jobs log."
                        ),
                    )
                ).rowcount
                if failed and gave_up is not None:
                    gave_up.append(int(found.id))
                given_up = int(found.id) if failed else None
            else:
                given_up = None
                taken = s.execute(
                    update(QueuedTask)
                    .where(QueuedTask.id == found.id, _claimable(moment))
                    .values(
                        status=RUNNING,
                        attempts=QueuedTask.attempts + 1,
                        lease_owner=owner,
                        lease_until=moment + dt.timedelta(seconds=lease),
                        started_at=moment,
                        progress_share=0.0,
                        progress_label="Starting…",
                    )
                ).rowcount
                if taken:
                    return int(found.id)
        if given_up is not None:
            journal.sweep(journal.journals_of(f"task-{given_up}-"), engine)


def _fail(engine: Engine, task_id: int, owner: str, message: str) -> None:
    with session_scope(engine) as s:
        s.execute(
            update(QueuedTask)
            .where(QueuedTask.id == task_id, QueuedTask.lease_owner == owner, QueuedTask.status == RUNNING)
            .values(status=FAILED, error=message, finished_at=utcnow(), lease_owner=None, lease_until=None)
        )


def _renew_task_lease(engine: Engine, task_id: int, owner: str, lease_seconds: int) -> bool:
    with session_scope(engine) as s:
        return bool(
            s.execute(
                update(QueuedTask)
                .where(QueuedTask.id == task_id, QueuedTask.lease_owner == owner, QueuedTask.status == RUNNING)
                .values(lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))
            ).rowcount
        )


def run_task(engine: Engine, task_id: int, owner: str) -> str:
    """Do one claimed task as the user who queued it; returns its final status.

    While it runs, a heartbeat renews the task's lease (on PostgreSQL; SQLite has one writer,
    the task's own transaction, so nobody can take the task over there anyway). The blobs it
    stores are journaled: when the work rolls back they are swept from the store, and the first
    thing a new attempt does is sweep what a crashed attempt left (core.files.journal)."""
    lease = get_settings().jobs_lease_seconds
    keeper: LeaseKeeper | None = None
    if is_postgres(engine):
        keeper = LeaseKeeper(
            lambda: _renew_task_lease(engine, task_id, owner, lease), heartbeat_seconds(lease), f"task {task_id}"
        ).start()
    progress = ProgressWriter(engine, task_id, owner, lease, keeper)
    journal.sweep(journal.journals_of(f"task-{task_id}-"), engine)  # what crashed attempts left
    journal_file = None
    committed = False
    try:
        with session_scope(engine) as s:
            task = s.get(QueuedTask, task_id)
            if task is None:
                return FAILED
            spec = task_kinds().get(task.kind)
            if spec is None:
                raise ValidationFailed(
                    _("This version of Cessio cannot do '{kind}' work; queue it again.").format(kind=task.kind)
                )
            user = s.get(User, task.created_by_id)
            if user is None or not user.is_active:
                raise ValidationFailed(_("The user who queued this work is no longer active, so it was not done."))
            set_language(user.language)  # its progress, messages and result speak the user's language
            with journal.recording(f"task-{task_id}-{task.attempts}-{uuid.uuid4().hex[:6]}") as journal_file:
                result = spec.run(s, user, dict(task.params or {}), progress)
            if keeper is not None:
                keeper.check()
            done = s.execute(
                update(QueuedTask)
                .where(QueuedTask.id == task_id, QueuedTask.lease_owner == owner, QueuedTask.status == RUNNING)
                .values(
                    status=DONE,
                    result=json_safe(result),
                    finished_at=utcnow(),
                    progress_share=1.0,
                    progress_label=_("Done"),
                    lease_owner=None,
                    lease_until=None,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if not done:
                raise LeaseLost(task_id)
        committed = True
        return DONE
    except LeaseLost:
        log.warning("queued task %s was taken over by another runner; this run was rolled back", task_id)
        return RUNNING
    except CessioError as exc:
        _fail(engine, task_id, owner, str(exc))
        return FAILED
    except Exception as exc:
        log.exception("queued task %s failed", task_id)
        _fail(
            engine,
            task_id,
            owner,
            _(
                "Unexpected error ({kind}: {error}). Nothing was saved. Queue it again; "
                "if it happens again, ask an administrator to look at the jobs log."
            ).format(kind=type(exc).__name__, error=exc),
        )
        return FAILED
    finally:
        if keeper is not None:
            keeper.stop()
        set_language(None)
        progress.close()
        if journal_file is not None:
            if committed:
                journal.discard(journal_file)
            else:
                journal.sweep([journal_file], engine)


def run_queued_tasks(engine: Engine, owner: str, budget_seconds: float = 60.0) -> str:
    """The jobs process's pass: run queued tasks one by one until none is left or the budget is
    spent (other jobs get their turn; the next pass goes on). Returns a one-line summary."""
    started = time.monotonic()
    counts = {DONE: 0, FAILED: 0, RUNNING: 0}
    gave_up: list[int] = []
    while time.monotonic() - started < budget_seconds:
        task_id = claim_next_task(engine, owner, gave_up=gave_up)
        if task_id is None:
            break
        counts[run_task(engine, task_id, owner)] += 1
    if not any(counts.values()) and not gave_up:
        return "nothing queued"
    text = f"{counts[DONE]} done, {counts[FAILED]} failed" + (
        f", {counts[RUNNING]} taken over by another runner" if counts[RUNNING] else ""
    )
    parts = [text]
    if gave_up:
        parts.append(
            _("{n} given up after {attempts} interrupted attempts (№ {ids})").format(
                n=len(gave_up), attempts=MAX_ATTEMPTS, ids=", ".join(str(i) for i in gave_up)
            )
        )
    return "; ".join(parts)

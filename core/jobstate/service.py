"""Leases, schedules and run records of background jobs.

A job runs only while its runner holds the lease row: the lease is taken with one atomic
``UPDATE ... WHERE lease is free or expired`` (row-locked on PostgreSQL, serialised by the
database lock on SQLite), so two runners on two machines never run the same job at once, and a
runner that died loses its lease when it expires (ARCHITECTURE rule 7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth.permissions import Actor, Permission, require
from core.calendar import local_tz
from core.db import session_scope, utcnow
from core.jobstate.models import JobState


def ensure_job_row(engine: Engine | None, name: str, next_run_at: dt.datetime | None) -> None:
    with session_scope(engine) as s:
        if s.get(JobState, name) is None:
            s.add(JobState(name=name, next_run_at=next_run_at, run_count=0))
            try:
                s.flush()
            except IntegrityError:
                s.rollback()


def acquire_lease(
    engine: Engine | None, name: str, owner: str, lease_seconds: int, now: dt.datetime | None = None
) -> bool:
    """Take the job's lease if it is free or expired; True when this owner now holds it."""
    now = now or utcnow()
    with session_scope(engine) as s:
        result = s.execute(
            update(JobState)
            .where(
                JobState.name == name,
                (JobState.lease_until.is_(None)) | (JobState.lease_until < now) | (JobState.lease_owner == owner),
            )
            .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds), last_started_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)


def release_lease(
    engine: Engine | None,
    name: str,
    owner: str,
    *,
    status: str,
    error: str | None,
    result: str | None,
    next_run_at: dt.datetime | None,
    now: dt.datetime | None = None,
) -> None:
    now = now or utcnow()
    with session_scope(engine) as s:
        row = s.get(JobState, name)
        if row is None:
            return
        row.last_finished_at = now
        row.last_status = status
        row.last_error = error
        if result is not None:
            row.last_result = result
        row.next_run_at = next_run_at
        row.run_count = (row.run_count or 0) + 1
        if row.lease_owner == owner:
            row.lease_owner = None
            row.lease_until = None


def due_jobs(engine: Engine | None, now: dt.datetime | None = None) -> set[str]:
    now = now or utcnow()
    with session_scope(engine) as s:
        return set(s.scalars(select(JobState.name).where(JobState.next_run_at <= now)))


def next_daily_run(hhmm: str, after: dt.datetime) -> dt.datetime:
    """The next moment (UTC) at local time ``HH:MM`` strictly after ``after``."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    tz = local_tz()
    local = after.astimezone(tz)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = candidate + dt.timedelta(days=1)
        candidate = candidate.replace(hour=hour, minute=minute)
    return candidate.astimezone(dt.UTC)


@dataclass(frozen=True)
class JobStatus:
    name: str
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_status: str | None
    last_error: str | None
    last_result: str | None
    next_run_at: dt.datetime | None
    running_on: str | None
    run_count: int


def _status(r: JobState, now: dt.datetime) -> JobStatus:
    running = r.lease_owner if r.lease_until and r.lease_until > now else None
    return JobStatus(
        r.name,
        r.last_started_at,
        r.last_finished_at,
        r.last_status,
        r.last_error,
        r.last_result,
        r.next_run_at,
        running,
        r.run_count,
    )


def job_overview(session: Session, actor: Actor) -> list[JobStatus]:
    """Each job's last run, next run, last error and who runs it now (for the UI)."""
    require(actor, Permission.JOBS_VIEW)
    now = utcnow()
    return [_status(r, now) for r in session.scalars(select(JobState).order_by(JobState.name))]

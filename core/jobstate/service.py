"""Leases, schedules and run records of background jobs.

A job runs only while its runner holds the lease row: the lease is taken with one atomic
``UPDATE ... WHERE lease is free or expired`` (row-locked on PostgreSQL, serialised by the
database lock on SQLite), so two runners on two machines never run the same job at once, and a
runner that died loses its lease when it expires (ARCHITECTURE rule 7).

The lease is short (``jobs_lease_seconds``, 30 s by default) and a heartbeat renews it while
the job runs (``LeaseKeeper``, every third of the lease), so a run longer than the lease keeps
it, and a crashed runner's lease runs out within half a minute: the next process (a restarted
one has a new owner id) takes the job over within a minute. A runner whose renewal finds the
lease taken by another owner marks it lost; the job's services call ``check_lease()`` before
they commit a step, which raises ``LeaseLost`` and rolls that step back.

A page that starts the same work as a job ("Send due events now") takes the job's lease for
its run too (``page_lease``), so a job and a page never run the same pass side by side.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.auth.permissions import Actor, Permission, require
from core.calendar import local_tz
from core.config import get_settings
from core.db import session_scope, utcnow
from core.errors import CessioError
from core.i18n import _
from core.jobstate.models import JobState

log = logging.getLogger(__name__)


def ensure_job_row(engine: Engine | None, name: str, next_run_at: dt.datetime | None) -> None:
    """Create the job's row if it is missing (a page may create it first, without a schedule:
    the runner then fills the schedule in)."""
    with session_scope(engine) as s:
        row = s.get(JobState, name)
        if row is None:
            s.add(JobState(name=name, next_run_at=next_run_at, run_count=0))
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
        elif row.next_run_at is None and next_run_at is not None and row.run_count == 0:
            row.next_run_at = next_run_at


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


def renew_lease(engine: Engine | None, name: str, owner: str, lease_seconds: int) -> bool:
    """Push the lease's end forward; False when this owner no longer holds it (taken over)."""
    with session_scope(engine) as s:
        result = s.execute(
            update(JobState)
            .where(JobState.name == name, JobState.lease_owner == owner)
            .values(lease_until=utcnow() + dt.timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)


def free_lease(engine: Engine | None, name: str, owner: str) -> None:
    """Give the lease back without touching the job's run record (a page's run is not the job's)."""
    with session_scope(engine) as s:
        s.execute(
            update(JobState)
            .where(JobState.name == name, JobState.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


class LeaseLost(RuntimeError):
    """Another runner holds the lease now: this run stops, and its open step is rolled back.

    Not a ``CessioError``: work that catches domain errors per item must not swallow it."""


class LeaseKeeper:
    """The heartbeat of one held lease: a thread that renews it every ``every`` seconds.

    ``renew`` returns False when the lease was taken over; a failed renewal (database busy or
    briefly down) is retried at the next beat and is not a loss: the lease simply runs out if
    the database stays away longer than the lease.
    """

    def __init__(self, renew: Callable[[], bool], every: float, label: str) -> None:
        self._renew = renew
        self._every = max(0.05, every)
        self._label = label
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease:{label}", daemon=True)

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                held = self._renew()
            except OperationalError as exc:
                log.warning("lease of %s not renewed this time: %s", self._label, exc)
                continue
            except Exception:
                log.exception("lease of %s not renewed this time", self._label)
                continue
            if not held:
                log.error("lease of %s was taken over by another runner; this run stops", self._label)
                self.lost.set()
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(_("Another jobs process took over {job}; this run stopped.").format(job=self._label))


_current_keeper: ContextVar[LeaseKeeper | None] = ContextVar("cessio_lease_keeper", default=None)


def check_lease() -> None:
    """Raise ``LeaseLost`` if the lease the current run holds was taken over.

    Services that a job runs call it before committing a step; outside a leased run it does
    nothing (a test, a CLI call)."""
    keeper = _current_keeper.get()
    if keeper is not None:
        keeper.check()


def heartbeat_seconds(lease_seconds: int) -> float:
    return lease_seconds / 3


@contextmanager
def keeping_lease(engine: Engine | None, name: str, owner: str, lease_seconds: int) -> Iterator[LeaseKeeper]:
    """Renew the job lease ``name`` while the block runs; ``check_lease()`` inside sees a loss."""
    keeper = LeaseKeeper(
        lambda: renew_lease(engine, name, owner, lease_seconds), heartbeat_seconds(lease_seconds), name
    ).start()
    token = _current_keeper.set(keeper)
    try:
        yield keeper
    finally:
        _current_keeper.reset(token)
        keeper.stop()


class JobBusy(CessioError):
    """A page asked to do what a job is doing right now."""


@contextmanager
def page_lease(engine: Engine | None, name: str, who: str) -> Iterator[None]:
    """Run a page's action under the lease of job ``name`` (so it never overlaps the job).

    Raises ``JobBusy`` with a message for the person when the job (or another person's run of
    the same action) holds it."""
    lease = get_settings().jobs_lease_seconds
    owner = f"page:{who}:{uuid.uuid4().hex[:6]}"
    ensure_job_row(engine, name, None)
    if not acquire_lease(engine, name, owner, lease):
        raise JobBusy(
            _("This work is running right now in the background ({job}); its results appear here in a minute.").format(
                job=name
            )
        )
    try:
        with keeping_lease(engine, name, owner, lease):
            yield
    finally:
        free_lease(engine, name, owner)


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

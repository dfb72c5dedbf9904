"""The jobs loop: ``schedule`` ticks; the database decides what is due and who runs it.

Every tick, each job whose ``next_run_at`` has passed is run under its lease, which a heartbeat
renews while the job runs (``core.jobstate.service.keeping_lease``). A job's exception is logged
and recorded (last status, last error) and never stops the loop.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import pkgutil
import socket
import threading
import traceback
import uuid

import schedule
from sqlalchemy import Engine

import jobs
from core.config import get_settings
from core.db import utcnow
from core.jobstate.service import (
    LeaseLost,
    acquire_lease,
    due_jobs,
    ensure_job_row,
    keeping_lease,
    next_daily_run,
    release_lease,
)
from jobs.spec import JobSpec

log = logging.getLogger("cessio.jobs")


def discover_jobs() -> dict[str, JobSpec]:
    """Every ``jobs/<module>.py`` with a ``JOB`` attribute."""
    found: dict[str, JobSpec] = {}
    for info in pkgutil.iter_modules(jobs.__path__):
        if info.name in {"runner", "spec", "__main__"}:
            continue
        module = importlib.import_module(f"jobs.{info.name}")
        spec = getattr(module, "JOB", None)
        if isinstance(spec, JobSpec):
            found[spec.name] = spec
    return found


def next_run_after(spec: JobSpec, moment: dt.datetime) -> dt.datetime:
    if spec.daily_at:
        return next_daily_run(getattr(get_settings(), spec.daily_at), moment)
    return moment + dt.timedelta(seconds=spec.every_seconds or 60)


class Runner:
    def __init__(self, specs: dict[str, JobSpec] | None = None, engine: Engine | None = None, owner: str | None = None):
        self.specs = specs if specs is not None else discover_jobs()
        self.engine = engine
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stop_event = threading.Event()
        now = utcnow()
        for spec in self.specs.values():
            first = now if spec.every_seconds else next_run_after(spec, now)
            ensure_job_row(engine, spec.name, first)

    def run_job(self, name: str) -> str | None:
        """Run one job now if its lease can be taken; returns its status, or None if taken."""
        spec = self.specs[name]
        settings = get_settings()
        if not acquire_lease(self.engine, name, self.owner, settings.jobs_lease_seconds):
            log.info("job %s is running elsewhere; skipped", name)
            return None
        status, error, result = "ok", None, None
        try:
            with keeping_lease(self.engine, name, self.owner, settings.jobs_lease_seconds) as keeper:
                result = spec.run()
                keeper.check()
            log.info("job %s: %s", name, result)
        except LeaseLost as exc:
            status, error = "error", str(exc)
            log.error("job %s lost its lease and stopped", name)
        except Exception as exc:  # one job's failure never stops the loop
            status, error = "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            log.exception("job %s failed", name)
        release_lease(
            self.engine,
            name,
            self.owner,
            status=status,
            error=error,
            result=result,
            next_run_at=next_run_after(spec, utcnow()),
        )
        return status

    def tick(self) -> list[str]:
        ran = []
        try:
            due = due_jobs(self.engine)
        except Exception:
            log.exception("cannot read the job schedule (database down?)")
            return ran
        for name in sorted(due & set(self.specs)):
            if self.stop_event.is_set():
                break
            try:
                if self.run_job(name) is not None:
                    ran.append(name)
            except Exception:
                log.exception("job %s could not be run", name)
        return ran

    def run_forever(self, tick_seconds: float | None = None) -> None:
        tick = tick_seconds or get_settings().jobs_tick_seconds
        scheduler = schedule.Scheduler()
        scheduler.every(tick).seconds.do(self.tick)
        log.info("jobs runner %s started with %s", self.owner, ", ".join(sorted(self.specs)))
        self.tick()
        while not self.stop_event.is_set():
            scheduler.run_pending()
            self.stop_event.wait(min(1.0, tick))

    def stop(self) -> None:
        self.stop_event.set()


def main_loop() -> None:
    from core.auth.production import refuse_unsafe_start
    from core.i18n import N_

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    refuse_unsafe_start(N_("jobs process"))
    runner = Runner()
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()

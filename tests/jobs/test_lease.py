"""Issue #20, item 2: leases renewed by a heartbeat, short by default, and lost leases stop work."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, select, update

from core.cases.models import Creditor
from core.config import get_settings, reset_settings_cache
from core.db import session_scope
from core.i18n import use_language
from core.jobstate.models import JobState
from core.jobstate.service import JobBusy, acquire_lease, check_lease, page_lease
from jobs.runner import Runner
from jobs.spec import JobSpec
from tests.factories import make_creditor


@pytest.fixture
def short_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CESSIO_JOBS_LEASE_SECONDS", "1")
    reset_settings_cache()


def test_the_default_lease_lets_a_crash_be_recovered_within_a_minute() -> None:
    settings = get_settings()
    assert settings.jobs_lease_seconds + settings.jobs_tick_seconds < 60


def test_a_job_longer_than_its_lease_keeps_it(engine: Engine, short_lease: None) -> None:
    started = threading.Event()

    def slow() -> str:
        started.set()
        time.sleep(3.0)  # three leases long
        return "done"

    spec = JobSpec(name="slow", title="Slow", run=slow, every_seconds=60)
    first = Runner({"slow": spec}, engine=engine, owner="machine-a")
    second = Runner({"slow": spec}, engine=engine, owner="machine-b")
    results: list[str | None] = []
    t = threading.Thread(target=lambda: results.append(first.run_job("slow")))
    t.start()
    assert started.wait(10)
    time.sleep(2.0)  # the lease would have run out twice without the heartbeat
    assert second.run_job("slow") is None
    t.join(10)
    assert results == ["ok"]


def test_a_job_that_lost_its_lease_stops_and_rolls_back_its_step(engine: Engine, short_lease: None) -> None:
    steps: list[int] = []

    def batches() -> str:
        for n in range(300):
            with session_scope(engine) as s:
                make_creditor(s, f"ООО Шаг {n}")
                time.sleep(0.1)
                check_lease()  # before the step commits
            steps.append(n)
        return "all done"

    spec = JobSpec(name="batches", title="Batches", run=batches, every_seconds=60)
    runner = Runner({"batches": spec}, engine=engine, owner="machine-a")
    thief = threading.Timer(0.8, lambda: _steal(engine, "batches"))
    thief.start()
    with use_language("en"):
        assert runner.run_job("batches") == "error"
    thief.join()
    with session_scope(engine) as s:
        row = s.get(JobState, "batches")
        assert row is not None and "took over batches" in (row.last_error or "")
        saved = len(list(s.scalars(select(Creditor.id).where(Creditor.short_name.like("ООО Шаг%")))))
    assert 0 < len(steps) < 300 and saved == len(steps)  # the step that saw the loss was rolled back


def _steal(engine: Engine, name: str) -> None:
    with session_scope(engine) as s:
        s.execute(update(JobState).where(JobState.name == name).values(lease_owner="machine-b"))


def test_a_page_action_is_not_run_beside_the_job(engine: Engine) -> None:
    spec = JobSpec(name="bureau_like", title="B", run=lambda: "x", every_seconds=60)
    Runner({"bureau_like": spec}, engine=engine)
    assert acquire_lease(engine, "bureau_like", "the-job", 30)
    with pytest.raises(JobBusy, match="running right now|выполняется"):
        with page_lease(engine, "bureau_like", "head"):
            pass
    with session_scope(engine) as s:
        s.execute(update(JobState).values(lease_owner=None, lease_until=None))
    ran = []
    with page_lease(engine, "bureau_like", "head"):
        ran.append(True)
        assert not acquire_lease(engine, "bureau_like", "the-job", 30)  # the job waits for the page
    assert ran and acquire_lease(engine, "bureau_like", "the-job", 30)

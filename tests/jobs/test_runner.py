"""The jobs runner: leases (two runners, one runs), failure survival, schedules."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy.orm import sessionmaker

from core.cases.models import Case
from core.db import utcnow
from core.jobstate.models import JobState
from core.jobstate.service import acquire_lease, next_daily_run
from jobs.runner import Runner, discover_jobs
from jobs.spec import JobSpec
from tests.factories import make_case


def test_discovers_the_shipped_jobs() -> None:
    assert "sla_flags" in discover_jobs()


def test_only_one_of_two_runners_runs_a_job(engine) -> None:
    started = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("run")
        started.set()
        release.wait(10)
        return "done"

    spec = JobSpec(name="slow", title="Slow", run=slow, every_seconds=60)
    first = Runner({"slow": spec}, engine=engine, owner="machine-a")
    second = Runner({"slow": spec}, engine=engine, owner="machine-b")
    results: list[str | None] = []
    t = threading.Thread(target=lambda: results.append(first.run_job("slow")))
    t.start()
    assert started.wait(10)
    assert second.run_job("slow") is None  # lease held by machine-a
    release.set()
    t.join(10)
    assert results == ["ok"] and calls == ["run"]
    assert second.run_job("slow") == "ok"  # free again after the first finished


def test_expired_lease_is_taken_over(engine) -> None:
    spec = JobSpec(name="j", title="J", run=lambda: "x", every_seconds=60)
    Runner({"j": spec}, engine=engine)
    now = utcnow()
    assert acquire_lease(engine, "j", "crashed", 60, now=now)
    assert not acquire_lease(engine, "j", "other", 60, now=now + dt.timedelta(seconds=30))
    assert acquire_lease(engine, "j", "other", 60, now=now + dt.timedelta(seconds=61))


def test_failing_job_is_recorded_and_loop_goes_on(engine) -> None:
    ran: list[str] = []

    def boom() -> str:
        raise RuntimeError("postal gateway said no")

    def fine() -> str:
        ran.append("fine")
        return "fine"

    runner = Runner(
        {
            "boom": JobSpec(name="boom", title="Boom", run=boom, every_seconds=0.01),
            "fine": JobSpec(name="fine", title="Fine", run=fine, every_seconds=0.01),
        },
        engine=engine,
    )
    assert sorted(runner.tick()) == ["boom", "fine"]
    time.sleep(0.05)
    assert sorted(runner.tick()) == ["boom", "fine"]
    with sessionmaker(bind=engine)() as s:
        row = s.get(JobState, "boom")
        assert row.last_status == "error" and "postal gateway said no" in row.last_error
        assert row.run_count == 2 and row.lease_owner is None
        assert s.get(JobState, "fine").last_status == "ok"
    assert ran == ["fine", "fine"]


def test_run_forever_stops_and_runs_due_jobs(engine) -> None:
    ran = threading.Event()
    runner = Runner(
        {"x": JobSpec(name="x", title="X", run=lambda: ran.set() or "ok", every_seconds=0.1)}, engine=engine
    )
    t = threading.Thread(target=runner.run_forever, kwargs={"tick_seconds": 0.1})
    t.start()
    assert ran.wait(10)
    runner.stop()
    t.join(10)
    assert not t.is_alive()


def test_sla_job_marks_cases(engine) -> None:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        late = make_case(s, stage="claim_mailed", entered_stage_at=utcnow() - dt.timedelta(days=30))
        fresh = make_case(s, stage="claim_mailed")
        s.commit()
    specs = {"sla_flags": discover_jobs()["sla_flags"]}
    assert Runner(specs, engine=engine).run_job("sla_flags") == "ok"
    with factory() as s:
        assert s.get(Case, late.id).sla_breached_at is not None
        assert s.get(Case, fresh.id).sla_breached_at is None
        assert "1 case newly over SLA" in s.get(JobState, "sla_flags").last_result


def test_next_daily_run_is_local_time() -> None:
    after = dt.datetime(2026, 5, 1, 20, 0, tzinfo=dt.UTC)  # 23:00 in Moscow
    assert next_daily_run("01:00", after) == dt.datetime(2026, 5, 1, 22, 0, tzinfo=dt.UTC)
    assert next_daily_run("23:30", after) == dt.datetime(2026, 5, 1, 20, 30, tzinfo=dt.UTC)

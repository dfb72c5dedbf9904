"""Queued work: permission at queueing, run as the user, exactly once, progress, failures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.auth.permissions import Actor, Permission
from core.cases.models import Creditor
from core.db import utcnow
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.tasks.models import DONE, FAILED, QUEUED, RUNNING, QueuedTask
from core.tasks.registry import ProgressFn, TaskKind
from core.tasks.service import (
    MAX_ATTEMPTS,
    claim_next_task,
    enqueue_task,
    get_task,
    my_tasks,
    run_queued_tasks,
)
from jobs.runner import Runner
from jobs.task_queue import JOB
from tests.factories import make_creditor, make_user

seen: dict[str, Any] = {}


def _make_creditor(session: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    seen["actor"] = actor.username
    progress(0.5, "half way")
    with sessionmaker(bind=session.get_bind())() as other:  # what the page sees meanwhile
        seen["meanwhile"] = get_task(other, actor, params["task"]) if "task" in params else None
    creditor = make_creditor(session, params["name"])
    if params.get("fail") == "domain":
        raise ValidationFailed("Row 5: the date 31.02.2024 does not exist.")
    if params.get("fail") == "bug":
        raise RuntimeError("boom")
    return {"creditor_id": creditor.id}


KINDS = {
    "creditor": TaskKind("creditor", Permission.IMPORT_RUN, _make_creditor),
}


@pytest.fixture(autouse=True)
def _kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.tasks.service.task_kinds", lambda: KINDS)
    seen.clear()


def _queue(session: Session, actor: Actor, **params: Any) -> int:
    task_id = enqueue_task(session, actor, "creditor", "Make a creditor", params)
    session.commit()
    return task_id


def _creditors(session: Session, name: str) -> list[Creditor]:
    session.expire_all()
    return list(session.scalars(select(Creditor).where(Creditor.short_name == name)))


def test_queueing_needs_the_permission_of_the_work(session: Session) -> None:
    clerk = make_user(session, "clerk")
    with pytest.raises(PermissionDenied, match="import.run"):
        enqueue_task(session, clerk, "creditor", "Make a creditor", {"name": "x"})


def test_the_jobs_process_does_the_work_as_the_user_who_queued_it(session: Session, engine: Engine) -> None:
    head = make_user(session, "head")
    task_id = _queue(session, head, name="ООО Новый")
    assert get_task(session, head, task_id).status == QUEUED

    assert run_queued_tasks(engine, "runner-a") == "1 done, 0 failed"
    view = get_task(session, head, task_id)
    assert view.status == DONE and view.progress_share == 1.0
    [creditor] = _creditors(session, "ООО Новый")
    assert view.result == {"creditor_id": creditor.id}
    assert seen["actor"] == head.username
    assert run_queued_tasks(engine, "runner-a") == "nothing queued"
    [listed] = my_tasks(session, head, ("creditor",))
    assert listed.status == DONE and listed.result is None  # lists leave the (large) results out


def test_progress_is_visible_while_the_work_is_still_one_open_transaction(session: Session, engine: Engine) -> None:
    head = make_user(session, "head")
    session.commit()
    task_id = enqueue_task(session, head, "creditor", "Make a creditor", {"name": "ООО П"})
    session.execute(
        update(QueuedTask).where(QueuedTask.id == task_id).values(params={"name": "ООО П", "task": task_id})
    )
    session.commit()
    run_queued_tasks(engine, "runner-a")
    meanwhile = seen["meanwhile"]
    assert meanwhile.status == RUNNING
    assert (meanwhile.progress_share, meanwhile.progress_label) == (0.5, "half way")
    assert get_task(session, head, task_id).status == DONE and len(_creditors(session, "ООО П")) == 1


@pytest.mark.parametrize(
    ("fail", "message"),
    [
        ("domain", "Row 5: the date 31.02.2024 does not exist."),
        ("bug", "Unexpected error (RuntimeError: boom). Nothing was saved."),
    ],
)
def test_a_failed_task_saves_nothing_and_says_why(session: Session, engine: Engine, fail: str, message: str) -> None:
    head = make_user(session, "head")
    task_id = _queue(session, head, name="ООО Сбой", fail=fail)
    assert run_queued_tasks(engine, "runner-a") == "0 done, 1 failed"
    view = get_task(session, head, task_id)
    assert view.status == FAILED and view.error is not None and view.error.startswith(message)
    assert _creditors(session, "ООО Сбой") == []


def test_work_of_a_user_deactivated_meanwhile_is_not_done(session: Session, engine: Engine) -> None:
    head = make_user(session, "head")
    task_id = _queue(session, head, name="ООО Ушёл")
    head.is_active = False
    session.commit()
    run_queued_tasks(engine, "runner-a")
    assert "no longer active" in (get_task(session, make_user(session, "admin"), task_id).error or "")
    assert _creditors(session, "ООО Ушёл") == []


def test_a_task_whose_runner_died_is_taken_again_then_given_up(session: Session, engine: Engine) -> None:
    head = make_user(session, "head")
    task_id = _queue(session, head, name="ООО Снова")
    assert claim_next_task(engine, "runner-that-dies") == task_id
    assert claim_next_task(engine, "runner-b") is None  # its lease is still running

    later = utcnow() + dt.timedelta(hours=1)
    assert claim_next_task(engine, "runner-b", now=later) == task_id
    session.expire_all()
    assert session.get(QueuedTask, task_id).attempts == 2  # type: ignore[union-attr]

    session.execute(update(QueuedTask).where(QueuedTask.id == task_id).values(attempts=MAX_ATTEMPTS))
    session.commit()
    assert claim_next_task(engine, "runner-c", now=later + dt.timedelta(hours=1)) is None
    view = get_task(session, head, task_id)
    assert view.status == FAILED and "stopped 3 times" in (view.error or "")


def test_people_see_their_own_work_and_heads_see_everyones(session: Session) -> None:
    head = make_user(session, "head")
    other_head = make_user(session, "head")
    clerk = make_user(session, "clerk")
    first = _queue(session, head, name="a")
    second = _queue(session, head, name="b")
    assert [v.id for v in my_tasks(session, head, ("creditor",))] == [second, first]
    assert get_task(session, head, second).ahead == 1
    assert my_tasks(session, clerk, ("creditor",)) == []
    with pytest.raises(NotFound):
        get_task(session, clerk, first)
    assert get_task(session, other_head, first).title == "Make a creditor"


def test_the_job_runs_the_queue(session: Session, engine: Engine) -> None:
    head = make_user(session, "head")
    task_id = _queue(session, head, name="ООО Из задания")
    assert Runner({"task_queue": JOB}, engine=engine).run_job("task_queue") == "ok"
    assert get_task(session, head, task_id).status == DONE


def test_two_runners_never_take_the_same_task(pg_engine: Engine) -> None:
    session = sessionmaker(bind=pg_engine, expire_on_commit=False)()
    head = make_user(session, "head")
    first, second = _queue(session, head, name="a"), _queue(session, head, name="b")
    holder = sessionmaker(bind=pg_engine)()
    locked = holder.scalar(select(QueuedTask.id).order_by(QueuedTask.id).limit(1).with_for_update())
    assert locked == first
    assert claim_next_task(pg_engine, "runner-b") == second  # skips the row being taken
    holder.rollback()
    assert claim_next_task(pg_engine, "runner-c") == first
    session.close()


def test_a_runner_that_lost_its_lease_rolls_its_work_back(pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    session = sessionmaker(bind=pg_engine, expire_on_commit=False)()
    head = make_user(session, "head")
    task_id = _queue(session, head, name="ООО Дважды")

    def taken_over(s: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
        result = _make_creditor(s, actor, params, progress)
        with pg_engine.begin() as conn:  # the lease expired and another runner took the task
            conn.execute(update(QueuedTask).where(QueuedTask.id == task_id).values(lease_owner="runner-b"))
        return result

    monkeypatch.setattr(
        "core.tasks.service.task_kinds", lambda: {"creditor": TaskKind("creditor", Permission.IMPORT_RUN, taken_over)}
    )
    assert "taken over by another runner" in run_queued_tasks(pg_engine, "runner-a")
    assert _creditors(session, "ООО Дважды") == []
    assert get_task(session, head, task_id).status == RUNNING  # runner-b's to finish
    session.close()

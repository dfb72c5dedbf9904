"""Issue #20, items 4 and 6: work that rolls back leaves no file behind; the pass that gives a
task up says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from core.auth.permissions import Actor, Permission
from core.db import utcnow
from core.files import journal
from core.files.journal import unreferenced_blobs
from core.files.service import GeneratedBlob, store_generated_many
from core.files.store import get_store, sha256_hex
from core.tasks.models import DONE, FAILED, QueuedTask
from core.tasks.registry import ProgressFn, TaskKind
from core.tasks.service import MAX_ATTEMPTS, enqueue_task, get_task, run_queued_tasks
from tests.factories import make_user


def _pdfs(session: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Stores three files, like a print package's documents, then fails if told to."""
    blobs = [
        GeneratedBlob(f"%PDF-1.4 документ {params['tag']} {i}".encode(), f"doc{i}.pdf", None, "generated", 1)
        for i in range(3)
    ]
    ids = store_generated_many(session, actor, blobs)
    if params.get("fail"):
        raise RuntimeError("the printer font is missing")
    return {"file_ids": ids}


@pytest.fixture(autouse=True)
def _kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "core.tasks.service.task_kinds", lambda: {"pdfs": TaskKind("pdfs", Permission.IMPORT_RUN, _pdfs)}
    )


def _queue(session: Session, **params: Any) -> tuple[Actor, int]:
    head = make_user(session, "head")
    task_id = enqueue_task(session, head, "pdfs", "Three PDFs", params)
    session.commit()
    return head, task_id


def test_files_of_work_that_rolled_back_are_swept(session: Session, engine: Engine) -> None:
    head, task_id = _queue(session, tag="a", fail=True)
    assert run_queued_tasks(engine, "runner-a") == "0 done, 1 failed"
    assert get_task(session, head, task_id).status == FAILED
    assert unreferenced_blobs(engine, older_than_seconds=-1).unreferenced == 0
    assert not journal.journals_of("task-")


def test_files_of_work_that_committed_stay(session: Session, engine: Engine) -> None:
    head, task_id = _queue(session, tag="b")
    assert run_queued_tasks(engine, "runner-a") == "1 done, 0 failed"
    ids = get_task(session, head, task_id).result["file_ids"]  # type: ignore[index]
    check = unreferenced_blobs(engine, older_than_seconds=-1)
    assert len(ids) == 3 and check.blobs == 3 and check.unreferenced == 0
    assert not journal.journals_of("task-")


def test_the_next_attempt_sweeps_what_a_killed_attempt_left(session: Session, engine: Engine) -> None:
    """A process killed with ``kill -9`` cannot sweep: its journal stays, the next attempt does."""
    _head, task_id = _queue(session, tag="c")
    orphan = b"%PDF-1.4 written by the attempt that was killed"
    get_store().put(sha256_hex(orphan), orphan)
    journal.journal_path(f"task-{task_id}-0-dead00").parent.mkdir(parents=True, exist_ok=True)
    journal.journal_path(f"task-{task_id}-0-dead00").write_text(sha256_hex(orphan) + "\n")
    assert unreferenced_blobs(engine, older_than_seconds=-1).unreferenced == 1
    assert run_queued_tasks(engine, "runner-b") == "1 done, 0 failed"
    assert not get_store().exists(sha256_hex(orphan))
    assert unreferenced_blobs(engine, older_than_seconds=-1).unreferenced == 0


def test_a_blob_another_open_journal_lists_is_kept(session: Session, engine: Engine) -> None:
    shared = b"%PDF-1.4 the same bytes in two pieces of work"
    digest = sha256_hex(shared)
    get_store().put(digest, shared)
    mine, theirs = journal.journal_path("task-1-0-aaaaaa"), journal.journal_path("task-2-0-bbbbbb")
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text(digest + "\n")
    theirs.write_text(digest + "\n")
    assert journal.sweep([mine], engine).deleted == 0 and get_store().exists(digest)
    assert journal.sweep([theirs], engine).deleted == 1 and not get_store().exists(digest)


def test_the_pass_that_gives_a_task_up_says_so(session: Session, engine: Engine) -> None:
    head, task_id = _queue(session, tag="d")
    session.execute(
        update(QueuedTask)
        .where(QueuedTask.id == task_id)
        .values(status="running", attempts=MAX_ATTEMPTS, lease_owner="dead", lease_until=utcnow() - dt.timedelta(1))
    )
    session.commit()
    text = run_queued_tasks(engine, "runner-c")
    assert text != "nothing queued" and f"№ {task_id}" in text
    view = get_task(session, head, task_id)
    assert view.status == FAILED and view.status != DONE and "stopped 3 times" in (view.error or "")


def test_failed_work_can_be_queued_again_and_nothing_else(session: Session, engine: Engine) -> None:
    from core.errors import ValidationFailed
    from core.tasks.service import requeue_task

    head, task_id = _queue(session, tag="e", fail=True)
    run_queued_tasks(engine, "runner-a")
    new_id = requeue_task(session, head, task_id)
    session.commit()
    assert new_id != task_id and get_task(session, head, new_id).status == "queued"
    assert get_task(session, head, task_id).status == FAILED  # the failed one keeps its reason
    with pytest.raises(ValidationFailed):
        requeue_task(session, head, new_id)

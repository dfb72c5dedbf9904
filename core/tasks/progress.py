"""How far a queued task got, told to the page while the task's own transaction is still open.

The work of a task is one transaction (ARCHITECTURE rule 1), so its progress cannot be written
in it: nobody would see it before the end. On PostgreSQL the progress goes to the task's row over
a second connection (committed at once) and also renews the task's lease. SQLite allows one
writer at a time, and the task's transaction is that writer; there (one machine by definition)
the progress goes to a small file next to the file store that the page reads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

from sqlalchemy import Engine, update

from core.config import get_settings
from core.db import utcnow
from core.jobstate.service import LeaseKeeper
from core.tasks.models import QueuedTask

WRITE_EVERY_SECONDS = 0.5


def progress_file(task_id: int) -> Path:
    return get_settings().file_store_dir / ".task-progress" / f"{task_id}.json"


def read_progress_file(task_id: int) -> tuple[float, str] | None:
    try:
        data = json.loads(progress_file(task_id).read_text(encoding="utf-8"))
        return float(data["share"]), str(data["label"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ProgressWriter:
    """The ``progress(share, label)`` a task kind is given; writes at most twice a second."""

    def __init__(
        self, engine: Engine, task_id: int, owner: str, lease_seconds: int, keeper: LeaseKeeper | None = None
    ) -> None:
        self.keeper = keeper
        self.engine = engine
        self.task_id = task_id
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.shared_by_file = engine.dialect.name != "postgresql"
        self._last_write = 0.0

    def __call__(self, share: float, label: str) -> None:
        if self.keeper is not None:
            self.keeper.check()  # another runner took the task over: stop, the work rolls back
        share = min(max(float(share), 0.0), 1.0)
        now = time.monotonic()
        if now - self._last_write < WRITE_EVERY_SECONDS and share < 1.0:
            return
        self._last_write = now
        if self.shared_by_file:
            self._write_file(share, label)
        else:
            self._write_row(share, label)

    def _write_row(self, share: float, label: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(
                update(QueuedTask)
                .where(QueuedTask.id == self.task_id, QueuedTask.lease_owner == self.owner)
                .values(
                    progress_share=share,
                    progress_label=label[:200],
                    lease_until=utcnow() + dt.timedelta(seconds=self.lease_seconds),
                )
            )
            conn.commit()

    def _write_file(self, share: float, label: str) -> None:
        path = progress_file(self.task_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"share": share, "label": label}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def close(self) -> None:
        if self.shared_by_file:
            progress_file(self.task_id).unlink(missing_ok=True)

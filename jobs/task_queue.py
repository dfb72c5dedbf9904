"""Queued work: print packages, imports and other long actions that people start on a page."""

from __future__ import annotations

import os
import socket

from core.db import get_engine
from core.i18n import N_
from core.tasks.service import run_queued_tasks
from jobs.spec import JobSpec

OWNER = f"{socket.gethostname()}:{os.getpid()}"


def run() -> str:
    return run_queued_tasks(get_engine(), OWNER)


JOB = JobSpec(name="task_queue", title=N_("Queued work (packages, imports)"), run=run, every_seconds=2)

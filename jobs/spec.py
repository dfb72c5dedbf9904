"""How a background job declares itself.

Each job lives in its own module ``jobs/<name>.py`` with a module-level ``JOB = JobSpec(...)``;
the runner discovers them, so adding a job needs no edit elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobSpec:
    """``run`` does one pass of the job and returns a one-line summary for the UI.

    It opens its own ``session_scope`` transactions (a job may commit per batch so a crash
    loses nothing done). Exactly one of ``daily_at`` (a Settings attribute holding "HH:MM",
    local time) or ``every_seconds`` sets the schedule.
    """

    name: str
    title: str
    run: Callable[[], str]
    daily_at: str | None = None
    every_seconds: float | None = None

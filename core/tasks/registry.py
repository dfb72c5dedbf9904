"""What kinds of work can be queued, found by convention: ``core/<domain>/tasks.py`` defines
``TASKS``, a list of ``TaskKind``. A new kind edits no central list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core.auth.permissions import Actor, Permission
from core.domains import domain_modules


class ProgressFn(Protocol):
    def __call__(self, share: float, label: str) -> None: ...


@dataclass(frozen=True)
class TaskKind:
    """``run(session, actor, params, progress)`` does the whole action in the session it is given
    (one transaction, committed by the queue together with the task's "done") and returns a
    JSON-able result for the page. ``permission`` is checked when the work is queued; ``run``
    checks it again through the services it calls, as the user who queued it."""

    kind: str
    permission: Permission
    run: Callable[[Session, Actor, dict[str, Any], ProgressFn], dict[str, Any]]


@lru_cache(maxsize=1)
def task_kinds() -> dict[str, TaskKind]:
    found: dict[str, TaskKind] = {}
    for module in domain_modules("tasks"):
        for spec in getattr(module, "TASKS", []):
            if spec.kind in found:
                raise RuntimeError(f"task kind '{spec.kind}' is declared twice")
            found[spec.kind] = spec
    return found

"""Extension points of the workflow, so other domains react to moves without the case service
knowing them (the bureau reports court acts, the postal domain opens a shipment, the ledger
refuses "repaid" while money is owed).

A domain registers in its own ``core/<domain>/hooks.py``; those modules are imported on first
use, so adding a domain needs no edit here. Hooks run inside the caller's transaction: a hook's
failure rolls the whole move back, and a rollback leaves none of their rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.auth.permissions import Actor


@dataclass(frozen=True)
class MovedCase:
    case_id: int
    transition: str
    from_stage: str
    to_stage: str
    data: dict[str, Any]
    at: dt.datetime
    source: str


AfterTransition = Callable[[Session, "Actor | None", Sequence[MovedCase]], None]
# (session, transition name, case ids) -> {case_id: reason it may not move}
TransitionGuard = Callable[[Session, str, Sequence[int]], dict[int, str]]

_after: list[AfterTransition] = []
_guards: list[TransitionGuard] = []
_loaded = False


def after_transition(fn: AfterTransition) -> AfterTransition:
    """Decorator: call ``fn`` with every batch of moved cases, in the same transaction."""
    if fn not in _after:
        _after.append(fn)
    return fn


def transition_guard(fn: TransitionGuard) -> TransitionGuard:
    """Decorator: ``fn`` may refuse some cases of a move, with a reason each."""
    if fn not in _guards:
        _guards.append(fn)
    return fn


def load_domain_hooks() -> None:
    global _loaded
    if _loaded:
        return
    from core.domains import domain_modules

    domain_modules("hooks")
    _loaded = True


def run_guards(session: Session, transition: str, case_ids: Sequence[int]) -> dict[int, str]:
    load_domain_hooks()
    refused: dict[int, str] = {}
    for guard in _guards:
        for case_id, reason in guard(session, transition, case_ids).items():
            refused.setdefault(case_id, reason)
    return refused


def run_after(session: Session, actor: Actor | None, moved: Sequence[MovedCase]) -> None:
    load_domain_hooks()
    if not moved:
        return
    for fn in _after:
        fn(session, actor, moved)

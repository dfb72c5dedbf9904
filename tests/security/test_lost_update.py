"""Issue #19, item 3: two people moving the same case from the same version: exactly one wins and
the after-move hooks run once, on SQLite as on PostgreSQL; debtor edits are protected the same way.

The second writer reads the case while the first one's move is written but not yet committed,
the real race of two clerks clicking at the same moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.cases import hooks
from core.cases.models import Case, CaseEvent, Debtor
from core.cases.service import transition_case, transition_cases, update_debtor
from core.errors import ConcurrentChange
from tests.factories import make_case, make_user


@pytest.fixture
def moved_hook() -> Iterator[list[int]]:
    calls: list[int] = []

    def count(session: Session, actor: Any, moved: Sequence[hooks.MovedCase]) -> None:
        calls.extend(m.case_id for m in moved)

    hooks.load_domain_hooks()
    hooks.after_transition(count)
    try:
        yield calls
    finally:
        hooks._after.remove(count)


def _race(engine: Engine, first: Callable[[Session], Any], second: Callable[[Session], Any]) -> list[Any]:
    """Run ``first`` and keep its transaction open while ``second`` starts in another session;
    commit ``first`` after a moment, then let ``second`` finish. Returns both results (or errors)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    results: list[Any] = [None, None]
    a = factory()
    results[0] = first(a)

    def run_second() -> None:
        b = factory()
        try:
            results[1] = second(b)
            b.commit()
        except Exception as exc:
            b.rollback()
            results[1] = exc
        finally:
            b.close()

    thread = threading.Thread(target=run_second)
    thread.start()
    time.sleep(1.0)  # the second writer has read the case and waits for the first one's lock
    a.commit()
    a.close()
    thread.join(timeout=60)
    return results


def test_two_clerks_move_the_same_case_from_the_same_version(engine: Engine, moved_hook: list[int]) -> None:
    with Session(engine, expire_on_commit=False) as s:
        ann, bob = make_user(s, "clerk"), make_user(s, "clerk")
        case = make_case(s, stage="new", responsible=ann)
        s.commit()
        case_id, version = case.id, case.version

    first, second = _race(
        engine,
        lambda a: transition_case(a, ann, case_id, "prepare_claim", version),
        lambda b: transition_case(b, bob, case_id, "prepare_claim", version),
    )
    assert first.moved
    assert isinstance(second, ConcurrentChange)
    assert moved_hook == [case_id]  # the after-move hooks ran once
    with Session(engine, expire_on_commit=False) as s:
        moves = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "transition")).all()
        assert len(moves) == 1
        assert s.get(Case, case_id).version == version + 1


def test_two_bulk_moves_of_the_same_cases_move_each_case_once(engine: Engine, moved_hook: list[int]) -> None:
    with Session(engine, expire_on_commit=False) as s:
        ann, bob = make_user(s, "clerk"), make_user(s, "clerk")
        ids = [make_case(s, stage="new", responsible=ann).id for _ in range(3)]
        s.commit()

    first, second = _race(
        engine,
        lambda a: transition_cases(a, ann, ids, "prepare_claim"),
        lambda b: transition_cases(b, bob, ids, "prepare_claim"),
    )
    assert len(first.moved) == 3
    assert not isinstance(second, Exception) and second.moved == []
    assert len(second.refused) == 3
    assert sorted(moved_hook) == sorted(ids)
    with Session(engine, expire_on_commit=False) as s:
        assert s.query(CaseEvent).filter(CaseEvent.case_id.in_(ids), CaseEvent.kind == "transition").count() == 3


def test_two_lawyers_edit_the_same_debtor(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as s:
        lawyer1, lawyer2 = make_user(s, "lawyer"), make_user(s, "lawyer")
        case = make_case(s)
        s.commit()
        debtor_id = case.debtor_id
        version = s.get(Debtor, debtor_id).version

    first, second = _race(
        engine,
        lambda a: update_debtor(
            a, lawyer1, debtor_id, {"address": "г. Тула, ул. Мира, д. 1"}, expected_version=version
        ),
        lambda b: update_debtor(b, lawyer2, debtor_id, {"phone": "+7 900 000-00-00"}, expected_version=version),
    )
    assert first == ["address"]
    assert isinstance(second, ConcurrentChange)
    with Session(engine, expire_on_commit=False) as s:
        debtor = s.get(Debtor, debtor_id)
        assert debtor.address == "г. Тула, ул. Мира, д. 1" and debtor.phone != "+7 900 000-00-00"
        # a stale screen is refused without any race at all
        with pytest.raises(ConcurrentChange):
            update_debtor(s, lawyer2, debtor_id, {"phone": "+7 900 000-00-00"}, expected_version=version)

"""Optimistic locking: the second writer gets a clear conflict naming who changed the case."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import sessionmaker

from core.cases.models import Case
from core.cases.service import transition_case, transition_cases
from core.errors import ConcurrentChange
from tests.factories import make_case, make_user


def test_stale_version_gives_conflict_with_who(session) -> None:
    first = make_user(session, "clerk", full_name="Анна Первая")
    second = make_user(session, "clerk")
    case = make_case(session, stage="new")
    session.commit()
    seen_version = case.version
    transition_case(session, first, case.id, "prepare_claim", seen_version)
    session.commit()
    with pytest.raises(ConcurrentChange) as exc:
        transition_case(session, second, case.id, "prepare_claim", seen_version)
    assert "Анна Первая" in str(exc.value) and "Reload" in str(exc.value)


def test_two_sessions_on_postgres_never_lose_an_update(pg_engine) -> None:
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    with factory() as s:
        a = make_user(s, "clerk")
        b = make_user(s, "clerk")
        case = make_case(s, stage="new")
        s.commit()
        version = case.version
        case_id = case.id
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def move(user, name: str) -> None:
        with factory() as s:
            barrier.wait()
            try:
                transition_case(s, user, case_id, "prepare_claim", version)
                s.commit()
                results[name] = "moved"
            except ConcurrentChange:
                s.rollback()
                results[name] = "conflict"
            except Exception as exc:  # surfaced in the assertion below
                s.rollback()
                results[name] = f"error {exc}"

    threads = [threading.Thread(target=move, args=(a, "a")), threading.Thread(target=move, args=(b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == ["conflict", "moved"], results
    with factory() as s:
        fresh = s.get(Case, case_id)
        assert fresh.version == version + 1 and fresh.stage == "claim_prepared"


def test_bulk_in_parallel_moves_each_case_once(pg_engine) -> None:
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    with factory() as s:
        user = make_user(s, "clerk")
        ids = [make_case(s, stage="new").id for _ in range(20)]
        s.commit()
    moved: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        with factory() as s:
            barrier.wait()
            report = transition_cases(s, user, ids, "prepare_claim")
            s.commit()
            moved.extend(o.case_id for o in report.moved)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(moved) == sorted(ids)

"""The debtor-name condition: same meaning on both databases, the fragment index on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases.models import Case, Debtor
from core.cases.name_match import debtor_name_contains, fragments_query, like_contains_pattern
from core.cases.search import CaseFilter, search_cases
from tests.factories import make_case, make_user


@pytest.fixture
def names(session: Session) -> dict[str, int]:
    people = {
        "ivanov": ("Иванов", "Иван", "Иванович"),
        "vodkina": ("Петрова-Водкина", "Анна", "Ивановна"),
        "obrien": ("O'Brien", "John", None),
        "kim": ("Ким", "Ен", None),
        "kam": ("Кам", "Ли", None),
    }
    ids = {
        key: make_case(session, last_name=last, first_name=first, middle_name=middle).id
        for key, (last, first, middle) in people.items()
    }
    session.commit()
    return ids


def _found(session: Session, text: str) -> set[int]:
    clerk = make_user(session, "clerk")
    page = search_cases(session, clerk, CaseFilter(debtor_name=text), limit=100)
    assert page.total == len(page.rows)
    return {r.id for r in page.rows}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("водкина", {"vodkina"}),  # a part of a hyphenated surname
        ("ова-вод", {"vodkina"}),  # across the hyphen
        ("ванов иван", {"ivanov"}),  # from the middle of one word into the next
        ("иван иванов", {"ivanov"}),  # "... иван иванович"
        ("ИВАНОВИЧ ИВАНОВ", set()),  # the words must come in the name's order
        ("ивановна", {"vodkina"}),
        ("o'bri", {"obrien"}),  # a quote is text, not tsquery syntax
        ("ен", {"kim"}),  # a two-letter word, the shortest the index is asked about
        ("к", {"kim", "kam", "vodkina"}),  # one letter: read without the index
        ("к_м", set()),  # LIKE wildcards are literal
        ("%", set()),
        ("\\", set()),
        ("иванов   иван", {"ivanov"}),  # spaces collapse like the stored key
    ],
)
def test_partial_name_means_the_same_on_both_databases(
    session: Session, names: dict[str, int], text: str, expected: set[str]
) -> None:
    assert _found(session, text) == {names[k] for k in expected}


def test_fragments_query_quotes_each_word_and_drops_one_letter_words() -> None:
    assert fragments_query("иванов иван") == "'иванов':* & 'иван':*"
    assert fragments_query("o'brien a\\b") == "'o''brien':* & 'a\\\\b':*"
    assert fragments_query("иван иван") == "'иван':*"
    assert fragments_query("а б") is None
    assert like_contains_pattern("50%_/x") == "%50/%/_//x%"


def test_postgresql_finds_names_through_the_fragment_index(pg_engine, names_on_pg: None) -> None:
    stmt = (
        select(func.count())
        .select_from(Case)
        .join(Debtor, Debtor.id == Case.debtor_id)
        .where(debtor_name_contains(Debtor.name_search, "иванов"))
    )
    compiled = stmt.compile(dialect=pg_engine.dialect)
    with pg_engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: make the planner show its options
        conn.exec_driver_sql("SET enable_indexscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
        assert "ix_debtors_name_fragments" in plan, plan
        assert conn.execute(stmt).scalar_one() == 2


@pytest.fixture
def names_on_pg(pg_engine) -> None:
    with Session(pg_engine) as s:
        make_case(s, last_name="Иванов")
        make_case(s, last_name="Петрова", first_name="Анна", middle_name="Ивановна")
        make_case(s, last_name="Сидоров", first_name="Пётр", middle_name="Петрович")
        s.commit()


def test_a_name_search_counts_every_match_not_just_the_page(session: Session, names: dict[str, int]) -> None:
    clerk = make_user(session, "clerk")
    first = search_cases(session, clerk, CaseFilter(debtor_name="иван"), limit=1)
    assert first.total == 2 and len(first.rows) == 1 and first.next_cursor is not None
    second = search_cases(session, clerk, CaseFilter(debtor_name="иван"), limit=1, after=first.next_cursor)
    assert second.total == 2 and {r.id for r in first.rows + second.rows} == {names["ivanov"], names["vodkina"]}
    none = search_cases(session, clerk, CaseFilter(debtor_name="нет такого"), limit=1)
    assert none.total == 0 and none.rows == []

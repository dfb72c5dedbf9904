"""The first page of a name search comes first (issue #17): read in name order without counting,
it holds exactly what the full query would show, page after page, whether the name walk answers
or the name index does; the exact count comes separately."""

from __future__ import annotations

import pytest

from core.cases import search as search_module
from core.cases.search import CaseFilter, Cursor, count_cases, search_cases
from tests.factories import make_case, make_user

SURNAMES = [
    "Абрамов",
    "Абрамова",
    "Белов",
    "Иванов",
    "Иванова",
    "Ивановский",
    "Кондратьев",
    "Ёлкин",
    "Петров-Иванов",
    "Сидоров",
    "Яковлев",
    "Иваненко",
    "Ковалёв",
    "Ивашов",
    "Жуков",
    "Ильин",
]


def _all_pages(session, actor, f: CaseFilter, limit: int, fast: bool) -> list[list[str]]:
    pages: list[list[str]] = []
    after: Cursor | None = None
    while True:
        page = search_cases(
            session, actor, f, sort="debtor", descending=False, limit=limit, after=after, with_total=not fast
        )
        pages.append([r.number for r in page.rows])
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


@pytest.mark.parametrize("budget", [3, 10, 1000])
@pytest.mark.parametrize("text", ["ив", "иванов", "ов", "кондрат", "ё", "нет-такого", "ел"])
def test_first_pages_match_the_full_query(session, monkeypatch, budget: int, text: str) -> None:
    clerk = make_user(session, "clerk")
    for i, surname in enumerate(SURNAMES * 2):
        make_case(
            session,
            last_name=surname,
            first_name=["Анна", "Иван", "Олег"][i % 3],
            stage="new" if i % 2 else "claim_prepared",
        )
    session.flush()
    # a small walk budget makes the walk give up on the rarer fragments: the index answers then
    monkeypatch.setattr(search_module, "NAME_WALK_BUDGET", budget)
    for f in (CaseFilter(debtor_name=text), CaseFilter(debtor_name=text, stages=["new"])):
        assert _all_pages(session, clerk, f, 4, fast=True) == _all_pages(session, clerk, f, 4, fast=False)
        full = search_cases(session, clerk, f, sort="debtor", descending=False, limit=1000)
        assert count_cases(session, clerk, f) == full.total == len(full.rows)
        # the search means "the name contains the text" (ё as е), in name order
        names = [r.debtor_name for r in full.rows]
        assert all(text.replace("ё", "е") in n.lower().replace("ё", "е") for n in names)


def test_a_common_fragment_is_answered_by_the_name_walk(session, monkeypatch) -> None:
    clerk = make_user(session, "clerk")
    for surname in SURNAMES:
        make_case(session, last_name=surname)
    session.flush()
    answered: list[bool] = []
    walk = search_module._name_walk_page

    def spy(*args, **kwargs):
        keys = walk(*args, **kwargs)
        answered.append(keys is not None)
        return keys

    monkeypatch.setattr(search_module, "_name_walk_page", spy)
    page = search_cases(
        session, clerk, CaseFilter(debtor_name="ов"), sort="debtor", limit=3, with_total=False, descending=False
    )
    assert answered == [True]
    assert page.total is None and len(page.rows) == 3 and page.next_cursor is not None
    assert [r.debtor_name.split()[0] for r in page.rows] == ["Абрамов", "Абрамова", "Белов"]

"""The case search page: filters, paging, selection, bulk moves with their report, reassignment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.cases.models import Case, CaseEvent
from core.cases.workflow import TRANSITIONS
from tests.app.conftest import signed_in
from tests.factories import make_case, make_user


def _search(at: AppTest, **values: object) -> AppTest:
    for name, value in values.items():
        widget = at.text_input(key=f"sf.{name}") if isinstance(value, str) else at.multiselect(key=f"sf.{name}")
        widget.set_value(value)
    next(b for b in at.button if b.label == "Search").click()
    return at.run()


def _count_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if " match" in m.value)


def _stages(session: Session) -> dict[str, str]:
    session.expire_all()
    return {c.number: c.stage for c in session.scalars(select(Case))}


def _pick_transition(at: AppTest, key: str, name: str) -> None:
    box = at.selectbox(key=key)
    box.set_value(next(t for t in TRANSITIONS if t.name == name))


def test_filters_narrow_the_results_and_show_the_total(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    make_case(app_db, last_name="Петров", first_name="Пётр")
    make_case(app_db, last_name="Сидорова", first_name="Анна", stage="claim_mailed")
    make_case(app_db, last_name="Сидоров", first_name="Олег")
    app_db.commit()
    at = signed_in(clerk).run()
    assert _count_line(at).startswith("**3** cases match")
    stage_column = at.dataframe[0].value["Stage"].tolist()
    assert sorted(stage_column) == ["Claim mailed", "New", "New"]

    at = _search(at, debtor_name="сидоров")
    assert _count_line(at).startswith("**2** cases match")
    assert sorted(at.dataframe[0].value["Debtor"]) == ["Сидоров Олег Иванович", "Сидорова Анна Иванович"]

    at = _search(at, stages=["claim_mailed"])
    assert _count_line(at).startswith("**1** case matches")
    assert at.dataframe[0].value["Debtor"].tolist() == ["Сидорова Анна Иванович"]
    assert at.query_params["debtor_name"] == "сидоров"  # the filter is in the address too

    at = _search(at, debtor_name="Нет Такого")
    assert [i.value for i in at.info] == ["No cases match these filters. Loosen a filter or press Clear."]


def test_bad_amount_in_a_filter_is_explained_and_the_old_filter_kept(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    make_case(app_db)
    app_db.commit()
    at = signed_in(clerk).run()
    at = _search(at, claim_min="abc")
    assert any("Claim from" in e.value for e in at.error)
    assert _count_line(at).startswith("**1** case matches")


def test_paging_walks_through_all_results(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for i in range(30):
        make_case(app_db, opened_at=base + dt.timedelta(days=i), last_name=f"Должник{i:02d}")
    app_db.commit()
    at = signed_in(clerk).run()
    at.selectbox(key="search.size").set_value(25)
    at = at.run()
    assert _count_line(at).startswith("**30** cases match · showing 1–25")
    first_page = at.dataframe[0].value["Debtor"].tolist()
    assert first_page[0].startswith("Должник29")  # newest first
    at.button(key="search.next").click()
    at = at.run()
    assert _count_line(at).startswith("**30** cases match · showing 26–30")
    assert [d[:9] for d in at.dataframe[0].value["Debtor"]] == [f"Должник{i:02d}" for i in range(4, -1, -1)]
    at.button(key="search.prev").click()
    at = at.run()
    assert at.dataframe[0].value["Debtor"].tolist() == first_page


def test_bulk_move_of_all_matching_asks_confirmation_then_reports(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    for _ in range(3):
        make_case(app_db, stage="new")
    mailed = make_case(app_db, stage="claim_mailed")
    app_db.commit()
    at = signed_in(clerk).run()
    # nothing is chosen until the user says which cases: no move is offered yet, and a hint says why
    assert at.radio(key="search.scope.1").value is None
    assert not [b for b in at.selectbox if b.key == "search.transition"]
    assert any("choose all matching cases" in c.value for c in at.caption)
    at.radio(key="search.scope.1").set_value("all")
    at = at.run()
    box = at.selectbox(key="search.transition")
    # the action and the stage it reaches, the stage named once when they are the same words
    assert "To “Claim prepared”" in box.options
    assert "Mail the claim → “Claim mailed”" in box.options
    _pick_transition(at, "search.transition", "prepare_claim")
    at = at.run()
    assert at.button(key="search.move").label == "Move 4 cases…"
    at.button(key="search.move").click()
    at = at.run()
    assert at.button(key="search.yes").label == "Yes, move 4 cases"
    assert [w.value for w in at.warning] == ["Move all 4 cases matching the filters to “Claim prepared”?"]
    assert set(_stages(app_db).values()) == {"new", "claim_mailed"}  # nothing moved before the confirmation

    at.button(key="search.yes").click()
    at = at.run()
    assert "Moved 3 cases to “Claim prepared”." in [s.value for s in at.success]
    assert any("1 case not moved" in w.value for w in at.warning)
    report = at.dataframe[0].value
    refused = report[report["Result"] == "refused"]
    assert refused["Case"].tolist() == [mailed.number]
    assert "is at 'Claim mailed'" in refused["Reason"].iloc[0]
    stages = _stages(app_db)
    assert stages[mailed.number] == "claim_mailed"
    assert sorted(stages.values()) == ["claim_mailed", "claim_prepared", "claim_prepared", "claim_prepared"]


def test_bulk_move_of_selected_rows_with_a_tracking_number_per_case(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    cases = [
        make_case(app_db, stage="claim_prepared", opened_at=dt.datetime(2025, 1, i + 1, tzinfo=dt.UTC))
        for i in range(3)
    ]
    app_db.commit()
    at = signed_in(clerk).run()
    # rows 0 and 1 are the two newest cases
    at.session_state["search.table.0.0"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at = at.run()
    assert at.radio(key="search.scope.2").value is None  # ticking rows alone acts on nothing yet
    at.radio(key="search.scope.2").set_value("selected")
    at = at.run()
    _pick_transition(at, "search.transition", "mail_claim")
    at = at.run()
    editor = at.dataframe[1]
    assert editor.value["Case"].tolist() == [cases[2].number, cases[1].number]
    at.session_state[editor.key if editor.key else ""] = {
        "edited_rows": {0: {"Tracking number": "RA123456785RU"}, 1: {"Tracking number": "12345"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at = at.run()
    at.button(key="search.move").click()
    at = at.run()
    # the bad number is named before the confirmation, not refused after it
    assert not at.warning
    assert len(at.error) == 1 and f"{cases[1].number}: Tracking number" in at.error[0].value
    assert set(_stages(app_db).values()) == {"claim_prepared"}
    at.session_state[editor.key if editor.key else ""] = {
        "edited_rows": {0: {"Tracking number": "RA123456785RU"}, 1: {"Tracking number": "RA123456799RU"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at = at.run()
    at.button(key="search.move").click()
    at = at.run()
    assert [w.value for w in at.warning] == ["Move 2 selected cases to “Claim mailed” (Mail the claim)?"]
    at.button(key="search.yes").click()
    at = at.run()
    assert "Moved 2 cases to “Claim mailed”." in [s.value for s in at.success]
    stages = _stages(app_db)
    assert stages == {
        cases[0].number: "claim_prepared",
        cases[1].number: "claim_mailed",
        cases[2].number: "claim_mailed",
    }
    app_db.expire_all()
    assert app_db.get(Case, cases[2].id).tracking_number == "RA123456785RU"


def test_one_selected_row_opens_its_case_and_the_filter_survives_the_way_back(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    make_case(app_db, last_name="Петров", first_name="Пётр")
    target = make_case(app_db, last_name="Сидоров", first_name="Олег")
    app_db.commit()
    at = signed_in(clerk).run()
    at = _search(at, debtor_name="Сидоров")
    at.session_state["search.table.0.0"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at = at.run()
    at.button(key="search.open").click()
    at = at.run()
    assert any(target.number in m.value and "Сидоров Олег" in m.value for m in at.markdown)  # the card
    at.button(key="back_to_search").click()
    at = at.run()
    assert [h.value for h in at.header] == ["Case search"]
    assert at.text_input(key="sf.debtor_name").value == "Сидоров"
    assert _count_line(at).startswith("**1** case matches")


def test_reassign_selected_cases_is_for_lawyers_and_leaves_a_timeline_entry(app_db: Session) -> None:
    lawyer = make_user(app_db, "lawyer")
    other = make_user(app_db, "clerk", full_name="Мария Новая")
    case = make_case(app_db)
    app_db.commit()
    at = signed_in(lawyer).run()
    at.radio(key="search.scope.1").set_value("all")
    at = at.run()
    at.selectbox(key="search.assignee").set_value((other.id, "Мария Новая (Clerk)"))
    at = at.run()
    at.button(key="search.reassign").click()
    at = at.run()
    assert [w.value for w in at.warning] == [
        "Make Мария Новая (Clerk) responsible for the 1 case matching the filters?"
    ]
    at.button(key="search.yes").click()
    at = at.run()
    assert "1 case reassigned to Мария Новая (Clerk)." in [s.value for s in at.success]
    app_db.expire_all()
    assert app_db.get(Case, case.id).responsible_id == other.id
    assert app_db.scalar(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)) == "assignment"


def test_clerk_is_not_offered_reassignment(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    make_case(app_db)
    app_db.commit()
    at = signed_in(clerk).run()
    at.radio(key="search.scope.1").set_value("all")
    at = at.run()
    assert [t.label for t in at.tabs] == ["Move to a stage", "Print package"]  # no "Reassign"


def test_cases_of_one_stage_go_to_print_packages(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    prepared = [make_case(app_db, stage="claim_prepared") for _ in range(2)]
    make_case(app_db, stage="new")
    app_db.commit()
    at = signed_in(clerk).run()
    at.radio(key="search.scope.1").set_value("all")
    at = at.run()
    assert any("one open stage" in c.value for c in at.caption)  # mixed stages: no package offered
    at = _search(at, stages=["claim_prepared"])
    at.button(key="search.print").click()
    at = at.run()
    assert not at.exception
    assert sorted(at.session_state["documents.preselected"]) == sorted(c.id for c in prepared)
    assert any("2 cases were handed over" in i.value for i in at.info)
    assert at.radio(key="documents.which").value == "handed"


def test_the_export_says_when_it_holds_only_the_first_cases(app_db: Session, monkeypatch) -> None:
    monkeypatch.setattr("core.cases.search.EXPORT_CAP", 2)
    clerk = make_user(app_db, "clerk")
    for last in ("Петров", "Сидоров", "Орлов"):
        make_case(app_db, last_name=last)
    app_db.commit()
    at = signed_in(clerk).run()
    assert any("Export the first 2 of the 3 matching cases" in c.value for c in at.caption)
    at = _search(at, debtor_name="петров")
    assert any(c.value.startswith("Export all 1 matching cases") for c in at.caption)

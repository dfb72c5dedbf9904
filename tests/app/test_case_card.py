"""The case card: header, the moves allowed now, inline guard data, conflicts, the timeline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.cases.models import Case
from core.cases.service import transition_case
from tests.app.conftest import signed_in
from tests.factories import make_case, make_user


def _card(user: User, case: Case) -> AppTest:
    at = signed_in(user)
    at.query_params["case"] = case.number
    return at.run()


def _buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.main.button]


def _timeline(at: AppTest) -> list[dict[str, str]]:
    return at.dataframe[0].value.to_dict("records")


def test_header_shows_debtor_contract_creditor_stage_and_sla(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk", full_name="Анна Клерк")
    case = make_case(
        app_db,
        last_name="Петров",
        first_name="Пётр",
        birth_date=dt.date(1980, 5, 6),
        region="Тверская область",
        contract_number="ДЗ-777",
        responsible=clerk,
        entered_stage_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9),
    )
    app_db.commit()
    at = _card(clerk, case)
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Петров Пётр Иванович" in text and "born 06.05.1980" in text and "Тверская область" in text
    assert "ДЗ-777" in text and "Ц-" in text  # contract and assignment agreement
    assert "responsible: Анна Клерк" in text
    assert "New</span>" in text  # the coloured stage badge
    assert any("Over the stage's limit: 9 days in “New”" in e.value for e in at.error)
    assert _buttons(at)[:2] == ["← Back to the search results", "Claim prepared"]


def test_one_button_moves_the_case_and_the_timeline_shows_it(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk", full_name="Анна Клерк")
    case = make_case(app_db, responsible=clerk)
    app_db.commit()
    at = _card(clerk, case)
    assert [i.value for i in at.caption if "Nothing has happened" in i.value]
    at.button(key="case.t.prepare_claim").click()
    at = at.run()
    assert [s.value for s in at.success] == ["Moved to “Claim prepared”."]
    entry = _timeline(at)[0]
    assert entry["Change"] == "New → Claim prepared" and entry["By"] == "Анна Клерк" and entry["Via"] == "by hand"
    app_db.expire_all()
    assert app_db.get(Case, case.id).stage == "claim_prepared"
    assert "Mail the claim → Claim mailed" in _buttons(at)  # the next moves are offered


def test_guard_data_is_asked_inline_and_a_bad_value_is_explained(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = make_case(app_db, stage="claim_prepared", responsible=clerk)
    app_db.commit()
    at = _card(clerk, case)
    at.button(key="case.t.mail_claim").click()
    at = at.run()
    field = at.text_input(key=f"case.f.{case.id}.mail_claim.tracking_number")
    assert field.label == "Tracking number"
    field.input("RA123456789RU")
    at.button(key="case.confirm").click()
    at = at.run()
    assert at.error[0].value.startswith(f"Case {case.number} cannot be moved: Tracking number: the S10 check digit")
    app_db.expire_all()
    assert app_db.get(Case, case.id).stage == "claim_prepared"

    at.text_input(key=f"case.f.{case.id}.mail_claim.tracking_number").input("RA123456785RU")
    at.button(key="case.confirm").click()
    at = at.run()
    assert [s.value for s in at.success] == ["Moved to “Claim mailed”."]
    app_db.expire_all()
    moved = app_db.get(Case, case.id)
    assert (moved.stage, moved.tracking_number) == ("claim_mailed", "RA123456785RU")


def test_a_concurrent_change_names_who_and_when_and_reload_recovers(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    other = make_user(app_db, "lawyer", full_name="Олег Юрист")
    case = make_case(app_db, responsible=clerk)
    app_db.commit()
    at = _card(clerk, case)  # the clerk looks at version 1

    transition_case(app_db, other, case.id, "prepare_claim", case.version)  # someone else moves it meanwhile
    app_db.commit()

    at.button(key="case.t.prepare_claim").click()
    at = at.run()
    message = at.error[0].value
    assert message.startswith(f"Case {case.number} was changed by Олег Юрист at ")
    assert "Reload to see the current data" in message
    assert "case.t.prepare_claim" not in [b.key for b in at.button]  # no moves until reloaded
    at.button(key="case.reload").click()
    at = at.run()
    assert not [e.value for e in at.error if "was changed by" in e.value]
    assert "Mail the claim → Claim mailed" in _buttons(at)
    app_db.expire_all()
    assert app_db.get(Case, case.id).stage == "claim_prepared"  # moved once, not twice


def test_clerk_is_not_offered_lawyer_only_moves(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    lawyer = make_user(app_db, "lawyer")
    case = make_case(app_db, stage="order_refused")
    app_db.commit()
    assert "File a lawsuit → Lawsuit filed" not in _buttons(_card(clerk, case))
    assert "File a lawsuit → Lawsuit filed" in _buttons(_card(lawyer, case))


def test_a_move_that_closes_the_case_asks_first(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = make_case(app_db, responsible=clerk)
    app_db.commit()
    at = _card(clerk, case)
    at.button(key="case.t.mark_repaid").click()
    at = at.run()
    app_db.expire_all()
    assert app_db.get(Case, case.id).stage == "new"  # not yet
    assert any("This closes the case." in m.value for m in at.markdown)
    at.button(key="case.confirm").click()
    at = at.run()
    assert [s.value for s in at.success] == ["Moved to “Repaid”."]
    assert any("The case is closed." in c.value for c in at.caption)

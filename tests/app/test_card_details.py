"""The case card's "Debtor & court" tab: lawyers correct the debtor's data, clerks only read it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.audit.models import AuditLog
from core.cases.models import Case, Debtor
from tests.app.conftest import signed_in
from tests.factories import make_case, make_user


def _card(user, case: Case) -> AppTest:
    at = signed_in(user)
    at.query_params["case"] = case.number
    return at.run()


def test_lawyer_corrects_the_debtor_address(app_db: Session) -> None:
    lawyer = make_user(app_db, "lawyer")
    case = make_case(app_db, responsible=lawyer)
    app_db.commit()
    at = _card(lawyer, case)
    assert not at.exception
    field = at.text_input(key=f"details.{case.id}.d.address")
    assert field.value.startswith("123456, г. Москва")
    field.input("101000, г. Москва, ул. Мясницкая, д. 1")
    at.button(key=f"FormSubmitter:details.{case.id}.debtor-Save the debtor's data").click()
    at = at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    app_db.expire_all()
    assert app_db.get(Debtor, case.debtor_id).address == "101000, г. Москва, ул. Мясницкая, д. 1"
    assert app_db.scalars(select(AuditLog.action).where(AuditLog.action == "debtor.update")).all() == ["debtor.update"]


def test_clerk_sees_but_cannot_edit(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = make_case(app_db, responsible=clerk)
    app_db.commit()
    at = _card(clerk, case)
    field = at.text_input(key=f"details.{case.id}.d.passport")
    assert field.disabled and field.value
    assert any("Lawyers and heads" in c.value for c in at.caption)

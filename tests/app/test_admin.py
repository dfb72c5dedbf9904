"""The admin page: user administration and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.audit.service import record_audit_many
from core.auth.models import User
from core.auth.service import create_user
from core.db import utcnow
from tests.app.conftest import signed_in
from tests.factories import make_user


def _admin_page(admin: User) -> AppTest:
    at = signed_in(admin).run()
    return at.switch_page("pages/admin.py").run()


def _users_table(at: AppTest) -> dict[str, dict[str, str]]:
    return {r["Username"]: r for r in at.dataframe[0].value.to_dict("records")}


def test_admin_creates_a_user_who_can_then_sign_in(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    app_db.commit()
    at = _admin_page(admin)
    form_inputs = [t for t in at.text_input if t.form_id == "admin.create"]
    for widget, value in zip(form_inputs, ["Mila", "Мила Петрова", "short"], strict=True):
        widget.input(value)
    next(s for s in at.selectbox if s.label == "Role" and s.form_id == "admin.create").set_value("lawyer")
    next(b for b in at.button if b.label == "Create user").click()
    at = at.run()
    assert [e.value for e in at.error] == ["The password must have at least 8 characters."]

    form_inputs = [t for t in at.text_input if t.form_id == "admin.create"]
    for widget, value in zip(form_inputs, ["Mila", "Мила Петрова", "long-enough-1"], strict=True):
        widget.input(value)
    next(s for s in at.selectbox if s.label == "Role" and s.form_id == "admin.create").set_value("lawyer")
    next(b for b in at.button if b.label == "Create user").click()
    at = at.run()
    assert [s.value for s in at.success] == ["User 'mila' created."]
    assert _users_table(at)["mila"]["Role"] == "lawyer"


def test_admin_changes_role_deactivates_unlocks_and_resets_mfa(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    clerk = make_user(app_db, "clerk", full_name="Ива Клерк")
    clerk.locked_until = utcnow() + dt.timedelta(minutes=10)
    clerk.totp_secret = "JBSWY3DPEHPK3PXP"
    clerk.mfa_enrolled = True
    app_db.commit()
    at = _admin_page(admin)
    assert _users_table(at)[clerk.username]["Status"].startswith("locked until")
    at.selectbox(key="admin.user").set_value(clerk.id)
    at = at.run()

    at.selectbox(key=f"admin.role.{clerk.id}").set_value("lawyer")
    at = at.run()
    at.button(key=f"admin.setrole.{clerk.id}").click()
    at = at.run()
    assert [s.value for s in at.success] == [f"{clerk.username} is now lawyer."]

    at.button(key=f"admin.unlock.{clerk.id}").click()
    at = at.run()
    assert _users_table(at)[clerk.username]["Status"] == "active"

    at.button(key=f"admin.mfa.{clerk.id}").click()
    at = at.run()
    assert _users_table(at)[clerk.username]["MFA"] == "—"

    at.button(key=f"admin.deact.{clerk.id}").click()
    at = at.run()
    assert _users_table(at)[clerk.username]["Status"] == "deactivated"
    app_db.expire_all()
    row = app_db.scalar(select(User).where(User.id == clerk.id))
    assert (row.role, row.is_active, row.mfa_enrolled, row.locked_until) == ("lawyer", False, False, None)


def test_admin_cannot_deactivate_themselves(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    app_db.commit()
    at = _admin_page(admin)
    at.selectbox(key="admin.user").set_value(admin.id)
    at = at.run()
    at.button(key=f"admin.deact.{admin.id}").click()
    at = at.run()
    assert [e.value for e in at.error] == ["You cannot deactivate your own account."]


def test_audit_log_lists_filters_and_pages(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    for i in range(3):
        create_user(app_db, admin, f"user{i}", f"User {i}", "clerk", "long-enough-1")
    app_db.commit()
    at = _admin_page(admin)
    tab = at.tabs[1]
    assert tab.label == "Audit log"
    lines = [m.value for m in at.markdown if "entries" in m.value]
    assert lines == ["**3** entries · showing 1–3"]
    audit = at.dataframe[-1].value
    assert set(audit["Action"]) == {"user.create"}

    at.selectbox(key="admin.a.action").set_value("user.create")
    at = at.run()
    assert [m.value for m in at.markdown if "entries" in m.value] == ["**3** entries · showing 1–3"]
    assert at.dataframe[-1].value["User"].tolist() == [admin.username] * 3
    at.text_input(key="admin.a.entity").input("case")
    at = at.run()
    assert [m.value for m in at.markdown if "entries" in m.value] == ["**0** entries"]


def test_audit_log_pages_through_older_entries(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    record_audit_many(app_db, admin, "case.transition", "case", [(i, {"n": i}) for i in range(1, 61)])
    app_db.commit()
    at = _admin_page(admin)
    assert [m.value for m in at.markdown if "entries" in m.value] == ["**60** entries · showing 1–50"]
    assert at.button(key="admin.a.prev").disabled
    at.button(key="admin.a.next").click()
    at = at.run()
    assert [m.value for m in at.markdown if "entries" in m.value] == ["**60** entries · showing 51–60"]
    assert at.dataframe[-1].value["Id"].tolist() == [str(i) for i in range(10, 0, -1)]  # the oldest ten
    assert at.button(key="admin.a.next").disabled


def test_head_reads_the_audit_log_but_manages_no_users(app_db, open_as) -> None:
    from core.audit.service import record_audit

    head = make_user(app_db, "head")
    record_audit(app_db, head, "case.export", "case", None, {"rows": 3})
    app_db.commit()
    at = open_as(head, "pages/admin.py")
    assert not at.exception
    assert [h.value for h in at.header] == ["Audit log"]
    assert [t.label for t in at.tabs] == ["Audit log"]

"""The admin page: user administration and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.audit.service import record_audit_many
from core.auth.models import User
from core.auth.service import check_password, create_user
from core.db import utcnow
from tests.app.conftest import signed_in
from tests.factories import PASSWORD, make_user


def _admin_page(admin: User) -> AppTest:
    at = signed_in(admin).run()
    return at.switch_page("pages/admin.py").run()


def _users_table(at: AppTest) -> dict[str, dict[str, str]]:
    return {r["Username"]: r for r in at.dataframe[0].value.to_dict("records")}


def test_admin_creates_a_user_who_can_then_sign_in(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    app_db.commit()
    at = _admin_page(admin)
    form_inputs = [t for t in at.text_input if t.form_id == "admin.create.0"]
    for widget, value in zip(form_inputs, ["Mila", "Мила Петрова", "short"], strict=True):
        widget.input(value)
    next(s for s in at.selectbox if s.label == "Role" and s.form_id == "admin.create.0").set_value("Lawyer")
    next(b for b in at.button if b.label == "Create user").click()
    at = at.run()
    assert [e.value for e in at.error] == ["The password must have at least 8 characters."]
    # the refusal keeps what was typed: only the password needs typing again
    form_inputs = [t for t in at.text_input if t.form_id == "admin.create.0"]
    assert [t.value for t in form_inputs[:2]] == ["Mila", "Мила Петрова"]
    assert next(s for s in at.selectbox if s.form_id == "admin.create.0").value == "Lawyer"

    form_inputs[2].input("long-enough-1")
    next(b for b in at.button if b.label == "Create user").click()
    at = at.run()
    assert [s.value for s in at.success] == ["User “mila” created."]
    assert _users_table(at)["mila"]["Role"] == "Lawyer"
    # a created user clears the form for the next one
    assert [t.value for t in at.text_input if t.form_id == "admin.create.1"][:2] == ["", ""]


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

    at.selectbox(key=f"admin.role.{clerk.id}.en").set_value("Lawyer")
    at = at.run()
    at.button(key=f"admin.setrole.{clerk.id}").click()
    at = at.run()
    assert [s.value for s in at.success] == [f"{clerk.username} is now Lawyer."]

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
    # sentences, not codes and JSON
    assert audit["What"].tolist() == [f"created user user{i} (Clerk)" for i in (2, 1, 0)]

    at.selectbox(key="admin.a.action").set_value("user.create")
    at = at.run()
    assert [m.value for m in at.markdown if "entries" in m.value] == ["**3** entries · showing 1–3"]
    assert at.dataframe[-1].value["Who"].tolist() == [f"{admin.full_name} ({admin.username})"] * 3
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
    # the oldest ten, each a link to its case card by its number
    assert at.dataframe[-1].value["Case"].tolist() == [f"case?case=C-{i:06d}" for i in range(10, 0, -1)]
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


def test_audit_log_reads_as_sentences_with_the_person_and_the_case(app_db: Session) -> None:
    from core.audit.service import record_audit

    admin = make_user(app_db, "admin", full_name="Анна Админ")
    clerk = make_user(app_db, "clerk", username="olga", full_name="Ольга Иванова")
    app_db.commit()
    check_password(app_db, "olga", PASSWORD)  # a password-only user signs in
    record_audit(app_db, clerk, "case.transition", "case", 1991, {"from": "new", "to": "claim_prepared"})
    record_audit(app_db, clerk, "case.reassign", "case", 1991, {"from": None, "to": admin.id})
    app_db.commit()
    at = _admin_page(admin)
    rows = at.dataframe[-1].value.to_dict("records")
    by_what = {r["What"]: r for r in rows}
    # the sign-in is Ольга's, not "system"'s
    assert by_what["signed in"]["Who"] == "Ольга Иванова (olga)"
    moved = by_what["moved C-001991 from “New” to “Claim prepared”"]
    assert moved["Who"] == "Ольга Иванова (olga)"
    assert moved["Case"] == "case?case=C-001991"
    assert "made Анна Админ (" in next(w for w in by_what if w.startswith("made "))
    assert not any(w.startswith("{") for w in by_what)  # no raw JSON anywhere

    # a case number finds the case's entries
    at.text_input(key="admin.a.entity_id").input("C-001991")
    at = at.run()
    assert [m.value for m in at.markdown if "entries" in m.value] == ["**2** entries · showing 1–2"]

"""Signing in: password, TOTP code, first-time MFA enrolment, lockout, idle timeout, sign-out."""

from __future__ import annotations

import datetime as dt

import pyotp
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.auth.permissions import SystemActor
from core.auth.service import set_active
from tests.app.conftest import new_app, signed_in
from tests.factories import PASSWORD, make_user


def _submit_password(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()  # the form's "Sign in"
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _signed_in_as(at: AppTest, user: User) -> bool:
    return any(user.full_name in m.value for m in at.sidebar.markdown)


def test_clerk_signs_in_with_password_and_sees_search(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = new_app().run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    at = _submit_password(at, clerk.username, PASSWORD)
    assert not at.exception
    assert _signed_in_as(at, clerk)
    assert any("Clerk" in m.value for m in at.sidebar.markdown)
    assert [h.value for h in at.header] == ["Case search"]


def test_wrong_password_is_refused_and_counted(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = _submit_password(new_app().run(), clerk.username, "not-the-password")
    # the same words as for an unknown user: the screen does not tell which accounts exist
    assert _errors(at) == ["Wrong username or password."]
    assert not _signed_in_as(at, clerk)
    app_db.refresh(clerk)
    assert clerk.failed_logins == 1  # the failure was committed although the login failed


def test_unknown_user_gets_the_same_message(app_db: Session) -> None:
    at = _submit_password(new_app().run(), "nobody", "whatever-123")
    assert _errors(at) == ["Wrong username or password."]


def test_five_failures_lock_the_account_and_say_until_when(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = new_app().run()
    for _ in range(5):
        at = _submit_password(at, clerk.username, "wrong-password")
    assert "locked after 5 failed attempts until" in _errors(at)[0]
    at = _submit_password(at, clerk.username, PASSWORD)  # even the right password is refused now
    assert "locked" in _errors(at)[0]
    assert not _signed_in_as(at, clerk)


def test_deactivated_account_is_told_so(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    clerk = make_user(app_db, "clerk")
    set_active(app_db, admin, clerk.id, False)
    app_db.commit()
    at = _submit_password(new_app().run(), clerk.username, PASSWORD)
    assert _errors(at) == ["This account is deactivated. Ask an administrator to reactivate it."]


def test_head_must_enrol_mfa_with_qr_code_before_getting_in(app_db: Session) -> None:
    head = make_user(app_db, "head")
    app_db.commit()
    at = _submit_password(new_app().run(), head.username, PASSWORD)
    assert [s.value for s in at.subheader] == ["Set up your authenticator"]
    assert at.image[0].captions == ["Scan with your authenticator app"]  # the QR code
    app_db.refresh(head)
    assert head.totp_secret and not head.mfa_enrolled
    shown_key = at.code[0].value.replace(" ", "")
    assert shown_key == head.totp_secret  # the key to type by hand when the QR cannot be scanned
    assert not _signed_in_as(at, head)

    at.text_input(key="login_enrol_value").input("000000")
    at = _click_form(at, "Confirm and sign in")
    assert _errors(at) == ["Wrong code. Scan the QR code again and enter the current 6-digit code."]
    assert not _signed_in_as(at, head)

    at.text_input(key="login_enrol_value").input(pyotp.TOTP(head.totp_secret).now())
    at = _click_form(at, "Confirm and sign in")
    assert not _errors(at)
    assert _signed_in_as(at, head)
    app_db.refresh(head)
    assert head.mfa_enrolled


def _click_form(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def _enrolled_head(app_db: Session) -> User:
    head = make_user(app_db, "head")
    head.totp_secret = pyotp.random_base32()
    head.mfa_enrolled = True
    app_db.commit()
    return head


def test_enrolled_user_needs_the_current_code(app_db: Session) -> None:
    head = _enrolled_head(app_db)
    at = _submit_password(new_app().run(), head.username, PASSWORD)
    assert [s.value for s in at.subheader] == ["Two-step verification"]
    assert not _signed_in_as(at, head)

    at.text_input(key="login_code_value").input("123456")
    at = _click_form(at, "Verify")
    assert _errors(at) == ["Wrong code. Use the current 6-digit code from your authenticator app."]
    assert not _signed_in_as(at, head)

    at.text_input(key="login_code_value").input(pyotp.TOTP(head.totp_secret).now())
    at = _click_form(at, "Verify")
    assert _signed_in_as(at, head)
    assert any("Head of department" in m.value for m in at.sidebar.markdown)


def test_wrong_codes_count_towards_the_lockout(app_db: Session) -> None:
    head = _enrolled_head(app_db)
    at = _submit_password(new_app().run(), head.username, PASSWORD)
    for _ in range(5):
        at.text_input(key="login_code_value").input("000000")
        at = _click_form(at, "Verify")
    assert "locked" in _errors(at)[-1]
    at.text_input(key="login_code_value").input(pyotp.TOTP(head.totp_secret).now())
    at = _click_form(at, "Verify")
    assert "locked" in _errors(at)[-1]
    assert not _signed_in_as(at, head)


def test_sign_out_returns_to_the_sign_in_screen(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(clerk).run()
    assert _signed_in_as(at, clerk)
    assert "search.filter" in at.session_state
    at.sidebar.button(key="sign_out").click()
    at = at.run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [i.value for i in at.info] == ["You signed out."]
    assert "user" not in at.session_state
    assert "search.filter" not in at.session_state  # the next person at this browser starts clean


def test_thirty_idle_minutes_end_the_session(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(clerk).run()
    at.session_state["_session_last_seen"] = at.session_state["_session_last_seen"] - dt.timedelta(minutes=31)
    at = at.run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [i.value for i in at.info] == ["You were signed out after 30 minutes without activity."]


def test_activity_within_the_limit_keeps_the_session(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(clerk).run()
    at.session_state["_session_last_seen"] = at.session_state["_session_last_seen"] - dt.timedelta(minutes=29)
    at = at.run()
    assert _signed_in_as(at, clerk)


def test_deactivation_ends_a_running_session_at_the_next_click(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(clerk).run()
    set_active(app_db, SystemActor("test"), clerk.id, False)
    app_db.commit()
    at = at.run()
    assert not _signed_in_as(at, clerk)
    assert "deactivated" in at.info[0].value

"""Passwords, TOTP enrolment and verification, lockout after five failures, deactivation."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from core.auth.service import (
    check_password,
    create_user,
    finish_enrolment,
    reset_mfa,
    set_active,
    start_enrolment,
    unlock,
    verify_totp,
)
from core.errors import AuthenticationFailed, PermissionDenied, ValidationFailed
from tests.factories import make_user

PASSWORD = "s3cret-passw0rd"


def test_password_is_hashed_with_argon2_and_checked(session) -> None:
    user = create_user(session, None, "Olga", "Ольга Иванова", "clerk", PASSWORD)
    session.commit()
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
    step = check_password(session, "olga", PASSWORD)
    assert not step.needs_code and not step.needs_enrolment
    with pytest.raises(AuthenticationFailed, match=r"^Wrong username or password\.$"):
        check_password(session, "olga", "wrong")
    with pytest.raises(AuthenticationFailed, match=r"^Wrong username or password\.$"):
        check_password(session, "nobody", PASSWORD)


def test_create_user_validates(session) -> None:
    with pytest.raises(ValidationFailed, match="at least 8"):
        create_user(session, None, "x", "X", "clerk", "short")
    with pytest.raises(ValidationFailed, match="Unknown role"):
        create_user(session, None, "x", "X", "boss", PASSWORD)
    create_user(session, None, "x", "X", "clerk", PASSWORD)
    with pytest.raises(ValidationFailed, match="taken"):
        create_user(session, None, "X", "X", "clerk", PASSWORD)


def test_five_failures_lock_for_fifteen_minutes_then_unlock(session) -> None:
    create_user(session, None, "anna", "Анна", "clerk", PASSWORD)
    session.commit()
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            check_password(session, "anna", "nope", now=now)
    with pytest.raises(AuthenticationFailed, match="locked .* until 12:15"):  # Moscow is UTC+3
        check_password(session, "anna", "nope", now=now)
    session.commit()
    with pytest.raises(AuthenticationFailed, match="locked"):
        check_password(session, "anna", PASSWORD, now=now + dt.timedelta(minutes=14))
    step = check_password(session, "anna", PASSWORD, now=now + dt.timedelta(minutes=16))
    assert not step.needs_code


def test_admin_unlocks_and_clerk_cannot(session) -> None:
    admin = make_user(session, "admin")
    clerk = make_user(session, "clerk")
    user = create_user(session, None, "boris", "Борис", "clerk", PASSWORD)
    now = dt.datetime.now(dt.UTC)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            check_password(session, "boris", "bad", now=now)
    with pytest.raises(PermissionDenied, match="user.admin"):
        unlock(session, clerk, user.id)
    unlock(session, admin, user.id)
    assert check_password(session, "boris", PASSWORD, now=now).user_id == user.id


def test_deactivated_user_cannot_log_in(session) -> None:
    admin = make_user(session, "admin")
    user = create_user(session, None, "vera", "Вера", "clerk", PASSWORD)
    set_active(session, admin, user.id, False)
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        check_password(session, "vera", PASSWORD)
    with pytest.raises(ValidationFailed, match="your own"):
        set_active(session, admin, admin.id, False)


def test_head_must_enrol_then_uses_codes(session) -> None:
    user = create_user(session, None, "head1", "Глава", "head", PASSWORD)
    session.commit()
    step = check_password(session, "head1", PASSWORD)
    assert step.needs_enrolment and not step.needs_code
    secret, uri = start_enrolment(session, user.id)
    assert uri.startswith("otpauth://totp/") and "Cessio" in uri
    with pytest.raises(AuthenticationFailed, match="Wrong code"):
        finish_enrolment(session, user.id, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    finish_enrolment(session, user.id, pyotp.TOTP(secret).now())
    session.commit()
    step = check_password(session, "head1", PASSWORD)
    assert step.needs_code and not step.needs_enrolment
    with pytest.raises(AuthenticationFailed, match="Wrong code"):
        verify_totp(session, user.id, "12345x")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)  # the enrolment code is spent
    assert verify_totp(session, user.id, pyotp.TOTP(secret).at(later), now=later).id == user.id


def test_reset_mfa_forces_new_enrolment(session) -> None:
    admin = make_user(session, "admin")
    user = create_user(session, None, "head2", "Глава 2", "head", PASSWORD)
    secret, _ = start_enrolment(session, user.id)
    finish_enrolment(session, user.id, pyotp.TOTP(secret).now())
    reset_mfa(session, admin, user.id)
    assert check_password(session, "head2", PASSWORD).needs_enrolment

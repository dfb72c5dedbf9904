"""Issue #19, item 9: sessions end on the server (sign-out everywhere, a copied cookie is dead, an
absolute lifetime), a TOTP code works once, unknown users are answered like known ones, and the
lockout slows an attacker without locking the owner out for long."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy.orm import Session

from core.auth import service as auth_service
from core.auth.service import check_password, create_user, unlock, verify_totp
from core.auth.sessions import (
    ENDED_EXPIRED,
    ENDED_IDLE,
    ENDED_REVOKED,
    LiveSession,
    check_session,
    cookie_value,
    revoke_session,
    session_id_of,
    start_session,
)
from core.errors import AuthenticationFailed
from tests.factories import make_user

PASSWORD = "owner-passw0rd"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_sign_out_kills_the_cookie_everywhere(session: Session) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk, NOW)
    session.commit()
    cookie = cookie_value(started.session_id)
    copied = str(cookie)  # e.g. read off another tab, a proxy log or a stolen laptop
    assert isinstance(check_session(session, session_id_of(cookie), NOW), LiveSession)
    revoke_session(session, session_id_of(cookie), "signout", NOW)
    session.commit()
    assert check_session(session, session_id_of(copied), NOW + dt.timedelta(seconds=5)) == ENDED_REVOKED


def test_a_forged_cookie_is_refused(session: Session) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk, NOW)
    session.commit()
    # someone who read the session id from the database (a backup) still lacks the secret key
    assert session_id_of(started.session_id + ".forged-signature") is None
    assert session_id_of(cookie_value(started.session_id, secret="another key")) is None


def test_an_active_session_still_ends_after_the_absolute_lifetime(session: Session) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk, NOW)
    session.commit()
    moment = NOW
    while moment < NOW + dt.timedelta(hours=11, minutes=50):  # busy all day, a click every 10 minutes
        moment += dt.timedelta(minutes=10)
        assert isinstance(check_session(session, started.session_id, moment), LiveSession)
        session.commit()
    assert check_session(session, started.session_id, NOW + dt.timedelta(hours=12, minutes=1)) == ENDED_EXPIRED


def test_an_idle_session_ends_on_the_server_too(session: Session) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk, NOW)
    session.commit()
    assert check_session(session, started.session_id, NOW + dt.timedelta(minutes=31)) == ENDED_IDLE


def _enrolled_head(session: Session) -> tuple[int, str]:
    head = create_user(session, None, "hanna", "Ганна", "head", PASSWORD)
    secret = pyotp.random_base32()
    head.totp_secret = secret
    head.mfa_enrolled = True
    session.commit()
    return head.id, secret


def test_a_totp_code_works_only_once(session: Session) -> None:
    head_id, secret = _enrolled_head(session)
    code = pyotp.TOTP(secret).at(NOW)
    assert verify_totp(session, head_id, code, now=NOW).id == head_id
    session.commit()
    # the same code again within its 30-second window (shoulder-surfed, or replayed from a log)
    with pytest.raises(AuthenticationFailed, match="Wrong code"):
        verify_totp(session, head_id, code, now=NOW + dt.timedelta(seconds=10))
    session.commit()
    # an older code of the window is refused too; the next step's code is accepted
    with pytest.raises(AuthenticationFailed, match="Wrong code"):
        verify_totp(session, head_id, pyotp.TOTP(secret).at(NOW - dt.timedelta(seconds=30)), now=NOW)
    later = NOW + dt.timedelta(seconds=30)
    assert verify_totp(session, head_id, pyotp.TOTP(secret).at(later), now=later).id == head_id


def test_unknown_users_get_the_same_answer_after_the_same_work(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user(session, None, "olga", "Ольга", "clerk", PASSWORD)
    session.commit()
    checks: list[str] = []
    real = auth_service._password_matches

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password_hash[:9])
        return real(password_hash, password)

    monkeypatch.setattr(auth_service, "_password_matches", counting)
    answers = []
    for username in ("olga", "nobody"):
        with pytest.raises(AuthenticationFailed) as exc:
            check_password(session, username, "wrong-password", now=NOW, source="10.0.0.7")
        answers.append(str(exc.value))
    assert answers[0] == answers[1] == "Wrong username or password."
    assert checks == ["$argon2id", "$argon2id"]  # an argon2 verification for the unknown user too
    # and the lock after five tries reads the same for both (argon2's cost is not the subject here)
    monkeypatch.setattr(auth_service, "_password_matches", lambda stored, password: False)
    locks = []
    for username in ("olga", "nobody"):
        for _ in range(4):
            with pytest.raises(AuthenticationFailed):
                check_password(session, username, "wrong-password", now=NOW, source="10.0.0.8")
        with pytest.raises(AuthenticationFailed) as exc:
            check_password(session, username, "wrong-password", now=NOW, source="10.0.0.8")
        locks.append(str(exc.value))
    assert locks[0] == locks[1] and "locked" in locks[0]


@pytest.fixture
def quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """The throttle tests make a hundred attempts: compare passwords without argon2's cost."""
    monkeypatch.setattr(auth_service, "hash_password", lambda password: "plain:" + password)
    monkeypatch.setattr(auth_service, "_password_matches", lambda stored, password: stored == "plain:" + password)


@pytest.mark.usefixtures("quick_passwords")
def test_an_attacker_elsewhere_does_not_lock_the_owner_out(session: Session) -> None:
    create_user(session, None, "admin1", "Админ", "admin", PASSWORD)
    session.commit()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            check_password(session, "admin1", "guess", now=NOW, source="203.0.113.9")
    session.commit()
    with pytest.raises(AuthenticationFailed, match="locked"):  # the attacker's address waits
        check_password(session, "admin1", PASSWORD, now=NOW + dt.timedelta(minutes=1), source="203.0.113.9")
    # the owner at the office signs in at once
    step = check_password(session, "admin1", PASSWORD, now=NOW + dt.timedelta(minutes=1), source="10.1.1.20")
    assert step.needs_enrolment


@pytest.mark.usefixtures("quick_passwords")
def test_one_source_spraying_many_accounts_is_paused(session: Session) -> None:
    for n in range(5):
        create_user(session, None, f"user{n}", f"User {n}", "clerk", PASSWORD)
    session.commit()
    refused = ""
    for n in range(20):
        try:
            check_password(session, f"user{n % 5}", "Winter2026!", now=NOW, source="198.51.100.4")
        except AuthenticationFailed as exc:
            refused = str(exc)
    assert "paused" in refused
    with pytest.raises(AuthenticationFailed, match="paused"):
        check_password(session, "user0", PASSWORD, now=NOW + dt.timedelta(minutes=5), source="198.51.100.4")
    assert check_password(session, "user0", PASSWORD, now=NOW + dt.timedelta(minutes=16), source="198.51.100.4")


@pytest.mark.usefixtures("quick_passwords")
def test_a_distributed_attack_locks_the_account_for_an_hour_only(session: Session) -> None:
    admin = make_user(session, "admin")
    target = create_user(session, None, "boss", "Босс", "clerk", PASSWORD)
    session.commit()
    for n in range(50):  # fifty addresses, one guess each
        with pytest.raises(AuthenticationFailed):
            check_password(session, "boss", "guess", now=NOW, source=f"192.0.2.{n}")
    session.commit()
    with pytest.raises(AuthenticationFailed, match="paused"):
        check_password(session, "boss", PASSWORD, now=NOW + dt.timedelta(minutes=30), source="10.1.1.20")
    # the longer lock ends by itself ...
    assert check_password(session, "boss", PASSWORD, now=NOW + dt.timedelta(minutes=61), source="10.1.1.20")
    # ... and an administrator can end it at once
    for n in range(50):
        with pytest.raises(AuthenticationFailed):
            check_password(session, "boss", "guess", now=NOW + dt.timedelta(hours=2), source=f"192.0.2.{n}")
    unlock(session, admin, target.id)
    assert check_password(session, "boss", PASSWORD, now=NOW + dt.timedelta(hours=2), source="10.1.1.20")

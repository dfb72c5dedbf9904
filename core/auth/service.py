"""Login, MFA enrolment and user administration.

Login is two steps: ``check_password`` then, for users with MFA, ``verify_totp``. Failed
attempts (password or code) are counted per account and source address together, per source
and per account (docs/security.md, "Sign-in throttling"): five from one place lock that place
out of the account for 15 minutes, twenty from one place on any accounts pause that place, and
fifty on one account from everywhere lock the account for an hour. Every lock ends by itself,
and an attacker elsewhere cannot lock the owner out for longer than that.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.crypto import UNREADABLE
from core.auth.models import AuthThrottle, User
from core.auth.permissions import MFA_REQUIRED_ROLES, Actor, Permission, Role, require
from core.auth.sessions import revoke_all_sessions
from core.config import get_settings
from core.db import utcnow
from core.errors import AuthenticationFailed, NotFound, ValidationFailed
from core.i18n import LANGUAGES, _

MAX_FAILED_LOGINS = 5  # from one source on one account, within PAIR_WINDOW: a short lock
LOCKOUT = dt.timedelta(minutes=15)
PAIR_WINDOW = dt.timedelta(hours=1)
SOURCE_MAX_FAILURES = 20  # from one source on any accounts (password spraying), within SOURCE_WINDOW
SOURCE_WINDOW = dt.timedelta(hours=1)
SOURCE_LOCKOUT = dt.timedelta(minutes=15)
ACCOUNT_MAX_FAILURES = 50  # on one account from all sources together, within ACCOUNT_WINDOW
ACCOUNT_WINDOW = dt.timedelta(hours=24)
ACCOUNT_LOCKOUT = dt.timedelta(hours=1)  # the longer account lock; it ends by itself
ISSUER = "Cessio"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
LOCAL_SOURCE = "local"

_hasher = PasswordHasher()
# compared against when the username is unknown, so an unknown user costs the same argon2 time
_DUMMY_HASH = _hasher.hash("cessio: no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginStep:
    """What the login screen must do next for this user."""

    user_id: int
    needs_code: bool
    needs_enrolment: bool


def _validate_password(password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed(_("The password must have at least 8 characters."), {"password": "too short"})


def create_user(session: Session, actor: Actor | None, username: str, full_name: str, role: str, password: str) -> User:
    """Create a user. ``actor`` None is the bootstrap path used by the CLI and the demo."""
    if actor is not None:
        require(actor, Permission.USER_ADMIN)
    username = username.strip().lower()
    if not username:
        raise ValidationFailed(_("The username is empty."), {"username": "required"})
    if not USERNAME.match(username):
        # shown on screens and in the audit log: plain characters only, never markup
        raise ValidationFailed(
            _("A username has up to 64 Latin letters, digits, dots, hyphens or underscores."),
            {"username": "characters"},
        )
    try:
        Role(role)
    except ValueError:
        raise ValidationFailed(
            _("Unknown role '{role}'. Choose one of: {items}.").format(
                role=role, items=", ".join(r.value for r in Role)
            ),
            {"role": role},
        ) from None
    _validate_password(password)
    if session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise ValidationFailed(
            _("The username '{username}' is taken.").format(username=username), {"username": "taken"}
        )
    user = User(
        username=username,
        full_name=full_name.strip() or username,
        role=role,
        password_hash=hash_password(password),
        is_active=True,
        failed_logins=0,
        mfa_enrolled=False,
    )
    session.add(user)
    session.flush()
    record_audit(session, actor, "user.create", "user", user.id, {"username": username, "role": role})
    return user


def _until_text(until: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    tz = get_settings().timezone
    return f"{until.astimezone(ZoneInfo(tz)):%H:%M} ({tz})"


def _locked_message(until: dt.datetime) -> str:
    return _(
        "The account is locked after {failures} failed attempts until {until}. "
        "Try again then, or ask an administrator to unlock it."
    ).format(failures=MAX_FAILED_LOGINS, until=_until_text(until))


def _paused_message(until: dt.datetime) -> str:
    return _(
        "Too many failed sign-in attempts. Signing in is paused until {until}. Try again then, or ask an administrator."
    ).format(until=_until_text(until))


def _keys(username: str, source: str | None) -> dict[str, str]:
    """The throttle keys of one attempt: the account and source together, the source alone,
    the account alone. Unknown usernames get keys too, so they answer exactly like real ones."""
    src = (source or LOCAL_SOURCE)[:64]
    name = username[:64]
    return {"pair": f"pair:{name}\x1f{src}", "source": f"src:{src}", "account": f"acct:{name}"}


def _throttle_rows(session: Session, keys: dict[str, str]) -> dict[str, AuthThrottle]:
    rows = session.scalars(select(AuthThrottle).where(AuthThrottle.key.in_(list(keys.values())))).all()
    by_key = {r.key: r for r in rows}
    return {kind: by_key[key] for kind, key in keys.items() if key in by_key}


def _check_throttle(session: Session, username: str, source: str | None, user: User | None, now: dt.datetime) -> None:
    """Refuse at once (without looking at the password) while any lock of this attempt holds."""
    rows = _throttle_rows(session, _keys(username, source))
    pair = rows.get("pair")
    if pair is not None and pair.locked_until and pair.locked_until > now:
        raise AuthenticationFailed(_locked_message(pair.locked_until))
    locks = [r.locked_until for r in rows.values() if r.locked_until and r.locked_until > now]
    if user is not None and user.locked_until and user.locked_until > now:
        locks.append(user.locked_until)
    if locks:
        raise AuthenticationFailed(_paused_message(max(locks)))


def _register_failure(
    session: Session, username: str, source: str | None, user: User | None, now: dt.datetime, what: str
) -> None:
    """Count a failed attempt on its three keys; lock what crossed its limit and say so.

    Always raises ``AuthenticationFailed``: with the lock message when this failure locked the
    pair, the source or the account, else with the same message for every wrong answer.
    """
    limits = {
        "pair": (MAX_FAILED_LOGINS, PAIR_WINDOW, LOCKOUT),
        "source": (SOURCE_MAX_FAILURES, SOURCE_WINDOW, SOURCE_LOCKOUT),
        "account": (ACCOUNT_MAX_FAILURES, ACCOUNT_WINDOW, ACCOUNT_LOCKOUT),
    }
    # forget counters nobody needs any more (made-up usernames must not grow the table forever)
    session.execute(
        delete(AuthThrottle).where(
            AuthThrottle.first_failure_at < now - ACCOUNT_WINDOW,
            or_(AuthThrottle.locked_until.is_(None), AuthThrottle.locked_until < now),
        )
    )
    keys = _keys(username, source)
    rows = _throttle_rows(session, keys)
    locked: dict[str, dt.datetime] = {}
    for kind, key in keys.items():
        limit, window, lock = limits[kind]
        row = rows.get(kind)
        if row is None:
            row = AuthThrottle(key=key, failures=0, first_failure_at=now)
            session.add(row)
        elif now - row.first_failure_at > window:
            row.failures, row.first_failure_at = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + lock
            row.failures, row.first_failure_at = 0, now
            locked[kind] = row.locked_until
    record_audit(
        session,
        None,
        "auth.failed",
        "user",
        user.id if user else None,
        {"username": username[:64], "step": what, "source": source},
    )
    if user is not None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if "account" in locked:
            user.locked_until = locked["account"]
    if locked:
        record_audit(
            session,
            None,
            "auth.locked",
            "user",
            user.id if user else None,
            {"username": username[:64], "source": source, "locks": sorted(locked)},
        )
    session.flush()
    if "pair" in locked:
        raise AuthenticationFailed(_locked_message(locked["pair"]))
    if locked:
        raise AuthenticationFailed(_paused_message(max(locked.values())))
    if what == "password":
        raise AuthenticationFailed(_("Wrong username or password."))
    if what == "enrolment":
        raise AuthenticationFailed(_("Wrong code. Scan the QR code again and enter the current 6-digit code."))
    raise AuthenticationFailed(_("Wrong code. Use the current 6-digit code from your authenticator app."))


def _check_active(user: User) -> None:
    if not user.is_active:
        raise AuthenticationFailed(_("This account is deactivated. Ask an administrator to reactivate it."))


def check_password(
    session: Session, username: str, password: str, now: dt.datetime | None = None, source: str | None = None
) -> LoginStep:
    """First login step. The caller commits even when this raises (failures are counted).

    An unknown username gets the same answer, after the same argon2 work and the same writes, as
    a wrong password: nobody learns from the sign-in screen which accounts exist. Whether an
    account is deactivated is told only to someone who knows its password.
    """
    now = now or utcnow()
    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    _check_throttle(session, name, source, user, now)
    matches = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not matches:
        _register_failure(session, name, source, user, now, "password")
    assert user is not None
    _check_active(user)
    needs_enrolment = Role(user.role) in MFA_REQUIRED_ROLES and not user.mfa_enrolled
    needs_code = user.mfa_enrolled
    if not needs_code and not needs_enrolment:
        _login_succeeded(session, user, now, source)
    return LoginStep(user.id, needs_code=needs_code, needs_enrolment=needs_enrolment)


def _login_succeeded(session: Session, user: User, now: dt.datetime, source: str | None = None) -> None:
    """A completed login clears the counters of this account at this source (not the others)."""
    keys = _keys(user.username, source)
    session.execute(delete(AuthThrottle).where(AuthThrottle.key.in_([keys["pair"], keys["source"]])))
    user.failed_logins = 0
    user.last_login_at = now
    # the person signing in did it (the audit log names them, not "system")
    record_audit(session, user, "auth.login", "user", user.id, {"username": user.username, "source": source})
    session.flush()


def _accept_code(session: Session, user: User, code: str, now: dt.datetime) -> bool:
    """True when ``code`` is the code of the current 30-second step or a neighbour AND that step
    is later than the last accepted one: a code works once (RFC 6238, section 5.2)."""
    secret = user.totp_secret
    if not secret or secret == UNREADABLE:
        return False
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    step = int(totp.timecode(now))
    for candidate in (step - 1, step, step + 1):
        if candidate <= (user.totp_last_step if user.totp_last_step is not None else -1):
            continue
        expected = totp.generate_otp(candidate)
        if hmac.compare_digest(expected, code):
            # the step is taken in the same statement that checks it, so two requests with the same
            # code cannot both pass (the second one finds the step already used)
            taken = session.execute(
                update(User)
                .where(User.id == user.id)
                .where(or_(User.totp_last_step.is_(None), User.totp_last_step < candidate))
                .values(totp_last_step=candidate)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:
                user.totp_last_step = candidate
                session.flush()
                return True
            return False
    return False


def verify_totp(
    session: Session, user_id: int, code: str, now: dt.datetime | None = None, source: str | None = None
) -> User:
    """Second login step for enrolled users."""
    now = now or utcnow()
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise AuthenticationFailed(_("Unknown user."))
    _check_throttle(session, user.username, source, user, now)
    _check_active(user)
    if user.totp_secret == UNREADABLE:
        raise AuthenticationFailed(
            _("The authenticator of this account cannot be read with this installation's key. Ask an administrator.")
        )
    if not user.totp_secret or not user.mfa_enrolled:
        raise AuthenticationFailed(_("This account has no authenticator enrolled."))
    if not _accept_code(session, user, code, now):
        _register_failure(session, user.username, source, user, now, "totp")
    _login_succeeded(session, user, now, source)
    return user


def start_enrolment(session: Session, user_id: int) -> tuple[str, str]:
    """Give the user a new TOTP secret to scan; returns (secret, provisioning URI)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Unknown user.")
    if not user.totp_secret or user.totp_secret == UNREADABLE or user.mfa_enrolled:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
        user.mfa_enrolled = False
    session.flush()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return user.totp_secret, uri


def finish_enrolment(
    session: Session, user_id: int, code: str, now: dt.datetime | None = None, source: str | None = None
) -> User:
    """Confirm enrolment with a code from the app; that also completes this login."""
    now = now or utcnow()
    user = session.get(User, user_id, populate_existing=True)
    if user is None or not user.totp_secret or user.totp_secret == UNREADABLE:
        raise AuthenticationFailed(_("Start the authenticator enrolment first."))
    _check_throttle(session, user.username, source, user, now)
    _check_active(user)
    if not _accept_code(session, user, code, now):
        _register_failure(session, user.username, source, user, now, "enrolment")
    user.mfa_enrolled = True
    record_audit(session, user, "auth.mfa_enrolled", "user", user.id, {"username": user.username})
    _login_succeeded(session, user, now, source)
    return user


def _admin_target(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, Permission.USER_ADMIN)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("User #{user_id} does not exist.").format(user_id=user_id))
    return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    user = _admin_target(session, actor, user_id)
    if not active and user.id == actor.id:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    user.is_active = active
    if not active:
        revoke_all_sessions(session, user.id)
    record_audit(session, actor, "user.activate" if active else "user.deactivate", "user", user.id, {})
    session.flush()
    return user


def change_role(session: Session, actor: Actor, user_id: int, role: str) -> User:
    user = _admin_target(session, actor, user_id)
    try:
        Role(role)
    except ValueError:
        raise ValidationFailed(_("Unknown role '{role}'.").format(role=role)) from None
    old = user.role
    user.role = role
    record_audit(session, actor, "user.role", "user", user.id, {"from": old, "to": role})
    session.flush()
    return user


def reset_mfa(session: Session, actor: Actor, user_id: int) -> User:
    user = _admin_target(session, actor, user_id)
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enrolled = False
    revoke_all_sessions(session, user.id)
    record_audit(session, actor, "user.mfa_reset", "user", user.id, {})
    session.flush()
    return user


def unlock(session: Session, actor: Actor, user_id: int) -> User:
    user = _admin_target(session, actor, user_id)
    user.locked_until = None
    user.failed_logins = 0
    session.execute(
        delete(AuthThrottle).where(
            or_(
                AuthThrottle.key == f"acct:{user.username}",
                AuthThrottle.key.startswith(f"pair:{user.username}\x1f", autoescape=True),
            )
        )
    )
    record_audit(session, actor, "user.unlock", "user", user.id, {})
    session.flush()
    return user


def set_password(session: Session, actor: Actor, user_id: int, password: str) -> User:
    user = _admin_target(session, actor, user_id)
    _validate_password(password)
    user.password_hash = hash_password(password)
    revoke_all_sessions(session, user.id)
    record_audit(session, actor, "user.password", "user", user.id, {})
    session.flush()
    return user


def set_user_language(session: Session, actor: Actor, language: str | None) -> User:
    """The acting user's own interface language (None: follow the installation's)."""
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed(
            _("Unknown language '{language}'. Choose one of: {items}.").format(
                language=language, items=", ".join(LANGUAGES)
            )
        )
    user = session.get(User, actor.id) if actor.id is not None else None
    if user is None:
        raise NotFound(_("User #{user_id} does not exist.").format(user_id=actor.id))
    old = user.language
    user.language = language
    record_audit(session, actor, "user.language", "user", user.id, {"from": old, "to": language})
    session.flush()
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    require(actor, Permission.USER_ADMIN)
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)

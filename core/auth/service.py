"""Login, MFA enrolment and user administration.

Login is two steps: ``check_password`` then, for users with MFA, ``verify_totp``. Five failed
attempts (password or code) lock the account for 15 minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import MFA_REQUIRED_ROLES, Actor, Permission, Role, require
from core.config import get_settings
from core.db import utcnow
from core.errors import AuthenticationFailed, NotFound, ValidationFailed
from core.i18n import LANGUAGES, _, ngettext

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
ISSUER = "Cessio"

_hasher = PasswordHasher()


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


def _locked_message(user: User, now: dt.datetime) -> str:
    tz = get_settings().timezone
    from zoneinfo import ZoneInfo

    until = user.locked_until.astimezone(ZoneInfo(tz)) if user.locked_until else now
    return _(
        "The account is locked after {failures} failed attempts until {until:%H:%M} ({tz}). "
        "Try again then, or ask an administrator to unlock it."
    ).format(failures=MAX_FAILED_LOGINS, until=until, tz=tz)


def _register_failure(session: Session, user: User, now: dt.datetime, what: str) -> None:
    user.failed_logins += 1
    record_audit(session, None, "auth.failed", "user", user.id, {"username": user.username, "step": what})
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + LOCKOUT
        user.failed_logins = 0
        record_audit(session, None, "auth.locked", "user", user.id, {"username": user.username})
        session.flush()
        raise AuthenticationFailed(_locked_message(user, now))
    session.flush()


def _check_usable(user: User, now: dt.datetime) -> None:
    if not user.is_active:
        raise AuthenticationFailed(_("This account is deactivated. Ask an administrator to reactivate it."))
    if user.locked_until and user.locked_until > now:
        raise AuthenticationFailed(_locked_message(user, now))


def check_password(session: Session, username: str, password: str, now: dt.datetime | None = None) -> LoginStep:
    """First login step. The caller commits even when this raises (failures are counted)."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise AuthenticationFailed(_("Wrong username or password."))
    _check_usable(user, now)
    if not _password_matches(user.password_hash, password):
        _register_failure(session, user, now, "password")
        left = MAX_FAILED_LOGINS - user.failed_logins
        raise AuthenticationFailed(
            ngettext(
                "Wrong username or password. {n} attempt left before a 15-minute lock.",
                "Wrong username or password. {n} attempts left before a 15-minute lock.",
                left,
            ).format(n=left)
        )
    needs_enrolment = Role(user.role) in MFA_REQUIRED_ROLES and not user.mfa_enrolled
    needs_code = user.mfa_enrolled
    if not needs_code and not needs_enrolment:
        _login_succeeded(session, user, now)
    return LoginStep(user.id, needs_code=needs_code, needs_enrolment=needs_enrolment)


def _login_succeeded(session: Session, user: User, now: dt.datetime) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    # the person signing in did it (the audit log names them, not "system")
    record_audit(session, user, "auth.login", "user", user.id, {"username": user.username})
    session.flush()


def verify_totp(session: Session, user_id: int, code: str, now: dt.datetime | None = None) -> User:
    """Second login step for enrolled users."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise AuthenticationFailed(_("Unknown user."))
    _check_usable(user, now)
    if not user.totp_secret or not user.mfa_enrolled:
        raise AuthenticationFailed(_("This account has no authenticator enrolled."))
    if not pyotp.TOTP(user.totp_secret).verify(code.strip().replace(" ", ""), for_time=now, valid_window=1):
        _register_failure(session, user, now, "totp")
        raise AuthenticationFailed(_("Wrong code. Use the current 6-digit code from your authenticator app."))
    _login_succeeded(session, user, now)
    return user


def start_enrolment(session: Session, user_id: int) -> tuple[str, str]:
    """Give the user a new TOTP secret to scan; returns (secret, provisioning URI)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("Unknown user."))
    if not user.totp_secret or user.mfa_enrolled:
        user.totp_secret = pyotp.random_base32()
        user.mfa_enrolled = False
    session.flush()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return user.totp_secret, uri


def finish_enrolment(session: Session, user_id: int, code: str, now: dt.datetime | None = None) -> User:
    """Confirm enrolment with a code from the app; that also completes this login."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None or not user.totp_secret:
        raise AuthenticationFailed(_("Start the authenticator enrolment first."))
    _check_usable(user, now)
    if not pyotp.TOTP(user.totp_secret).verify(code.strip().replace(" ", ""), for_time=now, valid_window=1):
        _register_failure(session, user, now, "enrolment")
        raise AuthenticationFailed(_("Wrong code. Scan the QR code again and enter the current 6-digit code."))
    user.mfa_enrolled = True
    record_audit(session, user, "auth.mfa_enrolled", "user", user.id, {"username": user.username})
    _login_succeeded(session, user, now)
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
    user.mfa_enrolled = False
    record_audit(session, actor, "user.mfa_reset", "user", user.id, {})
    session.flush()
    return user


def unlock(session: Session, actor: Actor, user_id: int) -> User:
    user = _admin_target(session, actor, user_id)
    user.locked_until = None
    user.failed_logins = 0
    record_audit(session, actor, "user.unlock", "user", user.id, {})
    session.flush()
    return user


def set_password(session: Session, actor: Actor, user_id: int, password: str) -> User:
    user = _admin_target(session, actor, user_id)
    _validate_password(password)
    user.password_hash = hash_password(password)
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

"""Server-side sign-in sessions: what the browser's HttpOnly cookie stands for.

A completed login creates an ``AuthSession`` row with a random id. The browser keeps
``<id>.<HMAC-SHA256(secret key, id)>`` in an HttpOnly cookie, which page scripts cannot read
(docs/security.md explains how the cookie gets there without passing through a script). The
server accepts a cookie only while its row is not revoked, not past its absolute lifetime
(``Settings.session_absolute_hours``), not idle for longer than ``Settings.session_idle_minutes``
and the user's fingerprint (password, TOTP secret, role, active flag) is unchanged. Signing out
revokes the row, so the same cookie in another tab, another browser or an attacker's hands is
dead at its next request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.models import AuthSession, User
from core.config import get_settings
from core.db import utcnow

HANDOFF_TTL = dt.timedelta(seconds=60)
# last_seen_at is written at most this often (activity in the last minute is not worth a write)
TOUCH_EVERY = dt.timedelta(seconds=60)


def user_fingerprint(user: User) -> str:
    """A hash of what an administrator changes to cut a user off: a new password, an MFA reset,
    a role change or a deactivation ends every session of the user at once."""
    material = "\x1f".join((user.password_hash, user.totp_secret or "", user.role, "1" if user.is_active else "0"))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _sign(session_id: str, secret: str | None = None) -> str:
    key = (secret or get_settings().secret_key.get_secret_value()).encode()
    digest = hmac.new(key, b"session:" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def cookie_value(session_id: str, secret: str | None = None) -> str:
    return f"{session_id}.{_sign(session_id, secret)}"


def session_id_of(cookie: str | None, secret: str | None = None) -> str | None:
    """The session id of a genuinely signed cookie; None for anything else (never raises)."""
    if not cookie or cookie.count(".") != 1:
        return None
    session_id, signature = cookie.split(".")
    if not session_id or not hmac.compare_digest(signature, _sign(session_id, secret)):
        return None
    return session_id


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    session_id: str
    handoff: str  # one-time code the page exchanges for the HttpOnly cookie


def start_session(
    session: Session, user: User, now: dt.datetime | None = None, source: str | None = None
) -> NewSession:
    """Record a completed sign-in; the caller commits."""
    now = now or utcnow()
    settings = get_settings()
    session_id = secrets.token_urlsafe(32)
    handoff = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            id=session_id,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
            fingerprint=user_fingerprint(user),
            handoff_hash=_hash(handoff),
            handoff_expires_at=now + HANDOFF_TTL,
            source=(source or "")[:64] or None,
        )
    )
    session.flush()
    return NewSession(session_id, handoff)


def redeem_handoff(session: Session, handoff: str, now: dt.datetime | None = None) -> str | None:
    """The cookie value for a fresh, unused handoff code; the code is spent (single use)."""
    now = now or utcnow()
    if not handoff or len(handoff) > 128:
        return None
    row = session.scalar(select(AuthSession).where(AuthSession.handoff_hash == _hash(handoff)).with_for_update())
    if row is None or row.revoked_at is not None or row.handoff_expires_at is None or row.handoff_expires_at < now:
        return None
    spent = session.execute(
        update(AuthSession)
        .where(AuthSession.id == row.id, AuthSession.handoff_hash == _hash(handoff))
        .values(handoff_hash=None, handoff_expires_at=None)
    )
    if spent.rowcount != 1:  # redeemed concurrently
        return None
    return cookie_value(row.id)


@dataclass(frozen=True)
class LiveSession:
    row: AuthSession
    user: User


# why a session is no longer usable (the UI words each one for the person)
ENDED_UNKNOWN = "unknown"
ENDED_REVOKED = "revoked"
ENDED_EXPIRED = "expired"
ENDED_IDLE = "idle"
ENDED_ACCOUNT = "account"


def check_session(
    session: Session, session_id: str | None, now: dt.datetime | None = None, *, touch: bool = True
) -> LiveSession | str:
    """The session and its user while the session may be used, else why it ended (``ENDED_*``).

    Ended: unknown, revoked (signed out anywhere), past the absolute lifetime, idle too long,
    or the user deactivated or changed by an administrator. ``touch`` records the activity (at
    most once a minute, so a busy user costs one small write a minute).
    """
    if not session_id:
        return ENDED_UNKNOWN
    now = now or utcnow()
    row = session.get(AuthSession, session_id, populate_existing=True)
    if row is None:
        return ENDED_UNKNOWN
    if row.revoked_at is not None:
        return ENDED_REVOKED
    if row.expires_at <= now:
        return ENDED_EXPIRED
    if now - row.last_seen_at > dt.timedelta(minutes=get_settings().session_idle_minutes):
        return ENDED_IDLE
    user = session.get(User, row.user_id, populate_existing=True)
    if user is None or not user.is_active or user_fingerprint(user) != row.fingerprint:
        return ENDED_ACCOUNT
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        session.execute(
            update(AuthSession)
            .where(AuthSession.id == row.id, AuthSession.revoked_at.is_(None))
            .values(last_seen_at=now)
        )
    return LiveSession(row, user)


def revoke_session(session: Session, session_id: str | None, reason: str, now: dt.datetime | None = None) -> bool:
    """End one sign-in everywhere (sign-out, idle limit); True when it was live."""
    if not session_id:
        return False
    now = now or utcnow()
    row = session.get(AuthSession, session_id)
    if row is None or row.revoked_at is not None:
        return False
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, handoff_hash=None, handoff_expires_at=None)
    )
    record_audit(session, None, "auth.signout", "user", row.user_id, {"reason": reason})
    return True


def revoke_all_sessions(session: Session, user_id: int, now: dt.datetime | None = None) -> int:
    """End every sign-in of a user (used by administrators and after a password change)."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), handoff_hash=None, handoff_expires_at=None)
    )
    return int(result.rowcount or 0)

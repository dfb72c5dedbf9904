"""The users table, server-side sign-in sessions and the sign-in throttle.

Roles and permissions are code (``permissions.py``), not rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.auth.crypto import EncryptedSecret
from core.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # sealed with the installation's data key (core.auth.crypto), never stored in clear
    totp_secret: Mapped[str | None] = mapped_column(EncryptedSecret())
    # the 30-second step of the last accepted code: a code is accepted once (no replay)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    mfa_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the interface language the user chose (core.i18n.LANGUAGES); None: the installation's
    language: Mapped[str | None] = mapped_column(String(8))


class AuthSession(Base):
    """One sign-in: what the browser's HttpOnly cookie points at (``core.auth.sessions``).

    The id is random; the cookie carries it with an HMAC of the secret key, so a copy of the
    database alone does not make a usable cookie. Signing out sets ``revoked_at`` and every tab
    and every copy of the cookie is dead at its next request.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(String(64))
    # one-time code the page exchanges for the cookie (sha256 of it), valid for a minute
    handoff_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    handoff_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str | None] = mapped_column(String(64))


class AuthThrottle(Base):
    """Failed sign-in attempts per key: an account, a source address, or the pair of both."""

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

"""The signed, expiring sign-in token that lets a login survive a browser refresh.

Streamlit keeps the signed-in user in server-side session state, which a refresh throws away.
The browser therefore keeps a cookie with ``user id . expiry . fingerprint . signature``
(HMAC-SHA256 with ``Settings.secret_key``). The fingerprint is a hash of what an administrator
changes to cut a user off (password hash, TOTP secret, role, active flag), so a password reset,
an MFA reset, a role change or a deactivation invalidates every outstanding token at once.
The role itself is never taken from the token: it is read from the database on every rerun.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from core.config import get_settings

COOKIE_NAME = "cessio_session"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    expires_at: dt.datetime
    fingerprint: str


def user_fingerprint(password_hash: str, totp_secret: str | None, role: str, is_active: bool) -> str:
    material = "\x1f".join((password_hash, totp_secret or "", role, "1" if is_active else "0"))
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def _signature(payload: str, secret: str | None = None) -> str:
    key = (secret or get_settings().secret_key.get_secret_value()).encode()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_token(user_id: int, fingerprint: str, expires_at: dt.datetime, secret: str | None = None) -> str:
    payload = f"{user_id}.{int(expires_at.timestamp())}.{fingerprint}"
    return f"{payload}.{_signature(payload, secret)}"


def read_token(token: str | None, now: dt.datetime, secret: str | None = None) -> TokenClaims | None:
    """The claims of a genuine, unexpired token; None for anything else (never raises)."""
    if not token or token.count(".") != 3:
        return None
    user_part, exp_part, fingerprint, signature = token.split(".")
    payload = f"{user_part}.{exp_part}.{fingerprint}"
    if not hmac.compare_digest(signature, _signature(payload, secret)):
        return None
    if not (user_part.isdigit() and exp_part.isdigit()):
        return None
    expires_at = dt.datetime.fromtimestamp(int(exp_part), tz=dt.UTC)
    if expires_at <= now:
        return None
    return TokenClaims(int(user_part), expires_at, fingerprint)

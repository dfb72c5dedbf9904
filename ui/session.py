"""The signed-in session: sign in and out, the 30-minute idle limit, and the refresh cookie.

Session state is server-side and per browser tab; a refresh starts a new one, so the browser
also keeps a signed, expiring cookie (``ui.token``). The cookie's expiry is the idle limit and
is renewed while the user works. On every rerun the user row is read again, so a deactivation,
a password or MFA reset or a role change takes effect at the user's next click.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import streamlit as st

from core.auth.models import User
from core.auth.service import get_user
from core.config import get_settings
from core.db import utcnow
from core.i18n import _, ngettext
from ui.context import SignedInUser, db
from ui.token import COOKIE_NAME, issue_token, read_token, user_fingerprint

USER_KEY = "user"
_LAST_SEEN = "_session_last_seen"
_FINGERPRINT = "_session_fingerprint"
_TOKEN = "_session_token"
_TOKEN_ISSUED = "_session_token_issued"
_REVOKED = "_session_revoked_tokens"
_NOTICE = "_session_notice"
_RENEW_EVERY = dt.timedelta(minutes=2)


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=get_settings().session_idle_minutes)


def _fingerprint(user: User) -> str:
    return user_fingerprint(user.password_hash, user.totp_secret, user.role, user.is_active)


def _usable(user: User | None, now: dt.datetime) -> bool:
    return bool(user and user.is_active and not (user.locked_until and user.locked_until > now))


def sign_in(user: User, now: dt.datetime | None = None) -> SignedInUser:
    """Remember ``user`` (after a completed login) in this session and in the browser."""
    now = now or utcnow()
    signed = SignedInUser(user.id, user.username, user.full_name, user.role, user.language)
    st.session_state[USER_KEY] = signed
    st.session_state[_LAST_SEEN] = now
    st.session_state[_FINGERPRINT] = _fingerprint(user)
    _issue_cookie(user.id, st.session_state[_FINGERPRINT], now)
    st.session_state.pop(_NOTICE, None)
    return signed


def _issue_cookie(user_id: int, fingerprint: str, now: dt.datetime) -> None:
    st.session_state[_TOKEN] = issue_token(user_id, fingerprint, now + idle_limit())
    st.session_state[_TOKEN_ISSUED] = now


def sign_out(notice: str | None = None) -> None:
    """Forget the user here and in the browser; ``notice`` is shown on the sign-in screen."""
    revoked: set[str] = set(st.session_state.get(_REVOKED, set()))
    for token in (st.session_state.get(_TOKEN), st.context.cookies.get(COOKIE_NAME)):
        if token:
            revoked.add(token)
    # forget everything of this user (filters, selections, open forms): the next person at this
    # browser starts clean
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_REVOKED] = revoked
    if notice:
        st.session_state[_NOTICE] = notice


def take_notice() -> str | None:
    return st.session_state.pop(_NOTICE, None)


def _restore_from_cookie(now: dt.datetime) -> SignedInUser | None:
    token = st.context.cookies.get(COOKIE_NAME)
    if not token or token in st.session_state.get(_REVOKED, set()):
        return None
    claims = read_token(token, now)
    if claims is None:
        return None
    with db() as session:
        user = get_user(session, claims.user_id)
        if not _usable(user, now) or user is None or _fingerprint(user) != claims.fingerprint:
            return None
        return sign_in(user, now)


def current_user(now: dt.datetime | None = None) -> SignedInUser | None:
    """The signed-in user for this rerun, after the idle limit and the account checks.

    Counts this rerun as activity. Returns None (and leaves a notice) when the session ended.
    """
    now = now or utcnow()
    signed = st.session_state.get(USER_KEY)
    if not isinstance(signed, SignedInUser):
        return _restore_from_cookie(now)
    last_seen = st.session_state.get(_LAST_SEEN) or now
    if now - last_seen > idle_limit():
        minutes = get_settings().session_idle_minutes
        sign_out(
            ngettext(
                "You were signed out after {n} minute without activity.",
                "You were signed out after {n} minutes without activity.",
                minutes,
            ).format(n=minutes)
        )
        return None
    with db() as session:
        user = get_user(session, signed.id)
        if not _usable(user, now) or user is None:
            sign_out(_("Your account was deactivated or locked. Ask an administrator."))
            return None
        fingerprint = _fingerprint(user)
        known = st.session_state.get(_FINGERPRINT)
        if known is not None and known != fingerprint:
            sign_out(_("Your account was changed by an administrator (password, MFA or role). Please sign in again."))
            return None
        refreshed = SignedInUser(user.id, user.username, user.full_name, user.role, user.language)
    st.session_state[USER_KEY] = refreshed
    st.session_state[_LAST_SEEN] = now
    st.session_state[_FINGERPRINT] = fingerprint
    issued = st.session_state.get(_TOKEN_ISSUED)
    if issued is None or now - issued >= _RENEW_EVERY:
        _issue_cookie(refreshed.id, fingerprint, now)
    return refreshed


def remember_language(language: str | None) -> None:
    """Use a just-chosen language from this rerun on (the account row has it for the next)."""
    signed = st.session_state.get(USER_KEY)
    if isinstance(signed, SignedInUser):
        st.session_state[USER_KEY] = replace(signed, language=language)


def seconds_until_idle(now: dt.datetime | None = None) -> float | None:
    last_seen = st.session_state.get(_LAST_SEEN)
    if last_seen is None:
        return None
    return (last_seen + idle_limit() - (now or utcnow())).total_seconds()


def cookie_script() -> str:
    """JavaScript that stores the current token in the browser, or deletes it when signed out.

    The content only changes when the token does, so Streamlit re-executes it only then.
    """
    token = st.session_state.get(_TOKEN)
    secure = "(location.protocol === 'https:' ? '; Secure' : '')"
    if token:
        max_age = int(idle_limit().total_seconds())
        value = json.dumps(f"{COOKIE_NAME}={token}; Path=/; Max-Age={max_age}; SameSite=Strict")
    else:
        value = json.dumps(f"{COOKIE_NAME}=; Path=/; Max-Age=0; SameSite=Strict")
    return f"<script>document.cookie = {value} + {secure};</script>"


def write_cookie() -> None:
    st.html(cookie_script(), unsafe_allow_javascript=True)

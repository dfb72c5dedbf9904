"""The signed-in session: sign in and out, the idle limit, the absolute lifetime, the cookie.

Session state is server-side and per browser tab; a refresh starts a new one. A completed login
therefore starts a server-side session (``core.auth.sessions``) and the browser receives its
HttpOnly cookie from the server (``ui.cookie_routes``): page scripts can neither read nor
write it. The page only holds a one-time handoff code for a moment, which the server exchanges
for the cookie. On every rerun the session row and the user row are read again, so a sign-out
in another tab, a deactivation, a password or MFA reset or a role change takes effect at the
user's next click.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import streamlit as st

from core.auth.models import User
from core.auth.service import get_user
from core.auth.sessions import (
    ENDED_ACCOUNT,
    ENDED_EXPIRED,
    ENDED_IDLE,
    ENDED_REVOKED,
    LiveSession,
    check_session,
    revoke_session,
    session_id_of,
    start_session,
    user_fingerprint,
)
from core.config import get_settings
from core.db import utcnow
from core.i18n import _, ngettext
from ui import cookie_routes
from ui.context import SignedInUser, db

USER_KEY = "user"
_LAST_SEEN = "_session_last_seen"
_FINGERPRINT = "_session_fingerprint"
_SID = "_session_id"
_HANDOFF = "_session_handoff"
_CLEAR_COOKIE = "_session_clear_cookie"
_NOTICE = "_session_notice"


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=get_settings().session_idle_minutes)


def client_source() -> str | None:
    """The address the browser connects from (None on this machine): the sign-in throttle's key."""
    try:
        address = st.context.ip_address
    except Exception:  # outside a browser session
        return None
    return address if isinstance(address, str) else None  # AppTest answers with a mock


def sign_in(user: User, now: dt.datetime | None = None) -> SignedInUser:
    """Remember ``user`` (after a completed login) in this tab and start the server-side session."""
    now = now or utcnow()
    with db() as session:
        started = start_session(session, user, now, client_source())
    signed = SignedInUser(user.id, user.username, user.full_name, user.role, user.language)
    st.session_state[USER_KEY] = signed
    st.session_state[_LAST_SEEN] = now
    st.session_state[_FINGERPRINT] = user_fingerprint(user)
    st.session_state[_SID] = started.session_id
    st.session_state[_HANDOFF] = started.handoff
    st.session_state.pop(_CLEAR_COOKIE, None)
    st.session_state.pop(_NOTICE, None)
    return signed


def sign_out(notice: str | None = None, reason: str = "signout") -> None:
    """End the session everywhere (every tab, every copy of the cookie) and forget the user here;
    ``notice`` is shown on the sign-in screen."""
    sid = st.session_state.get(_SID) or session_id_of(st.context.cookies.get(cookie_routes.COOKIE_NAME))
    if sid:
        with db() as session:
            revoke_session(session, sid, reason)
    # forget everything of this user (filters, selections, open forms): the next person at this
    # browser starts clean
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_CLEAR_COOKIE] = True
    if notice:
        st.session_state[_NOTICE] = notice


def take_notice() -> str | None:
    return st.session_state.pop(_NOTICE, None)


def _ended_notice(reason: str) -> str:
    if reason == ENDED_IDLE:
        minutes = get_settings().session_idle_minutes
        return ngettext(
            "You were signed out after {n} minute without activity.",
            "You were signed out after {n} minutes without activity.",
            minutes,
        ).format(n=minutes)
    if reason == ENDED_EXPIRED:
        hours = get_settings().session_absolute_hours
        return ngettext(
            "Your sign-in expired after {n} hour. Please sign in again.",
            "Your sign-in expired after {n} hours. Please sign in again.",
            hours,
        ).format(n=hours)
    if reason == ENDED_REVOKED:
        return _("You were signed out (in this or another tab). Please sign in again.")
    if reason == ENDED_ACCOUNT:
        return _("Your account was deactivated or changed by an administrator. Please sign in again.")
    return _("Please sign in again.")


def _restore_from_cookie(now: dt.datetime) -> SignedInUser | None:
    """A new tab or a refresh: the HttpOnly cookie names a live server-side session."""
    cookie = st.context.cookies.get(cookie_routes.COOKIE_NAME)
    if not cookie:
        return None
    with db() as session:
        live = check_session(session, session_id_of(cookie), now)
        if not isinstance(live, LiveSession):
            st.session_state[_CLEAR_COOKIE] = True  # a dead cookie is removed from the browser
            return None
        user = live.user
        signed = SignedInUser(user.id, user.username, user.full_name, user.role, user.language)
        st.session_state[_FINGERPRINT] = user_fingerprint(user)
    st.session_state[USER_KEY] = signed
    st.session_state[_LAST_SEEN] = now
    st.session_state[_SID] = live.row.id
    return signed


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
        sign_out(_ended_notice(ENDED_IDLE), reason="idle")
        return None
    sid = st.session_state.get(_SID)
    with db() as session:
        if sid is not None:
            live = check_session(session, sid, now)
            if not isinstance(live, LiveSession):
                sign_out(_ended_notice(live), reason=live)
                return None
            user: User | None = live.user
            if live.row.handoff_hash is None:
                st.session_state.pop(_HANDOFF, None)  # the browser has its cookie
        else:
            # a session created in this process without a server-side row (tests that put the
            # user straight into session state): the same account checks, no cookie
            user = get_user(session, signed.id)
            if user is None or not user.is_active:
                sign_out(_("Your account was deactivated or locked. Ask an administrator."))
                return None
            known = st.session_state.get(_FINGERPRINT)
            if known is not None and known != user_fingerprint(user):
                sign_out(
                    _("Your account was changed by an administrator (password, MFA or role). Please sign in again.")
                )
                return None
        assert user is not None
        refreshed = SignedInUser(user.id, user.username, user.full_name, user.role, user.language)
        st.session_state[_FINGERPRINT] = user_fingerprint(user)
    st.session_state[USER_KEY] = refreshed
    st.session_state[_LAST_SEEN] = now
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


def cookie_script() -> str | None:
    """The script that asks the server to set (or remove) the HttpOnly cookie, or None.

    It sends only the one-time handoff code; the cookie value never passes through the page.
    The content changes only when the handoff does, so Streamlit runs it only then.
    """
    if not cookie_routes.routes_active():
        return None
    handoff = st.session_state.get(_HANDOFF)
    if handoff and isinstance(st.session_state.get(USER_KEY), SignedInUser):
        url, body = cookie_routes.SESSION_PATH, handoff
    elif st.session_state.get(_CLEAR_COOKIE):
        url, body = cookie_routes.SIGNOUT_PATH, ""
    else:
        return None
    return (
        "<script>fetch(" + json.dumps(url) + ", {method: 'POST', credentials: 'same-origin', "
        "headers: {'Content-Type': 'text/plain', " + json.dumps(cookie_routes.HEADER) + ": '1'}, "
        "body: " + json.dumps(body) + "});</script>"
    )


def write_cookie() -> None:
    script = cookie_script()
    if script is not None:
        st.html(script, unsafe_allow_javascript=True)

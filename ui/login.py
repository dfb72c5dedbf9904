"""The sign-in screen: password, then the 6-digit code, or the authenticator enrolment.

Heads and admins must have MFA (``core.auth.permissions.MFA_REQUIRED_ROLES``); on their first
login they scan a QR code and confirm it with a code before they get in. Failed attempts are
counted by the service, so the failure is committed even though the login did not happen.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
import streamlit as st

from core.auth.service import check_password, finish_enrolment, get_user, start_enrolment, verify_totp
from core.errors import CessioError
from core.i18n import LANGUAGE_NAMES, LANGUAGES, _, current_language
from ui.context import db
from ui.session import client_source, sign_in, take_notice

_PENDING = "_login_pending"
LANGUAGE_KEY = "_login_language"  # the language chosen on this screen, until someone signs in


def chosen_language() -> str | None:
    """The language picked on the sign-in screen of this browser session, if any."""
    value = st.session_state.get(LANGUAGE_KEY)
    return value if value in LANGUAGES else None


def _language_choice() -> None:
    shown = current_language()
    picked = st.segmented_control(
        "Язык / Language",
        LANGUAGES,
        default=shown,
        format_func=lambda code: LANGUAGE_NAMES[code],
        key=f"login_language_{shown}",
        label_visibility="collapsed",
    )
    if picked and picked != shown:
        st.session_state[LANGUAGE_KEY] = picked
        st.rerun()


@dataclass(frozen=True)
class _Pending:
    user_id: int
    username: str
    step: str  # "code" | "enrol"
    secret: str = ""
    uri: str = ""


def _qr_png(uri: str) -> bytes:
    image = qrcode.make(uri, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _complete(user_id: int) -> None:
    with db() as session:
        user = get_user(session, user_id)
        if user is None:
            raise CessioError(_("The account no longer exists."))
        sign_in(user)
    for key in (_PENDING, "login_password", "login_code_value", "login_enrol_value"):
        st.session_state.pop(key, None)
    st.rerun()


def _password_step() -> None:
    with st.form("login", border=True):
        st.subheader(_("Sign in"))
        username = st.text_input(_("Username"), key="login_username", autocomplete="username")
        password = st.text_input(_("Password"), type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button(_("Sign in"), type="primary", width="stretch")
    if not submitted:
        return
    if not username.strip() or not password:
        st.error(_("Enter your username and password."))
        return
    error: str | None = None
    pending: _Pending | None = None
    complete_id: int | None = None
    with db() as session:
        try:
            step = check_password(session, username, password, source=client_source())
        except CessioError as exc:
            error = str(exc)
        else:
            if step.needs_enrolment:
                secret, uri = start_enrolment(session, step.user_id)
                pending = _Pending(step.user_id, username.strip().lower(), "enrol", secret, uri)
            elif step.needs_code:
                pending = _Pending(step.user_id, username.strip().lower(), "code")
            else:
                complete_id = step.user_id
    if error:
        st.error(error)
    elif pending is not None:
        st.session_state[_PENDING] = pending
        st.rerun()
    elif complete_id is not None:
        _complete(complete_id)


def _code_step(pending: _Pending) -> None:
    with st.form("login_code", border=True):
        st.subheader(_("Two-step verification"))
        st.write(
            _("Signing in as **{username}**. Enter the 6-digit code from your authenticator app.").format(
                username=pending.username
            )
        )
        code = st.text_input(_("Code"), max_chars=8, key="login_code_value", autocomplete="one-time-code")
        submitted = st.form_submit_button(_("Verify"), type="primary", width="stretch")
    if submitted:
        _check_code(pending, code, verify_totp)


def _enrol_step(pending: _Pending) -> None:
    with st.container(border=True):
        st.subheader(_("Set up your authenticator"))
        st.write(
            _(
                "**{username}**, your role requires two-step verification. Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP, ...), then enter the 6-digit code it shows."
            ).format(username=pending.username)
        )
        left, right = st.columns([1, 2])
        left.image(_qr_png(pending.uri), width=200, caption=_("Scan with your authenticator app"))
        right.write(_("Cannot scan? Enter this key in the app by hand:"))
        right.code(" ".join(pending.secret[i : i + 4] for i in range(0, len(pending.secret), 4)), language=None)
        with right.form("login_enrol", border=False):
            code = st.text_input(_("Code from the app"), max_chars=8, key="login_enrol_value")
            submitted = st.form_submit_button(_("Confirm and sign in"), type="primary")
    if submitted:
        _check_code(pending, code, finish_enrolment)


def _check_code(pending: _Pending, code: str, check: object) -> None:
    if not code.strip():
        st.error(_("Enter the 6-digit code."))
        return
    error: str | None = None
    with db() as session:
        try:
            check(session, pending.user_id, code, source=client_source())  # type: ignore[operator]
        except CessioError as exc:
            error = str(exc)
    if error:
        st.error(error)
        return
    _complete(pending.user_id)


def render() -> None:
    """The whole sign-in screen (used as every page while nobody is signed in)."""
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("Cessio")
        notice = take_notice()
        if notice:
            st.info(notice)
        pending = st.session_state.get(_PENDING)
        if isinstance(pending, _Pending):
            if pending.step == "code":
                _code_step(pending)
            else:
                _enrol_step(pending)
            if st.button(_("Use another account"), type="tertiary"):
                st.session_state.pop(_PENDING, None)
                st.rerun()
        else:
            _password_step()
        _language_choice()

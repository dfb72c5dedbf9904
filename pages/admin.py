"""Administration: users (create, role, deactivate, MFA reset, unlock, password) and the audit log.

Only the admin role gets this page; the services refuse everyone else on their own as well.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from core.audit.service import AuditFilter, audit_actions, export_audit_csv, search_audit
from core.auth.permissions import Permission, Role, has_permission
from core.auth.service import change_role, create_user, list_users, reset_mfa, set_active, set_password, unlock
from core.calendar import format_local, local_tz
from core.db import utcnow
from core.errors import CessioError
from ui.context import SignedInUser, actor, db

KEY = "admin"
AUDIT_PAGE = 50
AUDIT_EXPORT_CAP = 100_000
ROLES = [r.value for r in Role]


def _flash(message: str) -> None:
    st.session_state[f"{KEY}.flash"] = message
    st.rerun()


def _do(action: str, fn: object, *args: object) -> None:
    """Run one user-admin service call in its own transaction; report the result."""
    try:
        with db() as session:
            fn(session, *args)  # type: ignore[operator]
    except CessioError as exc:
        st.error(str(exc))
        return
    _flash(action)


def _users(user: SignedInUser) -> None:
    flash = st.session_state.pop(f"{KEY}.flash", None)
    if flash:
        st.success(flash)
    now = utcnow()
    with db() as session:
        users = [
            {
                "id": u.id,
                "username": u.username,
                "full_name": u.full_name,
                "role": u.role,
                "active": u.is_active,
                "mfa": u.mfa_enrolled,
                "locked": bool(u.locked_until and u.locked_until > now),
                "locked_until": u.locked_until,
                "last_login": u.last_login_at,
            }
            for u in list_users(session, user)
        ]
    frame = pd.DataFrame(
        [
            {
                "Username": u["username"],
                "Name": u["full_name"],
                "Role": u["role"],
                "Status": "deactivated"
                if not u["active"]
                else (f"locked until {format_local(u['locked_until'], empty='')}" if u["locked"] else "active"),
                "MFA": "enrolled" if u["mfa"] else "—",
                "Last sign-in": format_local(u["last_login"], empty=""),
            }
            for u in users
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 420))

    left, right = st.columns(2)
    with left.container(border=True):
        st.markdown("**Manage a user**")
        by_id = {u["id"]: u for u in users}
        picked = st.selectbox(
            "User",
            list(by_id),
            format_func=lambda i: f"{by_id[i]['full_name']} ({by_id[i]['username']})",
            index=None,
            placeholder="Choose a user…",
            key=f"{KEY}.user",
        )
        if picked is not None:
            _manage(user, by_id[picked])
    with right.container(border=True):
        st.markdown("**New user**")
        with st.form(f"{KEY}.create", clear_on_submit=True, border=False):
            username = st.text_input("Username")
            full_name = st.text_input("Full name")
            role = st.selectbox("Role", ROLES)
            password = st.text_input("Initial password (8+ characters)", type="password")
            submitted = st.form_submit_button("Create user", type="primary")
        if submitted:
            _do(f"User '{username.strip().lower()}' created.", create_user, user, username, full_name, role, password)


def _manage(user: SignedInUser, target: dict[str, object]) -> None:
    tid = int(target["id"])  # type: ignore[call-overload]
    name = str(target["username"])
    c1, c2 = st.columns([2, 1])
    new_role = c1.selectbox("Role", ROLES, index=ROLES.index(str(target["role"])), key=f"{KEY}.role.{tid}")
    c2.write("")
    if c2.button("Change role", key=f"{KEY}.setrole.{tid}", disabled=new_role == target["role"]):
        _do(f"{name} is now {new_role}.", change_role, user, tid, new_role)
    b1, b2, b3 = st.columns(3)
    if target["active"]:
        if b1.button("Deactivate", key=f"{KEY}.deact.{tid}", icon=":material/block:"):
            _do(f"{name} deactivated.", set_active, user, tid, False)
    elif b1.button("Reactivate", key=f"{KEY}.act.{tid}", icon=":material/check:"):
        _do(f"{name} reactivated.", set_active, user, tid, True)
    if b2.button("Reset MFA", key=f"{KEY}.mfa.{tid}", icon=":material/phonelink_lock:", disabled=not target["mfa"]):
        _do(f"MFA of {name} reset; they enrol again at the next sign-in.", reset_mfa, user, tid)
    if b3.button("Unlock", key=f"{KEY}.unlock.{tid}", icon=":material/lock_open:", disabled=not target["locked"]):
        _do(f"{name} unlocked.", unlock, user, tid)
    with st.form(f"{KEY}.pw.{tid}", clear_on_submit=True, border=False):
        password = st.text_input("New password", type="password")
        if st.form_submit_button("Set password"):
            _do(f"Password of {name} changed.", set_password, user, tid, password)


def _audit_filter(user: SignedInUser) -> AuditFilter:
    with db() as session:
        people = {u.id: f"{u.full_name} ({u.username})" for u in list_users(session, user)}
        actions = audit_actions(session)
    c1, c2, c3, c4, c5 = st.columns([2, 2, 1.2, 1.2, 2])
    who = c1.selectbox(
        "User", list(people), format_func=people.__getitem__, index=None, placeholder="Anyone", key=f"{KEY}.a.user"
    )
    action = c2.selectbox("Action", actions, index=None, placeholder="Any action", key=f"{KEY}.a.action")
    entity = c3.text_input("Entity", placeholder="case, user…", key=f"{KEY}.a.entity")
    entity_id = c4.text_input("Entity id", key=f"{KEY}.a.entity_id")
    period = c5.date_input("Period", value=(), format="DD.MM.YYYY", key=f"{KEY}.a.period")
    since = until = None
    tz = local_tz()
    if isinstance(period, tuple) and len(period) >= 1:
        since = dt.datetime.combine(period[0], dt.time(), tzinfo=tz).astimezone(dt.UTC)
        last = period[1] if len(period) == 2 else period[0]
        until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return AuditFilter(
        user_id=who,
        action=action,
        entity=entity.strip() or None,
        entity_id=entity_id.strip() or None,
        since=since,
        until=until,
    )


def _audit_csv(user: SignedInUser, f: AuditFilter) -> bytes:
    with db() as session:
        return export_audit_csv(session, user, f, cap=AUDIT_EXPORT_CAP)


def _audit(user: SignedInUser) -> None:
    f = _audit_filter(user)
    cursors_key = f"{KEY}.a.cursors"
    if st.session_state.get(f"{KEY}.a.query") != repr(f):
        st.session_state[f"{KEY}.a.query"] = repr(f)
        st.session_state[cursors_key] = [None]
    cursors: list[int | None] = st.session_state[cursors_key]
    with db() as session:
        rows, total = search_audit(session, user, f, limit=AUDIT_PAGE, before_id=cursors[-1])
        shown = [
            {
                "When": format_local(r.at, empty=""),
                "User": r.actor_name,
                "Action": r.action,
                "Entity": r.entity,
                "Id": r.entity_id or "",
                "Details": json.dumps(r.details, ensure_ascii=False) if r.details else "",
            }
            for r in rows
        ]
    first = (len(cursors) - 1) * AUDIT_PAGE + 1
    st.markdown(f"**{total:,}** entries" + (f" · showing {first:,}–{first + len(rows) - 1:,}" if rows else ""))
    if shown:
        st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 560))
    p1, p2, p3, _ = st.columns([1, 1, 1.4, 3])
    if p1.button("← Newer", disabled=len(cursors) == 1, key=f"{KEY}.a.prev", width="stretch"):
        cursors.pop()
        st.rerun()
    more = first + len(rows) - 1 < total
    if p2.button("Older →", disabled=not more or not rows, key=f"{KEY}.a.next", width="stretch"):
        cursors.append(rows[-1].id)
        st.rerun()
    if total:
        p3.download_button(
            "Export (CSV)",
            lambda: _audit_csv(user, f),
            file_name="audit-log.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=f"{KEY}.a.export",
            width="stretch",
        )


def main() -> None:
    user = actor()
    manages_users = has_permission(user, Permission.USER_ADMIN)
    st.header("Users & audit" if manages_users else "Audit log")
    tabs = (["Users"] if manages_users else []) + (["Audit log"] if has_permission(user, Permission.AUDIT_VIEW) else [])
    try:
        for name, tab in zip(tabs, st.tabs(tabs), strict=True):
            with tab:
                if name == "Users":
                    _users(user)
                else:
                    _audit(user)
    except CessioError as exc:
        st.error(str(exc))


main()

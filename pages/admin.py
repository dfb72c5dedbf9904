"""Administration: users (create, role, deactivate, MFA reset, unlock, password) and the audit log.

Only the admin role gets this page; the services refuse everyone else on their own as well.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from core.audit.service import AuditFilter, audit_actions, export_audit_csv, search_audit
from core.auth.permissions import Permission, Role, has_permission, role_name
from core.auth.service import change_role, create_user, list_users, reset_mfa, set_active, set_password, unlock
from core.calendar import format_local, local_tz
from core.cases.service import list_staff, parse_case_number
from core.db import utcnow
from core.errors import CessioError
from core.i18n import _, current_language, format_number, ngettext
from ui.audit_log import People, action_name, describe
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
                _("Username"): u["username"],
                _("Name"): u["full_name"],
                _("Role"): role_name(u["role"]),
                _("Status"): _("deactivated")
                if not u["active"]
                else (
                    _("locked until {moment}").format(moment=format_local(u["locked_until"], empty=""))
                    if u["locked"]
                    else _("active")
                ),
                _("MFA"): _("enrolled") if u["mfa"] else "—",
                _("Last sign-in"): format_local(u["last_login"], empty=""),
            }
            for u in users
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 420))

    left, right = st.columns(2)
    with left.container(border=True):
        st.markdown("**" + _("Manage a user") + "**")
        by_id = {u["id"]: u for u in users}
        picked = st.selectbox(
            _("User"),
            list(by_id),
            format_func=lambda i: f"{by_id[i]['full_name']} ({by_id[i]['username']})",
            index=None,
            placeholder=_("Choose a user…"),
            key=f"{KEY}.user",
        )
        if picked is not None:
            _manage(user, by_id[picked])
    with right.container(border=True):
        st.markdown("**" + _("New user") + "**")
        # not cleared on submit: a refused user (a short password, a taken username) keeps what
        # was typed; a created one is cleared by a new form key
        with st.form(f"{KEY}.create.{st.session_state.get(f'{KEY}.created', 0)}", border=False):
            username = st.text_input(_("Username"))
            full_name = st.text_input(_("Full name"))
            role_labels = {role_name(r): r for r in ROLES}
            role = role_labels[st.selectbox(_("Role"), list(role_labels))]
            password = st.text_input(_("Initial password (8+ characters)"), type="password")
            submitted = st.form_submit_button(_("Create user"), type="primary")
        if submitted:
            try:
                with db() as session:
                    create_user(session, user, username, full_name, role, password)
            except CessioError as exc:
                st.error(str(exc))
                return
            st.session_state[f"{KEY}.created"] = st.session_state.get(f"{KEY}.created", 0) + 1
            _flash(_("User “{username}” created.").format(username=username.strip().lower()))


def _manage(user: SignedInUser, target: dict[str, object]) -> None:
    tid = int(target["id"])  # type: ignore[call-overload]
    name = str(target["username"])
    c1, c2 = st.columns([2, 1])
    role_labels = {role_name(r): r for r in ROLES}
    new_role = role_labels[
        c1.selectbox(
            _("Role"),
            list(role_labels),
            index=ROLES.index(str(target["role"])),
            key=f"{KEY}.role.{tid}.{current_language()}",
        )
    ]
    c2.write("")
    if c2.button(_("Change role"), key=f"{KEY}.setrole.{tid}", disabled=new_role == target["role"]):
        _do(_("{name} is now {role}.").format(name=name, role=role_name(new_role)), change_role, user, tid, new_role)
    b1, b2, b3 = st.columns(3)
    if target["active"]:
        if b1.button(_("Deactivate"), key=f"{KEY}.deact.{tid}", icon=":material/block:"):
            _do(_("{name} deactivated.").format(name=name), set_active, user, tid, False)
    elif b1.button(_("Reactivate"), key=f"{KEY}.act.{tid}", icon=":material/check:"):
        _do(_("{name} reactivated.").format(name=name), set_active, user, tid, True)
    if b2.button(_("Reset MFA"), key=f"{KEY}.mfa.{tid}", icon=":material/phonelink_lock:", disabled=not target["mfa"]):
        _do(_("MFA of {name} reset; they enrol again at the next sign-in.").format(name=name), reset_mfa, user, tid)
    if b3.button(_("Unlock"), key=f"{KEY}.unlock.{tid}", icon=":material/lock_open:", disabled=not target["locked"]):
        _do(_("{name} unlocked.").format(name=name), unlock, user, tid)
    with st.form(f"{KEY}.pw.{tid}", clear_on_submit=True, border=False):
        password = st.text_input(_("New password"), type="password")
        if st.form_submit_button(_("Set password")):
            _do(_("Password of {name} changed.").format(name=name), set_password, user, tid, password)


def _audit_filter(user: SignedInUser) -> AuditFilter:
    with db() as session:
        people = {u.id: f"{u.full_name} ({u.username})" for u in list_staff(session, active_only=False)}
        actions = audit_actions(session)
    c1, c2, c3, c4, c5 = st.columns([2, 2, 1.2, 1.2, 2])
    who = c1.selectbox(
        _("User"),
        list(people),
        format_func=people.__getitem__,
        index=None,
        placeholder=_("Anyone"),
        key=f"{KEY}.a.user",
    )
    action = c2.selectbox(
        _("Action"),
        actions,
        format_func=action_name,
        index=None,
        placeholder=_("Any action"),
        key=f"{KEY}.a.action",
    )
    entity = c3.text_input(_("Entity"), key=f"{KEY}.a.entity", help=_("The kind of object, as the log records it"))
    entity_id = c4.text_input(
        _("Case no. or id"), placeholder="C-000123", key=f"{KEY}.a.entity_id", help=_("A case number or an entity's id")
    )
    period = c5.date_input(_("Period"), value=(), format="DD.MM.YYYY", key=f"{KEY}.a.period")
    since = until = None
    tz = local_tz()
    if isinstance(period, tuple) and len(period) >= 1:
        since = dt.datetime.combine(period[0], dt.time(), tzinfo=tz).astimezone(dt.UTC)
        last = period[1] if len(period) == 2 else period[0]
        until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    wanted_id = entity_id.strip()
    wanted_entity = entity.strip() or None
    case_id = parse_case_number(wanted_id) if wanted_id.upper().startswith("C") else None
    if case_id is not None:
        # a case number: the log keeps the case's internal id
        wanted_id, wanted_entity = str(case_id), wanted_entity or "case"
    return AuditFilter(
        user_id=who,
        action=action,
        entity=wanted_entity,
        entity_id=wanted_id or None,
        since=since,
        until=until,
    )


def _people(session: Session, user: SignedInUser) -> People:
    """Everyone's name for the log (heads read it too: no user administration needed)."""
    users = list_staff(session, active_only=False)
    return People(
        by_id={u.id: f"{u.full_name} ({u.username})" for u in users},
        by_username={u.username: f"{u.full_name} ({u.username})" for u in users},
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
        people = _people(session, user)
        shown = []
        for r in rows:
            entry = describe(r.action, r.entity, r.entity_id, r.details, r.user_id, r.actor_name, people)
            shown.append(
                {
                    "When": format_local(r.at, empty=""),
                    "Who": entry.who,
                    "What": entry.what,
                    "Case": f"case?case={entry.case_number}" if entry.case_number else None,
                }
            )
    first = (len(cursors) - 1) * AUDIT_PAGE + 1
    line = ngettext("**{n}** entry", "**{n}** entries", total).format(n=format_number(total))
    if rows:
        line += " · " + _("showing {first}–{last}").format(
            first=format_number(first), last=format_number(first + len(rows) - 1)
        )
    st.markdown(line)
    if shown:
        cc = st.column_config
        frame = pd.DataFrame(shown, columns=["When", "Who", "What", "Case"])
        frame.columns = [_("When"), _("Who"), _("What"), _("Case")]
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(shown), 560),
            column_config={
                _("When"): cc.TextColumn(_("When"), width=130),
                _("Who"): cc.TextColumn(_("Who"), width=220),
                _("What"): cc.TextColumn(_("What"), width="large"),
                _("Case"): cc.LinkColumn(_("Case"), display_text=r"case=(C-\d+)", width=90),
            },
        )
    p1, p2, p3, _spacer = st.columns([1, 1, 1.4, 3])
    if p1.button(_("← Newer"), disabled=len(cursors) == 1, key=f"{KEY}.a.prev", width="stretch"):
        cursors.pop()
        st.rerun()
    more = first + len(rows) - 1 < total
    if p2.button(_("Older →"), disabled=not more or not rows, key=f"{KEY}.a.next", width="stretch"):
        cursors.append(rows[-1].id)
        st.rerun()
    if total:
        p3.download_button(
            _("Export (CSV)"),
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
    st.header(_("Users & audit") if manages_users else _("Audit log"))
    tabs = (["users"] if manages_users else []) + (["audit"] if has_permission(user, Permission.AUDIT_VIEW) else [])
    titles = {"users": _("Users"), "audit": _("Audit log")}
    try:
        for name, tab in zip(tabs, st.tabs([titles[t] for t in tabs]), strict=True):
            with tab:
                if name == "users":
                    _users(user)
                else:
                    _audit(user)
    except CessioError as exc:
        st.error(str(exc))


main()

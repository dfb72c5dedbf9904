"""The case card: who owes what to whom, where the case stands, what can be done now, and its history.

Opened by address (``/case?case=C-000123``) so a case can be linked and bookmarked. A move uses
the version of the case the user was looking at; if someone else changed the case in between,
the move is refused with who changed it and when (optimistic locking, ARCHITECTURE rule 6).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import to_local
from core.cases.service import CaseCard, case_timeline, find_case_id, get_case_card, transition_case
from core.cases.workflow import STAGE_BY_CODE, stage, transition
from core.errors import CessioError, ConcurrentChange
from core.i18n import N_, _, format_date, format_datetime_local, format_money, ngettext
from ui.card_sections import all_sections
from ui.context import SignedInUser, actor, db
from ui.guard_fields import guard_inputs
from ui.markup import safe_markdown
from ui.search_link import back_to_search
from ui.stage_style import badge_html

KEY = "case"
EVENT_KINDS = {
    "transition": N_("Stage change"),
    "assignment": N_("Responsible changed"),
    "document": N_("Document"),
    "payment": N_("Payment"),
    "mail": N_("Mail"),
    "bureau": N_("Credit bureau"),
    "ocr": N_("OCR"),
    "import": N_("Import"),
    "note": N_("Note"),
}
FLAG_NAMES = {
    "mail_returned": N_("mail returned"),
    "plan_broken": N_("payment plan broken"),
    "ready_for_repaid": N_("ready to be marked repaid"),
    "bureau_rejected": N_("rejected by the credit bureau"),
}
SOURCES = {
    "manual": N_("by hand"),
    "bulk": N_("bulk action"),
    "postal": N_("postal tracking"),
    "postal_job": N_("postal job"),
    "ocr_review": N_("OCR review"),
    "import": N_("import"),
    "accrual": N_("accrual"),
    "accrual_job": N_("accrual job"),
    "bureau_job": N_("bureau job"),
    "payment_file": N_("bank file"),
    "mail_claim": N_("claim mailing"),
    "court_order": N_("court order"),
    "demo": N_("demo data"),
    "system": N_("system"),
}


def _fmt_date(value: object) -> str:
    return format_date(value)  # type: ignore[arg-type]


def _days(n: int) -> str:
    return ngettext("{n} day", "{n} days", n).format(n=n)


def _open_by_number() -> None:
    with st.form("open_case", border=True):
        number = st.text_input(_("Case number"), placeholder="C-000123")
        submitted = st.form_submit_button(_("Open"), type="primary")
    if submitted and number.strip():
        st.query_params["case"] = number.strip().upper()
        st.rerun()


def _header(card: CaseCard) -> None:
    c, d, k = card.case, card.debtor, card.contract
    # the name is the debtor's, typed by people or imported: escaped, never markup
    st.markdown(
        f"## {safe_markdown(c.number)} · {safe_markdown(d.full_name)} &nbsp; {badge_html(c.stage)}",
        unsafe_allow_html=True,
    )
    sla = _("no time limit") if card.sla_days is None else _("limit {days}").format(days=_days(card.sla_days))
    if card.over_sla:
        st.error(
            _("Over the stage's limit: {days} in “{label}” ({sla}).").format(
                days=_days(card.days_in_stage), label=stage(c.stage).label, sla=sla
            )
        )
    for flag in card.flags:
        st.warning(
            _("{reason} (flag: {kind}, since {fmt_date})").format(
                reason=flag.reason,
                kind=_(FLAG_NAMES[flag.kind]) if flag.kind in FLAG_NAMES else flag.kind,
                fmt_date=_fmt_date(to_local(flag.created_at)),
            )
        )
    col1, col2, col3, col4 = st.columns(4)
    with col1.container(border=True):
        st.caption(_("Debtor"))
        st.markdown(
            _("**{full_name}**  \nborn {fmt_date}  \n{value}").format(
                full_name=safe_markdown(d.full_name),
                fmt_date=_fmt_date(d.birth_date),
                value=safe_markdown(d.region) if d.region else _("region unknown"),
            )
        )
    with col2.container(border=True):
        st.caption(_("Contract"))
        st.markdown(
            _("**{number}** of {date}  \nprincipal {principal}  \nclaim {claim}").format(
                number=safe_markdown(k.number),
                date=_fmt_date(k.date),
                principal=format_money(k.principal),
                claim=format_money(c.claim_amount),
            )
        )
    with col3.container(border=True):
        st.caption(_("Creditor and assignment"))
        agreement = (
            _("agreement {number} of {date}").format(
                number=safe_markdown(card.agreement.number), date=_fmt_date(card.agreement.date)
            )
            if card.agreement
            else _("no assignment agreement")
        )
        assignee = f" → {safe_markdown(card.assignee.short_name)}" if card.assignee else ""
        st.markdown(f"**{safe_markdown(card.creditor.short_name)}**{assignee}  \n{agreement}")
    with col4.container(border=True):
        st.caption(_("Stage"))
        who = safe_markdown(card.responsible.full_name) if card.responsible else _("nobody assigned")
        st.markdown(
            _("**{label}**, {days} ({sla})  \nresponsible: {who}").format(
                label=stage(c.stage).label, days=_days(card.days_in_stage), sla=sla, who=who
            )
        )
    if c.court_case_number or c.court_name or c.tracking_number:
        parts = []
        if c.court_name:
            parts.append(safe_markdown(c.court_name))
        if c.court_case_number:
            parts.append(_("case no. {number}").format(number=safe_markdown(c.court_case_number)))
        if c.court_act_date:
            parts.append(_("act of {date}").format(date=_fmt_date(c.court_act_date)))
        if c.awarded_amount is not None:
            parts.append(_("awarded {amount}").format(amount=format_money(c.awarded_amount)))
        if c.tracking_number:
            parts.append(_("tracking number {number}").format(number=safe_markdown(c.tracking_number)))
        st.caption(" · ".join(parts))


def _request_move(case_id: int, name: str, version: int, data_prefix: str | None) -> None:
    """Button callback: remember the move with the version the user had on screen.

    A callback runs even when the next run no longer shows the button (the case moved on in
    the meantime), so a click on a stale screen ends in the conflict message, never in silence.
    """
    data: dict[str, object] = {}
    if data_prefix is not None:
        for f in transition(name).fields:
            value = st.session_state.get(f"{data_prefix}.{f.name}")
            if value not in (None, ""):
                data[f.name] = value
        comment = str(st.session_state.get(f"{data_prefix}.comment") or "").strip()
        if comment:
            data["comment"] = comment
    st.session_state[f"{KEY}.request.{case_id}"] = (name, version, data)


def _open_form(case_id: int, name: str, version: int) -> None:
    st.session_state[f"{KEY}.open_form.{case_id}"] = (name, version)


def _close_form(case_id: int) -> None:
    st.session_state.pop(f"{KEY}.open_form.{case_id}", None)


def _perform_requested_move(user: SignedInUser, case_id: int) -> None:
    request = st.session_state.pop(f"{KEY}.request.{case_id}", None)
    if request is None:
        return
    name, version, data = request
    try:
        with db() as session:
            outcome = transition_case(session, user, case_id, name, version, data)
    except ConcurrentChange as exc:
        st.session_state[f"{KEY}.conflict.{case_id}"] = str(exc)
        _close_form(case_id)
        return
    except CessioError as exc:
        st.session_state[f"{KEY}.error.{case_id}"] = str(exc)
        return
    _close_form(case_id)
    st.session_state[f"{KEY}.done.{case_id}"] = _("Moved to “{label}”.").format(label=stage(outcome.to_stage).label)


def _actions(user: SignedInUser, card: CaseCard) -> None:
    case_id, version = card.case.id, card.case.version
    conflict = st.session_state.get(f"{KEY}.conflict.{case_id}")
    if conflict:
        st.error(conflict, icon=":material/sync_problem:")
        if st.button(_("Reload the case"), type="primary", icon=":material/refresh:", key=f"{KEY}.reload"):
            st.session_state.pop(f"{KEY}.conflict.{case_id}", None)
            st.rerun()
        return
    done = st.session_state.pop(f"{KEY}.done.{case_id}", None)
    if done:
        st.success(done, icon=":material/check_circle:")
    if not has_permission(user, Permission.CASE_TRANSITION):
        return
    if not card.allowed:
        closed = STAGE_BY_CODE[card.case.stage].closed
        st.caption(_("The case is closed.") if closed else _("Your role has no moves from this stage."))
        return
    st.markdown(_("**Move the case**"))
    cols = st.columns(min(len(card.allowed), 5))
    for i, t in enumerate(card.allowed):
        label = f"{t.label} → {stage(t.target).label}" if t.label != stage(t.target).label else t.label
        # data to enter, or a move that closes the case: ask first; otherwise one click moves it
        ask = bool(t.fields) or stage(t.target).closed
        cols[i % len(cols)].button(
            label,
            key=f"{KEY}.t.{t.name}",
            type="primary" if i == 0 else "secondary",
            width="stretch",
            on_click=_open_form if ask else _request_move,
            args=(case_id, t.name, version) if ask else (case_id, t.name, version, None),
        )
    error = st.session_state.pop(f"{KEY}.error.{case_id}", None)
    open_form = st.session_state.get(f"{KEY}.open_form.{case_id}")
    chosen = next((t for t in card.allowed if open_form and t.name == open_form[0]), None)
    if chosen is None:
        if error:
            st.error(error)
        return
    form_version = open_form[1]
    prefix = f"{KEY}.f.{case_id}.{chosen.name}"
    with st.container(border=True):
        target = stage(chosen.target)
        lines = [_("**{move}** — to “{target}”.").format(move=chosen.label, target=target.label)]
        if target.closed:
            lines.append(_("This closes the case."))
        if chosen.fields:
            lines.append(_("The move needs:"))
        st.markdown(" ".join(lines))
        guard_inputs(chosen, prefix)
        st.text_input(_("Comment (optional)"), key=f"{prefix}.comment")
        if error:
            st.error(error)
        b1, b2, _rest = st.columns([1.5, 1, 4])
        b1.button(
            _("Move to “{label}”").format(label=stage(chosen.target).label),
            type="primary",
            key=f"{KEY}.confirm",
            on_click=_request_move,
            args=(case_id, chosen.name, form_version, prefix),
        )
        b2.button(_("Cancel"), key=f"{KEY}.cancel", on_click=_close_form, args=(case_id,))


def _describe(entry_data: dict[str, object]) -> str:
    hidden = {"transition", "responsible_id", "from", "to"}
    return ", ".join(f"{_(k.replace('_', ' '))}: {v}" for k, v in entry_data.items() if k not in hidden and v)


def _timeline(user: SignedInUser, case_id: int) -> None:
    with db() as session:
        entries = case_timeline(session, user, case_id)
    if not entries:
        st.caption(_("Nothing has happened in this case yet."))
        return
    frame = pd.DataFrame(
        [
            {
                _("When"): format_datetime_local(e.at, empty=""),
                _("What"): _(EVENT_KINDS[e.kind]) if e.kind in EVENT_KINDS else e.kind,
                _("Change"): (
                    f"{stage(e.from_stage).label} → {stage(e.to_stage).label}" if e.from_stage and e.to_stage else ""
                ),
                _("By"): e.who,
                _("Via"): _(SOURCES[e.source]) if e.source in SOURCES else e.source.replace("_", " "),
                _("Details"): " · ".join(x for x in (e.comment or "", _describe(e.data)) if x),
            }
            for e in entries
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 420))


def main() -> None:
    user = actor()
    back_to_search()
    raw = st.query_params.get("case", "")
    if not raw:
        st.header(_("Case card"))
        _open_by_number()
        return
    with db() as session:
        case_id = find_case_id(session, raw)
    if case_id is None:
        st.error(_("There is no case “{raw}”. Check the number.").format(raw=raw))
        _open_by_number()
        return
    _perform_requested_move(user, case_id)
    try:
        with db() as session:
            card = get_case_card(session, user, case_id)
    except CessioError as exc:
        st.error(str(exc))
        return
    _header(card)
    _actions(user, card)

    sections = [s for s in all_sections() if has_permission(user, s.permission)]
    tabs = st.tabs([_("Timeline"), *(_(s.title) for s in sections)])
    with tabs[0]:
        _timeline(user, case_id)
    for section, tab in zip(sections, tabs[1:], strict=True):
        with tab:
            try:
                section.render(case_id, user)
            except CessioError as exc:
                st.error(str(exc))


main()

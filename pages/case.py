"""The case card: who owes what to whom, where the case stands, what can be done now, and its history.

Opened by address (``/case?case=C-000123``) so a case can be linked and bookmarked. A move uses
the version of the case the user was looking at; if someone else changed the case in between,
the move is refused with who changed it and when (optimistic locking, ARCHITECTURE rule 6).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import format_local, to_local
from core.cases.service import CaseCard, case_timeline, find_case_id, get_case_card, transition_case
from core.cases.workflow import STAGE_BY_CODE, stage, transition
from core.errors import CessioError, ConcurrentChange
from core.money import format_amount
from ui.card_sections import all_sections
from ui.context import SignedInUser, actor, db
from ui.guard_fields import guard_inputs
from ui.markup import safe_markdown
from ui.search_link import back_to_search
from ui.stage_style import badge_html

KEY = "case"
EVENT_KINDS = {
    "transition": "Stage change",
    "assignment": "Responsible changed",
    "document": "Document",
    "payment": "Payment",
    "mail": "Mail",
    "bureau": "Credit bureau",
    "ocr": "OCR",
    "import": "Import",
    "note": "Note",
}


def _fmt_date(value: object) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"  # type: ignore[attr-defined]


def _open_by_number() -> None:
    with st.form("open_case", border=True):
        number = st.text_input("Case number", placeholder="C-000123")
        submitted = st.form_submit_button("Open", type="primary")
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
    sla = "no time limit" if card.sla_days is None else f"limit {card.sla_days} days"
    if card.over_sla:
        st.error(f"Over the stage's limit: {card.days_in_stage} days in “{stage(c.stage).label}” ({sla}).")
    for flag in card.flags:
        st.warning(f"{flag.reason} (flag: {flag.kind}, since {_fmt_date(to_local(flag.created_at))})")
    col1, col2, col3, col4 = st.columns(4)
    with col1.container(border=True):
        st.caption("Debtor")
        st.markdown(
            f"**{safe_markdown(d.full_name)}**  \nborn {_fmt_date(d.birth_date)}  \n"
            f"{safe_markdown(d.region) if d.region else 'region unknown'}"
        )
    with col2.container(border=True):
        st.caption("Contract")
        st.markdown(
            f"**{safe_markdown(k.number)}** of {_fmt_date(k.date)}  \nprincipal {format_amount(k.principal)}  \n"
            f"claim {format_amount(c.claim_amount)}"
        )
    with col3.container(border=True):
        st.caption("Creditor and assignment")
        agreement = (
            f"agreement {safe_markdown(card.agreement.number)} of {_fmt_date(card.agreement.date)}"
            if card.agreement
            else "no assignment agreement"
        )
        assignee = f" → {safe_markdown(card.assignee.short_name)}" if card.assignee else ""
        st.markdown(f"**{safe_markdown(card.creditor.short_name)}**{assignee}  \n{agreement}")
    with col4.container(border=True):
        st.caption("Stage")
        who = safe_markdown(card.responsible.full_name) if card.responsible else "nobody assigned"
        st.markdown(f"**{stage(c.stage).label}**, {card.days_in_stage} days ({sla})  \nresponsible: {who}")
    if c.court_case_number or c.court_name or c.tracking_number:
        parts = []
        if c.court_name:
            parts.append(safe_markdown(c.court_name))
        if c.court_case_number:
            parts.append(f"case no. {safe_markdown(c.court_case_number)}")
        if c.court_act_date:
            parts.append(f"act of {_fmt_date(c.court_act_date)}")
        if c.awarded_amount is not None:
            parts.append(f"awarded {format_amount(c.awarded_amount)}")
        if c.tracking_number:
            parts.append(f"tracking {safe_markdown(c.tracking_number)}")
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
    st.session_state[f"{KEY}.done.{case_id}"] = f"Moved to “{stage(outcome.to_stage).label}”."


def _actions(user: SignedInUser, card: CaseCard) -> None:
    case_id, version = card.case.id, card.case.version
    conflict = st.session_state.get(f"{KEY}.conflict.{case_id}")
    if conflict:
        st.error(conflict, icon=":material/sync_problem:")
        if st.button("Reload the case", type="primary", icon=":material/refresh:", key=f"{KEY}.reload"):
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
        st.caption("The case is closed." if closed else "Your role has no moves from this stage.")
        return
    st.markdown("**Move the case**")
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
        closing = " This closes the case." if target.closed else ""
        needs = " The move needs:" if chosen.fields else ""
        st.markdown(f"**{chosen.label}** — to “{target.label}”.{closing}{needs}")
        guard_inputs(chosen, prefix)
        st.text_input("Comment (optional)", key=f"{prefix}.comment")
        if error:
            st.error(error)
        b1, b2, _ = st.columns([1.5, 1, 4])
        b1.button(
            f"Move to “{stage(chosen.target).label}”",
            type="primary",
            key=f"{KEY}.confirm",
            on_click=_request_move,
            args=(case_id, chosen.name, form_version, prefix),
        )
        b2.button("Cancel", key=f"{KEY}.cancel", on_click=_close_form, args=(case_id,))


def _describe(entry_data: dict[str, object]) -> str:
    hidden = {"transition", "responsible_id", "from", "to"}
    return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in entry_data.items() if k not in hidden and v)


def _timeline(user: SignedInUser, case_id: int) -> None:
    with db() as session:
        entries = case_timeline(session, user, case_id)
    if not entries:
        st.caption("Nothing has happened in this case yet.")
        return
    frame = pd.DataFrame(
        [
            {
                "When": format_local(e.at, empty=""),
                "What": EVENT_KINDS.get(e.kind, e.kind),
                "Change": (
                    f"{stage(e.from_stage).label} → {stage(e.to_stage).label}" if e.from_stage and e.to_stage else ""
                ),
                "By": e.who,
                "Via": e.source.replace("_", " "),
                "Details": " · ".join(x for x in (e.comment or "", _describe(e.data)) if x),
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
        st.header("Case card")
        _open_by_number()
        return
    with db() as session:
        case_id = find_case_id(session, raw)
    if case_id is None:
        st.error(f"There is no case “{raw}”. Check the number.")
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
    tabs = st.tabs(["Timeline", *(s.title for s in sections)])
    with tabs[0]:
        _timeline(user, case_id)
    for section, tab in zip(sections, tabs[1:], strict=True):
        with tab:
            try:
                section.render(case_id, user)
            except CessioError as exc:
                st.error(str(exc))


main()

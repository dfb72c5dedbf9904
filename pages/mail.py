"""Court mail: every envelope and what the post did with it, a one-item refresh, shipments entered
by hand or as a pasted column of tracking numbers, and the state of the postal job.

The page only reads widgets and calls ``core.postal.service``; the post is asked by the service.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.calendar import local_today, to_local
from core.cases.workflow import stage
from core.config import get_settings
from core.errors import CessioError, ValidationFailed
from core.i18n import N_, _, format_date, format_number, ngettext
from core.money import MoneyParseError, parse_amount
from core.postal.client import PostalError, PostalUnavailable
from core.postal.service import (
    ShipmentRow,
    apply_tracking_column,
    attention_count,
    create_shipment,
    job_state,
    list_shipments,
    match_tracking_column,
    refresh_shipment,
    resolve_case_numbers,
    shipment_history,
)
from ui import stuck_letters
from ui.context import SignedInUser, actor, db

KEY = "mail"
PAGE_SIZE = 50
OPERATION_MEANINGS = {
    "delivered": N_("delivered"),
    "returned": N_("returned"),
    "refused": N_("refused"),
    "failed_attempt": N_("failed delivery attempt"),
    "accepted": N_("accepted"),
    "lost": N_("lost"),
    "other": N_("other"),
}
FILTER_LABELS = {
    "in_transit": N_("In transit"),
    "attention": N_("Needs attention"),
    "stale": N_("No movement"),
    "delivered": N_("Delivered"),
    "returned": N_("Returned / refused"),
    "all": N_("All"),
}


def _when(value: dt.datetime | None) -> str:
    """Short enough for a metric tile: the time alone today, day and month otherwise."""
    local = to_local(value)
    if local is None:
        return "—"
    today = to_local(dt.datetime.now(dt.UTC))
    return f"{local:%H:%M}" if today and local.date() == today.date() else f"{local:%d.%m %H:%M}"


@st.fragment(run_every=30)
def _job_state(user: SignedInUser) -> None:
    try:
        with db() as session:
            state = job_state(session, user)
    except CessioError as exc:
        st.error(str(exc))
        return
    cols = st.columns(5)
    cols[0].metric(_("Letters in transit"), format_number(state.items_in_transit))
    cols[1].metric(
        _("Tickets waiting"),
        state.tickets_waiting,
        help=ngettext("{n} letter in them", "{n} letters in them", state.items_waiting).format(
            n=format_number(state.items_waiting)
        ),
    )
    cols[2].metric(_("Last run"), _when(state.last_finished_at or state.last_started_at))
    cols[3].metric(_("Next run"), _when(state.next_run_at))
    cols[4].metric(_("Next daily tickets"), _when(state.next_tickets_at))
    if state.last_result:
        st.caption(_("Last result: {last_result}").format(last_result=state.last_result))
    if state.last_error and state.last_status == "error":
        st.error(_("The postal job's last run failed: {last_error}").format(last_error=state.last_error))


def _filter_label(key: str, stuck: int) -> str:
    label = _(FILTER_LABELS[key])
    return f"{label} ({format_number(stuck)})" if key == "attention" and stuck else label


def _shipments(user: SignedInUser) -> None:
    with db() as session:
        stuck = attention_count(session, user)
    if stuck:
        st.warning(
            ngettext(
                "{n} letter needs attention: the post could not answer for it {polls} daily checks running. "
                "Show “Needs attention” to resume or stop its tracking.",
                "{n} letters need attention: the post could not answer for them {polls} daily checks running. "
                "Show “Needs attention” to resume or stop their tracking.",
                stuck,
            ).format(n=format_number(stuck), polls=get_settings().postal_max_failed_polls),
            icon=":material/report:",
        )
    left, mid, right = st.columns([3, 1, 2])
    kind = (
        left.segmented_control(
            _("Show"),
            list(FILTER_LABELS),
            format_func=lambda k: _filter_label(k, stuck),
            default="in_transit",
            key=f"{KEY}.filter",
        )
        or "in_transit"
    )
    stale_days = mid.number_input(
        _("No movement for more than (days)"),
        min_value=1,
        max_value=365,
        value=get_settings().postal_stale_days,
        key=f"{KEY}.stale",
        disabled=kind != "stale",
    )
    search = right.text_input(_("Tracking or case number"), key=f"{KEY}.search", placeholder=_("C-000123 or 80085…"))
    page = int(st.session_state.get(f"{KEY}.page", 0))
    try:
        with db() as session:
            rows, total = list_shipments(
                session, user, kind, stale_days=int(stale_days), search=search, limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
    except CessioError as exc:
        st.error(str(exc))
        return
    if not rows:
        st.info(_("No shipments match."))
        return
    frame = pd.DataFrame(
        [
            {
                _("Tracking number"): r.tracking_number,
                _("Cases"): r.cases,
                _("Status"): r.status_label,
                _("Last operation"): r.last_operation or "—",
                _("When"): _when(r.last_operation_at),
                _("Delivered on"): format_date(r.delivered_on, empty=""),
                _("Mailed"): _when(r.mailed_at),
                _("Court"): r.addressee or "",
                _("Note"): r.stopped_reason
                or r.attention_reason
                or r.last_error
                or (_("waiting for the post's answer") if r.waiting_for_ticket else ""),
            }
            for r in rows
        ]
    )
    event = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"{KEY}.table"
    )
    pages = max(1, -(-total // PAGE_SIZE))
    nav = st.columns([1, 1, 4])
    if nav[0].button(_("Previous"), disabled=page == 0, key=f"{KEY}.prev"):
        st.session_state[f"{KEY}.page"] = page - 1
        st.rerun()
    if nav[1].button(_("Next"), disabled=page + 1 >= pages, key=f"{KEY}.next"):
        st.session_state[f"{KEY}.page"] = page + 1
        st.rerun()
    nav[2].caption(
        ngettext("{n} shipment · page {page} of {pages}", "{n} shipments · page {page} of {pages}", total).format(
            n=format_number(total), page=page + 1, pages=pages
        )
    )
    if kind == "attention":
        _attention(user, rows)
    selected = event.selection.rows if event and event.selection else []
    if selected:
        _detail(user, rows[selected[0]])


def _attention(user: SignedInUser, rows: list[ShipmentRow]) -> None:
    """Each letter that needs attention with its reason and the way out (no selection needed)."""
    for r in rows:
        with st.expander(f"{r.tracking_number} · {r.cases or '—'}", expanded=len(rows) == 1):
            stuck_letters.explain(r)
            stuck_letters.actions(user, r, f"{KEY}.attention")


def _detail(user: SignedInUser, row: ShipmentRow) -> None:
    shipment_id, number = row.id, row.tracking_number
    st.subheader(_("History of {number}").format(number=number))
    stuck_letters.explain(row)
    stuck_letters.actions(user, row, f"{KEY}.detail")
    if st.button(_("Refresh this letter now"), icon=":material/refresh:", key=f"{KEY}.refresh"):
        try:
            with db() as session:
                report = refresh_shipment(session, user, shipment_id)
            parts = [
                ngettext("{n} new operation", "{n} new operations", report.new_operations).format(
                    n=report.new_operations
                )
            ]
            if report.cases_moved:
                parts.append(
                    ngettext("{n} case moved to “{stage}”", "{n} cases moved to “{stage}”", report.cases_moved).format(
                        n=report.cases_moved, stage=stage("claim_delivered").label
                    )
                )
            if report.cases_flagged:
                parts.append(
                    ngettext(
                        "{n} case flagged as returned", "{n} cases flagged as returned", report.cases_flagged
                    ).format(n=report.cases_flagged)
                )
            st.success("; ".join(parts) + ".")
        except (PostalUnavailable, PostalError) as exc:
            st.error(_("The post did not answer: {exc}. Try again later.").format(exc=exc))
        except CessioError as exc:
            st.error(str(exc))
    with db() as session:
        history = shipment_history(session, user, shipment_id)
    if not history:
        st.info(_("The post has reported no operation for this letter yet."))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("When (local)"): h.local_time,
                    _("Operation"): h.name,
                    _("Meaning"): _(OPERATION_MEANINGS[h.kind]) if h.kind in OPERATION_MEANINGS else h.kind,
                    _("Office"): h.office_index,
                    _("Code"): h.type_attr,
                }
                for h in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def _add_one(user: SignedInUser) -> None:
    with st.form(f"{KEY}.one", clear_on_submit=False):
        c1, c2 = st.columns(2)
        number = c1.text_input(_("Tracking number"), placeholder=_("RA123456785RU or 14 digits"))
        cases = c2.text_input(_("Case number(s)"), placeholder="C-000123, C-000124")
        addressee = c1.text_input(_("Addressee (court)"), help=_("Empty: the court of the first case"))
        address = c2.text_input(_("Address"), help=_("Empty: the court address of the first case"))
        contents = c1.text_input(_("Contents"), placeholder=_("Application for a court order, calculation, extract"))
        mailed_on = c2.date_input(_("Mailed on"), value=local_today(), format="DD.MM.YYYY")
        postage = c1.text_input(_("Postage, ₽"), placeholder="98,40")
        submitted = st.form_submit_button(_("Save shipment"), type="primary")
    if not submitted:
        return
    try:
        amount = parse_amount(postage) if postage.strip() else None
    except MoneyParseError as exc:
        st.error(_("Postage: {exc}").format(exc=exc))
        return
    try:
        with db() as session:
            create_shipment(
                session,
                user,
                number,
                [c for c in cases.replace(";", ",").split(",") if c.strip()],
                addressee=addressee.strip() or None,
                address=address.strip() or None,
                contents=contents.strip() or None,
                mailed_on=mailed_on,
                postage=amount,
            )
        st.success(_("Shipment {number} saved; the postal job will track it.").format(number=number.strip().upper()))
    except ValidationFailed as exc:
        st.error(str(exc))
        for p in exc.problems:
            st.markdown(f"- {p}")
    except CessioError as exc:
        st.error(str(exc))


def _paste(user: SignedInUser) -> None:
    st.caption(
        _(
            "Paste the package's case numbers and the tracking numbers from the post's receipt, one per line, in the same order. Cases at “Claim prepared” are marked mailed; cases already further get the shipment only."
        )
    )
    c1, c2 = st.columns(2)
    case_text = c1.text_area(_("Case numbers"), height=220, key=f"{KEY}.paste.cases")
    numbers_text = c2.text_area(_("Tracking numbers"), height=220, key=f"{KEY}.paste.numbers")
    mailed_on = st.date_input(_("Mailed on"), value=local_today(), format="DD.MM.YYYY", key=f"{KEY}.paste.date")
    if not case_text.strip() or not numbers_text.strip():
        return
    with db() as session:
        case_ids, unknown = resolve_case_numbers(session, user, case_text.splitlines())
    if unknown:
        st.error(_("These case numbers do not exist: {numbers}").format(numbers=", ".join(unknown)))
        return
    case_numbers = [n.strip().upper() for n in case_text.splitlines() if n.strip()]
    lines = match_tracking_column(case_numbers, numbers_text)
    bad = [ln for ln in lines if ln.problem]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("Line"): ln.line,
                    _("Case"): ln.case_number,
                    _("Tracking number"): ln.tracking_number,
                    _("Problem"): ln.problem or _("ok"),
                }
                for ln in lines
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    good = len(lines) - len(bad)
    if bad:
        st.warning(
            ngettext(
                "{n} line has a problem and will be skipped; {good} will be saved.",
                "{n} lines have a problem and will be skipped; {good} will be saved.",
                len(bad),
            ).format(n=len(bad), good=good)
        )
    save_label = ngettext("Save {n} shipment", "Save {n} shipments", good).format(n=good)
    if good and st.button(save_label, type="primary", key=f"{KEY}.paste.save"):
        try:
            with db() as session:
                report = apply_tracking_column(session, user, case_ids, numbers_text, mailed_on=mailed_on)
            st.success(
                ngettext("{n} case marked mailed", "{n} cases marked mailed", report.moved).format(n=report.moved)
                + ", "
                + ngettext(
                    "{n} shipment added to cases further on.",
                    "{n} shipments added to cases further on.",
                    report.registered,
                ).format(n=report.registered)
            )
            for number, reason in report.refused:
                st.warning(f"{number}: {reason}")
        except CessioError as exc:
            st.error(str(exc))


def main() -> None:
    user = actor()
    st.header(_("Court mail"))
    _job_state(user)
    tab_list, tab_one, tab_paste = st.tabs([_("Shipments"), _("Add a shipment"), _("Paste tracking numbers")])
    with tab_list:
        _shipments(user)
    with tab_one:
        _add_one(user)
    with tab_paste:
        _paste(user)


main()

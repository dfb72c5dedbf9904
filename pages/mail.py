"""Court mail: every envelope and what the post did with it, a one-item refresh, shipments entered
by hand or as a pasted column of tracking numbers, and the state of the postal job.

The page only reads widgets and calls ``core.postal.service``; the post is asked by the service.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.calendar import local_today, to_local
from core.config import get_settings
from core.errors import CessioError, ValidationFailed
from core.money import MoneyParseError, parse_amount
from core.postal.client import PostalError, PostalUnavailable
from core.postal.service import (
    apply_tracking_column,
    create_shipment,
    job_state,
    list_shipments,
    match_tracking_column,
    refresh_shipment,
    resolve_case_numbers,
    shipment_history,
)
from ui.context import SignedInUser, actor, db

KEY = "mail"
PAGE_SIZE = 50
FILTER_LABELS = {
    "in_transit": "In transit",
    "stale": "No movement",
    "delivered": "Delivered",
    "returned": "Returned / refused",
    "all": "All",
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
    cols[0].metric("Letters in transit", f"{state.items_in_transit:,}".replace(",", " "))
    cols[1].metric("Tickets waiting", state.tickets_waiting, help=f"{state.items_waiting} letters in them")
    cols[2].metric("Last run", _when(state.last_finished_at or state.last_started_at))
    cols[3].metric("Next run", _when(state.next_run_at))
    cols[4].metric("Next daily tickets", _when(state.next_tickets_at))
    if state.last_result:
        st.caption(f"Last result: {state.last_result}")
    if state.last_error and state.last_status == "error":
        st.error(f"The postal job's last run failed: {state.last_error}")


def _shipments(user: SignedInUser) -> None:
    left, mid, right = st.columns([3, 1, 2])
    kind = (
        left.segmented_control(
            "Show",
            list(FILTER_LABELS),
            format_func=lambda k: FILTER_LABELS[k],
            default="in_transit",
            key=f"{KEY}.filter",
        )
        or "in_transit"
    )
    stale_days = mid.number_input(
        "No movement for more than (days)",
        min_value=1,
        max_value=365,
        value=get_settings().postal_stale_days,
        key=f"{KEY}.stale",
        disabled=kind != "stale",
    )
    search = right.text_input("Tracking or case number", key=f"{KEY}.search", placeholder="C-000123 or 80085…")
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
        st.info("No shipments match.")
        return
    frame = pd.DataFrame(
        [
            {
                "Tracking number": r.tracking_number,
                "Cases": r.cases,
                "Status": r.status_label,
                "Last operation": r.last_operation or "—",
                "When": _when(r.last_operation_at),
                "Delivered on": f"{r.delivered_on:%d.%m.%Y}" if r.delivered_on else "",
                "Mailed": _when(r.mailed_at),
                "Court": r.addressee or "",
                "Note": r.last_error or ("waiting for the post's answer" if r.waiting_for_ticket else ""),
            }
            for r in rows
        ]
    )
    event = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"{KEY}.table"
    )
    pages = max(1, -(-total // PAGE_SIZE))
    nav = st.columns([1, 1, 4])
    if nav[0].button("Previous", disabled=page == 0, key=f"{KEY}.prev"):
        st.session_state[f"{KEY}.page"] = page - 1
        st.rerun()
    if nav[1].button("Next", disabled=page + 1 >= pages, key=f"{KEY}.next"):
        st.session_state[f"{KEY}.page"] = page + 1
        st.rerun()
    nav[2].caption(f"{total} shipments · page {page + 1} of {pages}")
    selected = event.selection.rows if event and event.selection else []
    if selected:
        _detail(user, rows[selected[0]].id, rows[selected[0]].tracking_number)


def _detail(user: SignedInUser, shipment_id: int, number: str) -> None:
    st.subheader(f"History of {number}")
    if st.button("Refresh this letter now", icon=":material/refresh:", key=f"{KEY}.refresh"):
        try:
            with db() as session:
                report = refresh_shipment(session, user, shipment_id)
            moved = f"; {report.cases_moved} case(s) moved to “Claim delivered”" if report.cases_moved else ""
            flagged = f"; {report.cases_flagged} case(s) flagged as returned" if report.cases_flagged else ""
            st.success(f"{report.new_operations} new operation(s){moved}{flagged}.")
        except (PostalUnavailable, PostalError) as exc:
            st.error(f"The post did not answer: {exc}. Try again later.")
        except CessioError as exc:
            st.error(str(exc))
    with db() as session:
        history = shipment_history(session, user, shipment_id)
    if not history:
        st.info("The post has reported no operation for this letter yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When (local)": h.local_time,
                    "Operation": h.name,
                    "Meaning": h.kind,
                    "Office": h.office_index,
                    "Code": h.type_attr,
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
        number = c1.text_input("Tracking number", placeholder="RA123456785RU or 14 digits")
        cases = c2.text_input("Case number(s)", placeholder="C-000123, C-000124")
        addressee = c1.text_input("Addressee (court)", help="Empty: the court of the first case")
        address = c2.text_input("Address", help="Empty: the court address of the first case")
        contents = c1.text_input("Contents", placeholder="Application for a court order, calculation, extract")
        mailed_on = c2.date_input("Mailed on", value=local_today(), format="DD.MM.YYYY")
        postage = c1.text_input("Postage, ₽", placeholder="98,40")
        submitted = st.form_submit_button("Save shipment", type="primary")
    if not submitted:
        return
    try:
        amount = parse_amount(postage) if postage.strip() else None
    except MoneyParseError as exc:
        st.error(f"Postage: {exc}")
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
        st.success(f"Shipment {number.strip().upper()} saved; the postal job will track it.")
    except ValidationFailed as exc:
        st.error(str(exc))
        for p in exc.problems:
            st.markdown(f"- {p}")
    except CessioError as exc:
        st.error(str(exc))


def _paste(user: SignedInUser) -> None:
    st.caption(
        "Paste the package's case numbers and the tracking numbers from the post's receipt, one per line, in the "
        "same order. Cases at “Claim prepared” are marked mailed; cases already further get the shipment only."
    )
    c1, c2 = st.columns(2)
    case_text = c1.text_area("Case numbers", height=220, key=f"{KEY}.paste.cases")
    numbers_text = c2.text_area("Tracking numbers", height=220, key=f"{KEY}.paste.numbers")
    mailed_on = st.date_input("Mailed on", value=local_today(), format="DD.MM.YYYY", key=f"{KEY}.paste.date")
    if not case_text.strip() or not numbers_text.strip():
        return
    with db() as session:
        case_ids, unknown = resolve_case_numbers(session, user, case_text.splitlines())
    if unknown:
        st.error("These case numbers do not exist: " + ", ".join(unknown))
        return
    case_numbers = [n.strip().upper() for n in case_text.splitlines() if n.strip()]
    lines = match_tracking_column(case_numbers, numbers_text)
    bad = [ln for ln in lines if ln.problem]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Line": ln.line,
                    "Case": ln.case_number,
                    "Tracking number": ln.tracking_number,
                    "Problem": ln.problem or "ok",
                }
                for ln in lines
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    good = len(lines) - len(bad)
    if bad:
        st.warning(f"{len(bad)} line(s) have a problem and will be skipped; {good} will be saved.")
    if good and st.button(f"Save {good} shipment(s)", type="primary", key=f"{KEY}.paste.save"):
        try:
            with db() as session:
                report = apply_tracking_column(session, user, case_ids, numbers_text, mailed_on=mailed_on)
            st.success(
                f"{report.moved} case(s) marked mailed, {report.registered} shipment(s) added to cases further on."
            )
            for number, reason in report.refused:
                st.warning(f"{number}: {reason}")
        except CessioError as exc:
            st.error(str(exc))


def main() -> None:
    user = actor()
    st.header("Court mail")
    _job_state(user)
    tab_list, tab_one, tab_paste = st.tabs(["Shipments", "Add a shipment", "Paste tracking numbers"])
    with tab_list:
        _shipments(user)
    with tab_one:
        _add_one(user)
    with tab_paste:
        _paste(user)


main()

"""Payments: import a bank payment file (preview, then import with a report), the queue of rows
that matched no case or several, and the most recent payments.

The page only reads widgets and calls ``core.ledger``; matching and booking happen there.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import to_local
from core.errors import CessioError
from core.ledger.payments_import import (
    ImportReport,
    dismiss_row,
    import_payment_file,
    match_row,
    preview_payment_file,
    queued_rows,
)
from core.ledger.service import recent_payments
from core.money import MoneyParseError, format_amount, parse_amount
from ui.context import SignedInUser, actor, db

KEY = "payments"
RESULT_LABELS = {
    "matched": "✅ booked",
    "unmatched": "🟡 to the queue: no case",
    "ambiguous": "🟡 to the queue: several cases",
    "invalid": "🔴 to the queue: unreadable",
    "duplicate": "⏭ already imported",
}


def _report_frame(report: ImportReport, preview: bool) -> pd.DataFrame:
    rows = report.as_rows()
    for r in rows:
        status = str(r["result"])
        label = RESULT_LABELS.get(status, status)
        if preview and status == "matched":
            label = "✅ will be booked"
        r["result"] = label
        r["date"] = r["date"].strftime("%d.%m.%Y") if isinstance(r["date"], dt.date) else ""
        r["amount"] = format_amount(r["amount"], currency=False) if r["amount"] is not None else ""
        r["case"] = f"case?case={r['case']}" if r["case"] else ""
    return pd.DataFrame(rows)


def _show_report(report: ImportReport, preview: bool) -> None:
    c = st.columns(4)
    c[0].metric("Rows", len(report.rows))
    c[1].metric("Will be booked" if preview else "Booked", report.posted)
    c[2].metric("To the queue", report.queued)
    c[3].metric("Already imported", report.duplicates)
    st.dataframe(
        _report_frame(report, preview),
        hide_index=True,
        width="stretch",
        column_config={"case": st.column_config.LinkColumn("Case", display_text=r"case\?case=(.*)")},
    )


def _import_tab(user: SignedInUser) -> None:
    if not has_permission(user, Permission.LEDGER_IMPORT):
        st.info("Your role does not import payment files.")
        return
    st.caption(
        "A CSV export of the bank statement: date, amount, payer, purpose (the purpose must name the contract "
        "number). UTF-8 or Windows-1251, separated by ; or ,. Importing the same file twice changes nothing."
    )
    upload = st.file_uploader("Bank payment file", type=["csv", "txt"], key=f"{KEY}.file")
    if upload is None:
        return
    content = upload.getvalue()
    done_key = f"{KEY}.done"
    done = st.session_state.get(done_key)
    if done and done[0] == (upload.name, len(content)):
        st.success(f"Imported {upload.name}: {done[1].posted} booked, {done[1].queued} to the queue.")
        _show_report(done[1], preview=False)
        return
    try:
        with db() as session:
            preview = preview_payment_file(session, user, content, upload.name)
    except CessioError as exc:
        st.error(str(exc))
        return
    st.markdown(f"**Preview** of {upload.name} ({preview.encoding})")
    _show_report(preview, preview=True)
    new_rows = len(preview.rows) - preview.duplicates
    if new_rows == 0:
        st.info("Every row of this file was imported before; there is nothing to do.")
        return
    if st.button(f"Import {new_rows} row(s)", type="primary", key=f"{KEY}.go"):
        bar = st.progress(0.0, text="Booking the payments…")

        def progress(done: int, total: int) -> None:
            if done == total or done % 20 == 0:
                bar.progress(done / total, text=f"Row {done:,} of {total:,}…")

        try:
            with db() as session:
                report = import_payment_file(session, user, content, upload.name, progress=progress)
        except CessioError as exc:
            st.error(str(exc))
            return
        st.session_state[done_key] = ((upload.name, len(content)), report)
        st.rerun()


def _queue_tab(user: SignedInUser) -> None:
    with db() as session:
        rows = queued_rows(session, user)
    if not rows:
        st.success("The queue is empty: every imported row is booked or dismissed.")
        return
    st.caption(f"{len(rows)} row(s) wait for a clerk. Match each to a case, or dismiss it as not ours.")
    frame = pd.DataFrame(
        [
            {
                "Row": r.id,
                "Date": r.pay_date.strftime("%d.%m.%Y") if r.pay_date else "",
                "Amount": format_amount(r.amount, currency=False) if r.amount is not None else "",
                "Payer": r.payer or "",
                "Purpose": r.purpose or "",
                "Why queued": r.problem or r.status,
            }
            for r in rows
        ]
    )
    picked = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"{KEY}.queue"
    )
    selected = picked.selection.rows if picked is not None else []
    if not selected:
        st.caption("Select a row to match or dismiss it.")
        return
    row = rows[selected[0]]
    can_match = has_permission(user, Permission.LEDGER_IMPORT) and has_permission(user, Permission.LEDGER_PAYMENT)
    with st.form(f"{KEY}.match.{row.id}"):
        st.markdown(f"**Row {row.id}** (file {row.import_id}, line {row.row_no}): `{row.raw}`")
        c1, c2, c3 = st.columns(3)
        case_ref = c1.text_input("Case number", placeholder="C-000123")
        on = c2.date_input("Payment date", value=row.pay_date or dt.date.today(), format="DD.MM.YYYY")
        amount_text = c3.text_input(
            "Amount, руб.", value=format_amount(row.amount, currency=False) if row.amount is not None else ""
        )
        reason = st.text_input("Reason, when dismissing")
        b1, b2 = st.columns(2)
        book = b1.form_submit_button("Book to the case", type="primary", disabled=not can_match)
        drop = b2.form_submit_button("Not ours: dismiss", disabled=not can_match)
    try:
        if book:
            amount = parse_amount(amount_text)
            with db() as session:
                match_row(session, user, row.id, case_ref.strip(), pay_date=on, amount=amount)
            st.session_state[f"{KEY}.flash"] = f"Row {row.id} booked to {case_ref.strip().upper()}."
            st.rerun()
        if drop:
            with db() as session:
                dismiss_row(session, user, row.id, reason)
            st.session_state[f"{KEY}.flash"] = f"Row {row.id} dismissed."
            st.rerun()
    except MoneyParseError as exc:
        st.error(f"Amount: {exc}")
    except CessioError as exc:
        st.error(str(exc))


def _recent_tab(user: SignedInUser) -> None:
    with db() as session:
        payments = recent_payments(session, user, limit=200)
    if not payments:
        st.caption("No payments yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Case": f"case?case={p.case_number}",
                    "Date": p.effective_date.strftime("%d.%m.%Y"),
                    "Amount": format_amount(p.amount, currency=False),
                    "Source": p.source.replace("_", " "),
                    "Reference": p.reference or "",
                    "Booked": (to_local(p.booked_at) or p.booked_at).strftime("%d.%m.%Y %H:%M"),
                }
                for p in payments
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"Case": st.column_config.LinkColumn("Case", display_text=r"case\?case=(.*)")},
    )


def main() -> None:
    user = actor()
    st.header("Payments")
    flash = st.session_state.pop(f"{KEY}.flash", None)
    if flash:
        st.success(flash)
    tabs = st.tabs(["Import a bank file", "Unmatched queue", "Recent payments"])
    with tabs[0]:
        _import_tab(user)
    with tabs[1]:
        _queue_tab(user)
    with tabs[2]:
        _recent_tab(user)


main()

"""Payments: import a bank payment file (preview here, then the import queued for the jobs
process, with live progress and a report), the queue of rows that matched no case or several,
and the most recent payments.

The page only reads widgets and calls ``core.ledger``; matching and booking happen there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.auth.permissions import Permission, has_permission
from core.calendar import local_today
from core.errors import CessioError
from core.i18n import N_, _, format_date, format_datetime_local, format_money, format_number, ngettext
from core.ledger.payments_import import (
    ImportReport,
    dismiss_row,
    match_row,
    preview_payment_file,
    queued_rows,
)
from core.ledger.service import recent_payments
from core.ledger.tasks import PAYMENT_FILE_IMPORT, queue_payment_file_import
from core.money import MoneyParseError, parse_amount
from core.tasks.service import TaskView
from ui.context import SignedInUser, actor, db
from ui.queued_task import recent_tasks_table, task_panel

KEY = "payments"
RESULT_LABELS = {
    "matched": N_("✅ booked"),
    "unmatched": N_("🟡 to the queue: no case"),
    "ambiguous": N_("🟡 to the queue: several cases"),
    "invalid": N_("🔴 to the queue: unreadable"),
    "duplicate": N_("⏭ already imported"),
}
REPORT_COLUMNS = {
    "line": N_("Line"),
    "date": N_("Date"),
    "amount": N_("Amount"),
    "payer": N_("Payer"),
    "purpose": N_("Purpose"),
    "result": N_("Result"),
    "case": N_("Case"),
    "note": N_("Note"),
}
SOURCE_LABELS = {
    "manual": N_("by hand"),
    "payment_file": N_("bank file"),
    "import": N_("import"),
    "demo": N_("demo data"),
}


ReportRow = dict[str, object]


def _report_frame(rows: list[ReportRow], preview: bool) -> pd.DataFrame:
    shown = []
    for row in rows:
        r = dict(row)
        status = str(r["result"])
        label = _(RESULT_LABELS[status]) if status in RESULT_LABELS else status
        if preview and status == "matched":
            label = _("✅ will be booked")
        r["result"] = label
        r["date"] = format_date(r["date"], empty="") if isinstance(r["date"], dt.date) else ""
        r["amount"] = format_money(r["amount"], currency=False) if isinstance(r["amount"], Decimal) else ""
        r["case"] = f"case?case={r['case']}" if r["case"] else ""
        shown.append(r)
    frame = pd.DataFrame(shown)
    return frame.rename(columns={k: _(v) for k, v in REPORT_COLUMNS.items()})


def _show_report(rows: list[ReportRow], total: int, posted: int, queued: int, duplicates: int, preview: bool) -> None:
    c = st.columns(4)
    c[0].metric(_("Rows"), total)
    c[1].metric(_("Will be booked") if preview else _("Booked"), posted)
    c[2].metric(_("To the queue"), queued)
    c[3].metric(_("Already imported"), duplicates)
    st.dataframe(
        _report_frame(rows, preview),
        hide_index=True,
        width="stretch",
        column_config={_("Case"): st.column_config.LinkColumn(_("Case"), display_text=r"case\?case=(.*)")},
    )


def _show_preview(report: ImportReport) -> None:
    _show_report(report.as_rows(), len(report.rows), report.posted, report.queued, report.duplicates, preview=True)


def _show_import_result(view: TaskView) -> None:
    """The report of a finished import, as the jobs process returned it (dates ISO, money as text)."""
    result = view.result or {}
    rows: list[ReportRow] = [
        {
            **row,
            "date": dt.date.fromisoformat(row["date"]) if row.get("date") else None,
            "amount": Decimal(row["amount"]) if row.get("amount") else None,
        }
        for row in result.get("rows", [])
    ]
    st.success(
        _("Imported {filename}: {posted} booked ({amount}), {queued} to the queue.").format(
            filename=result.get("filename", ""),
            posted=result.get("posted", 0),
            amount=format_money(Decimal(result.get("booked_total", "0"))),
            queued=result.get("queued", 0),
        )
    )
    _show_report(
        rows,
        int(result.get("rows_total", len(rows))),
        int(result.get("posted", 0)),
        int(result.get("queued", 0)),
        int(result.get("duplicates", 0)),
        preview=False,
    )
    omitted = int(result.get("rows_omitted", 0))
    if omitted:
        st.caption(
            _(
                "The report shows the first {count} rows; {omitted} more are not listed. Every row sent to the queue is in the “Unmatched queue” tab."
            ).format(count=format_number(len(rows)), omitted=format_number(omitted))
        )


def _import_panel(user: SignedInUser, task_id: int) -> str:
    """The queued import's progress or report; returns "running", "done" or "failed"."""
    outcome = {"status": "failed"}

    def render(view: TaskView) -> None:
        outcome["status"] = "done"
        _show_import_result(view)

    if not task_panel(user, task_id, render, key=f"{KEY}.task.{task_id}"):
        return "running"
    return outcome["status"]


def _import_tab(user: SignedInUser) -> None:
    if not has_permission(user, Permission.LEDGER_IMPORT):
        st.info(_("Your role does not import payment files."))
        return
    st.caption(
        _(
            "A CSV export of the bank statement: date, amount, payer, purpose (the purpose must name the contract number). UTF-8 or Windows-1251, separated by ; or ,. Importing the same file twice changes nothing. The import is done by the jobs process: you may leave the page while it runs."
        )
    )
    upload = st.file_uploader(_("Bank payment file"), type=["csv", "txt"], key=f"{KEY}.file")
    _import_upload(user, upload)
    st.subheader(_("Your bank file imports"))
    recent_tasks_table(user, (PAYMENT_FILE_IMPORT,), key=f"{KEY}.recent_imports")


def _import_upload(user: SignedInUser, upload: UploadedFile | None) -> None:
    task_key = f"{KEY}.task"
    queued = st.session_state.get(task_key)
    if upload is None:
        if queued:  # back on the page (the uploader forgot the file): the last import goes on here
            st.markdown(_("**Your last bank file import:** {filename}").format(filename=queued["filename"]))
            _import_panel(user, queued["task_id"])
        return
    content = upload.getvalue()
    this_file = (upload.name, hashlib.sha256(content).hexdigest())
    if queued and tuple(queued["file"]) == this_file:
        if _import_panel(user, queued["task_id"]) != "failed":
            return
        st.info(_("Nothing of that import was booked. Put right what the message says, then import the file again."))
    try:
        with db() as session:
            preview = preview_payment_file(session, user, content, upload.name)
    except CessioError as exc:
        st.error(str(exc))
        return
    st.markdown(_("**Preview** of {name} ({encoding})").format(name=upload.name, encoding=preview.encoding))
    _show_preview(preview)
    new_rows = len(preview.rows) - preview.duplicates
    if new_rows == 0:
        st.info(_("Every row of this file was imported before; there is nothing to do."))
        return
    if st.button(
        ngettext("Import {n} row", "Import {n} rows", new_rows).format(n=format_number(new_rows)),
        type="primary",
        key=f"{KEY}.go",
    ):
        try:
            with db() as session:
                task_id = queue_payment_file_import(session, user, content, upload.name, new_rows)
        except CessioError as exc:
            st.error(str(exc))
            return
        st.session_state[task_key] = {"file": this_file, "filename": upload.name, "task_id": task_id}
        st.rerun()


def _queue_tab(user: SignedInUser) -> None:
    with db() as session:
        rows = queued_rows(session, user)
    if not rows:
        st.success(_("The queue is empty: every imported row is booked or dismissed."))
        return
    st.caption(
        ngettext(
            "{n} row waits for a clerk. Match each to a case, or dismiss it as not ours.",
            "{n} rows wait for a clerk. Match each to a case, or dismiss it as not ours.",
            len(rows),
        ).format(n=format_number(len(rows)))
    )
    frame = pd.DataFrame(
        [
            {
                _("Row"): r.id,
                _("Date"): format_date(r.pay_date, empty=""),
                _("Amount"): format_money(r.amount, currency=False) if r.amount is not None else "",
                _("Payer"): r.payer or "",
                _("Purpose"): r.purpose or "",
                _("Why queued"): r.problem or (_(RESULT_LABELS[r.status]) if r.status in RESULT_LABELS else r.status),
            }
            for r in rows
        ]
    )
    picked = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"{KEY}.queue"
    )
    selected = picked.selection.rows if picked is not None else []
    if not selected:
        st.caption(_("Select a row to match or dismiss it."))
        return
    row = rows[selected[0]]
    can_match = has_permission(user, Permission.LEDGER_IMPORT) and has_permission(user, Permission.LEDGER_PAYMENT)
    with st.form(f"{KEY}.match.{row.id}"):
        st.markdown(
            _("**Row {id}** (file {import_id}, line {row_no}): `{raw}`").format(
                id=row.id, import_id=row.import_id, row_no=row.row_no, raw=row.raw
            )
        )
        c1, c2, c3 = st.columns(3)
        case_ref = c1.text_input(_("Case number"), placeholder="C-000123")
        on = c2.date_input(_("Payment date"), value=row.pay_date or local_today(), format="DD.MM.YYYY")
        amount_text = c3.text_input(
            _("Amount, ₽"), value=format_money(row.amount, currency=False) if row.amount is not None else ""
        )
        reason = st.text_input(_("Reason, when dismissing"))
        b1, b2 = st.columns(2)
        book = b1.form_submit_button(_("Book to the case"), type="primary", disabled=not can_match)
        drop = b2.form_submit_button(_("Not ours: dismiss"), disabled=not can_match)
    try:
        if book:
            amount = parse_amount(amount_text)
            with db() as session:
                match_row(session, user, row.id, case_ref.strip(), pay_date=on, amount=amount)
            st.session_state[f"{KEY}.flash"] = _("Row {id} booked to {case}.").format(
                id=row.id, case=case_ref.strip().upper()
            )
            st.rerun()
        if drop:
            with db() as session:
                dismiss_row(session, user, row.id, reason)
            st.session_state[f"{KEY}.flash"] = _("Row {id} dismissed.").format(id=row.id)
            st.rerun()
    except MoneyParseError as exc:
        st.error(_("Amount: {exc}").format(exc=exc))
    except CessioError as exc:
        st.error(str(exc))


def _recent_tab(user: SignedInUser) -> None:
    with db() as session:
        payments = recent_payments(session, user, limit=200)
    if not payments:
        st.caption(_("No payments yet."))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("Case"): f"case?case={p.case_number}",
                    _("Date"): format_date(p.effective_date),
                    _("Amount"): format_money(p.amount, currency=False),
                    _("Source"): _(SOURCE_LABELS[p.source])
                    if p.source in SOURCE_LABELS
                    else p.source.replace("_", " "),
                    _("Reference"): p.reference or "",
                    _("Booked"): format_datetime_local(p.booked_at),
                }
                for p in payments
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={_("Case"): st.column_config.LinkColumn(_("Case"), display_text=r"case\?case=(.*)")},
    )


def main() -> None:
    user = actor()
    st.header(_("Payments"))
    flash = st.session_state.pop(f"{KEY}.flash", None)
    if flash:
        st.success(flash)
    tabs = st.tabs([_("Import a bank file"), _("Unmatched queue"), _("Recent payments")])
    with tabs[0]:
        _import_tab(user)
    with tabs[1]:
        _queue_tab(user)
    with tabs[2]:
        _recent_tab(user)


main()

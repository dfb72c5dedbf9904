"""Credit bureau: what is due today, what is late, the correction queue, the submissions with
their receipts, acknowledgements and files, and the compliance figure.

The page only reads widgets and calls ``core.bureau.service``; the gateway is called by the
service (the "send now" and "check acknowledgements" buttons), never from here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.bureau.client import BureauClient
from core.bureau.service import (
    EDITABLE_FIELDS,
    EventRow,
    check_acknowledgements,
    compliance,
    correct_event,
    list_events,
    list_submissions,
    mark_submission_failed,
    resend_submission,
    send_again,
    send_now,
    submission_file,
)
from core.calendar import local_date
from core.db import utcnow
from core.errors import CessioError, ValidationFailed
from core.i18n import N_, _, format_date, format_datetime_local, format_number, format_percent, ngettext
from ui.context import SignedInUser, actor, db, engine

KEY = "bureau"
PAGE_SIZE = 200
VIEW_LABELS = {
    "due_today": N_("Due today"),
    "overdue": N_("Overdue"),
    "corrections": N_("Correction queue"),
    "waiting": N_("Waiting / sent"),
    "all": N_("All events"),
}
SUBMISSION_STATUSES = {
    "prepared": N_("prepared"),
    "uploaded": N_("uploaded, waiting for the answer"),
    "acknowledged": N_("acknowledged"),
    "failed": N_("refused by the gateway"),
    "attention": N_("needs attention"),
}
FIELD_NAMES = {
    "amount": N_("Amount"),
    "payment_date": N_("Payment date"),
    "end_date": N_("End date"),
    "act_number": N_("Court case number"),
    "act_date": N_("Date of the act"),
    "in_force_date": N_("Date it came into force"),
    "awarded_amount": N_("Amount awarded"),
    "court_name": N_("Court"),
    "agreement_number": N_("Assignment agreement number"),
    "agreement_date": N_("Assignment agreement date"),
    "assignee_name": N_("Assignee"),
    "assignee_inn": N_("Assignee's INN"),
}


def _day(value: dt.date | None) -> str:
    return format_date(value)


def _share(value: object) -> str:
    """A percentage the service gives as a number of percent (``97.5``)."""
    return format_percent(float(value) / 100) if value is not None else "—"  # type: ignore[arg-type]


def _compliance(user: SignedInUser) -> None:
    today = local_date(utcnow())
    with db() as session:
        figure = compliance(session, user, today)
        recent = compliance(session, user, today, since=today - dt.timedelta(days=30))
    cols = st.columns(5)
    share = figure.share_on_time
    cols[0].metric(
        _("Acknowledged by the due date"),
        _share(share),
        help=_(
            "Share of the events due so far that the bureau accepted by their due date (the next business day after the change)."
        ),
    )
    last30 = recent.share_on_time
    cols[1].metric(_("Last 30 days"), _share(last30))
    statutory = figure.share_statutory
    cols[2].metric(
        _("Within the legal deadline"),
        _share(statutory),
        help=_("Accepted within the statutory number of business days (218-FZ art. 5 part 5)."),
    )
    cols[3].metric(_("Due today"), figure.due_today)
    cols[4].metric(_("Overdue"), figure.overdue)
    if figure.overdue:
        overdue = ngettext("{n} event is overdue", "{n} events are overdue", figure.overdue).format(
            n=format_number(figure.overdue)
        )
        if figure.past_statutory_open:
            overdue += _(", {n} past the legal deadline").format(n=format_number(figure.past_statutory_open))
        st.markdown(
            _(":red[**{overdue}**.] Check the correction queue and the submissions below.").format(overdue=overdue)
        )


def _events_frame(rows: list[EventRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                _("Case"): f"case?case={r.case_number}",
                _("Debtor"): r.debtor,
                _("Event"): f"{r.event_code} {r.what}",
                _("Happened"): _day(r.occurred_on),
                _("Due"): _day(r.due_date),
                _("Legal deadline"): _day(r.statutory_date),
                _("Status"): r.status_label,
                _("Accepted"): _day(r.accepted_on),
                _("Problem"): r.problem or "",
                _("Late"): r.overdue,
            }
            for r in rows
        ]
    )


def _red_when_late(row: pd.Series) -> list[str]:
    style = "color: #dc2626; font-weight: 600" if row[_("Late")] else ""
    return [style] * len(row)


def _events(user: SignedInUser) -> None:
    view = (
        st.segmented_control(
            _("Show"), list(VIEW_LABELS), format_func=lambda v: _(VIEW_LABELS[v]), default="overdue", key=f"{KEY}.view"
        )
        or "overdue"
    )
    with db() as session:
        rows, total = list_events(session, user, view, limit=PAGE_SIZE)
    if not rows:
        st.success(_("Nothing here.") if view != "overdue" else _("Nothing is overdue."))
        return
    shown = ngettext("{n} event", "{n} events", total).format(n=format_number(total))
    if total > PAGE_SIZE:
        shown += _(", the first {n} shown").format(n=format_number(PAGE_SIZE))
    st.caption(shown)
    frame = _events_frame(rows)
    selection = st.dataframe(
        frame.style.apply(_red_when_late, axis=1),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key=f"{KEY}.events.{view}",
        column_config={
            _("Case"): st.column_config.LinkColumn(_("Case"), display_text=r"case=(C-\d+)", width="small"),
            _("Late"): st.column_config.CheckboxColumn(_("Late"), width="small"),
        },
    )
    chosen = [rows[i] for i in selection.selection.rows] if selection else []
    if not has_permission(user, Permission.BUREAU_MANAGE):
        return
    fixable = [r for r in chosen if r.status in ("held", "rejected") or r.stuck]
    if st.button(
        _("Send again ({count})").format(count=len(fixable)),
        disabled=not fixable,
        key=f"{KEY}.resend",
        help=_("After the data is fixed: put the selected held or rejected events back in the queue."),
    ):
        try:
            with db() as session:
                outcomes = send_again(session, user, [r.id for r in fixable])
        except CessioError as exc:
            st.error(str(exc))
        else:
            queued = sum(1 for o in outcomes if o.queued)
            st.success(
                ngettext(
                    "{n} event will go with the next submission.",
                    "{n} events will go with the next submission.",
                    queued,
                ).format(n=queued)
            )
            for o in outcomes:
                if not o.queued:
                    st.warning(_("Event {event_id}: {reason}").format(event_id=o.event_id, reason=o.reason))
    if len(fixable) == 1:
        _correction_form(user, fixable[0])


def _correction_form(user: SignedInUser, row: EventRow) -> None:
    fields = EDITABLE_FIELDS.get(row.event_code, {})
    if not fields:
        st.caption(_("This event's data comes from the debtor and the case: fix it there, then send it again."))
        return
    with st.form(f"{KEY}.correct.{row.id}"):
        st.markdown(
            _("**Correct event {event_code} of {case_number}** (leave a field empty to keep it)").format(
                event_code=row.event_code, case_number=row.case_number
            )
        )
        values = {
            name: st.text_input(
                _(FIELD_NAMES[name]) if name in FIELD_NAMES else name.replace("_", " ").capitalize(),
                key=f"{KEY}.c.{row.id}.{name}",
            )
            for name in fields
        }
        if st.form_submit_button(_("Save and send again")):
            changes = {k: v for k, v in values.items() if v.strip()}
            try:
                with db() as session:
                    outcome = correct_event(session, user, row.id, changes)
            except ValidationFailed as exc:
                st.error(str(exc))
                for name, problem in exc.problems.items():
                    st.caption(f"{_(FIELD_NAMES[name]) if name in FIELD_NAMES else name}: {problem}")
            except CessioError as exc:
                st.error(str(exc))
            else:
                if outcome.queued:
                    st.success(_("Corrected; it goes with the next submission."))
                else:
                    st.warning(_("Saved, but it still cannot be sent: {reason}").format(reason=outcome.reason))


def _submissions(user: SignedInUser) -> None:
    with db() as session:
        subs, total = list_submissions(session, user, limit=100)
    if not subs:
        st.info(_("No submissions yet. The bureau job sends the due events every day."))
        return
    frame = pd.DataFrame(
        [
            {
                _("Day"): _day(s.report_date),
                _("File"): s.file_name,
                _("Records"): s.records,
                _("Status"): _(SUBMISSION_STATUSES[s.status]) if s.status in SUBMISSION_STATUSES else s.status,
                _("Receipt"): s.receipt_id or "—",
                _("Received"): format_datetime_local(s.received_at),
                _("Answer"): s.ack_status or "—",
                _("Answered"): format_datetime_local(s.acknowledged_at),
                _("Accepted"): s.accepted,
                _("Rejected"): s.rejected,
                _("Error"): s.last_error or "",
            }
            for s in subs
        ]
    )
    st.caption(ngettext("{n} submission", "{n} submissions", total).format(n=format_number(total)))
    selection = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"{KEY}.subs"
    )
    picked = selection.selection.rows if selection else []
    if picked:
        sub = subs[picked[0]]
        if sub.status == "attention":
            _attention_actions(user, sub.id, sub.file_name, sub.last_error)
        if st.button(_("Prepare {file_name} for download").format(file_name=sub.file_name), key=f"{KEY}.prep.{sub.id}"):
            try:
                with db() as session:
                    name, content = submission_file(session, user, sub.id)
            except CessioError as exc:
                st.error(str(exc))
            else:
                st.download_button(
                    _("Download {name}").format(name=name),
                    content,
                    file_name=name,
                    mime="text/tab-separated-values",
                    key=f"{KEY}.dl.{sub.id}",
                    on_click="ignore",
                )


def _attention_actions(user: SignedInUser, submission_id: int, file_name: str, problem: str | None) -> None:
    """A file whose answer cannot be had: upload it again with the same key, or give it up."""
    if not has_permission(user, Permission.BUREAU_MANAGE):
        return
    st.warning(_("{file} needs attention: {problem}").format(file=file_name, problem=problem or "—"))
    left, right = st.columns(2)
    if left.button(
        _("Upload again with the same key"),
        key=f"{KEY}.resend_sub.{submission_id}",
        help=_("The gateway keeps one copy of a key, so this never makes the bureau count a record twice."),
    ):
        try:
            ok = resend_submission(user, BureauClient.from_settings(attempts=2), submission_id, engine())
        except CessioError as exc:
            st.error(str(exc))
        else:
            if ok:
                st.success(_("The gateway has the file; its answer is collected with the next check."))
            else:
                st.warning(_("The gateway did not take it this time; the next run tries again."))
    with right.form(f"{KEY}.fail_sub.{submission_id}"):
        reason = st.text_input(_("Why is it given up?"), key=f"{KEY}.fail_reason.{submission_id}")
        if st.form_submit_button(_("Mark failed and send its records in a new file")):
            try:
                with db() as session:
                    returned = mark_submission_failed(session, user, submission_id, reason)
            except CessioError as exc:
                st.error(str(exc))
            else:
                st.success(_("{n} event(s) go with the next submission.").format(n=returned))


def _actions(user: SignedInUser) -> None:
    if not has_permission(user, Permission.BUREAU_MANAGE):
        return
    left, right, _rest = st.columns([1, 1, 3])
    if left.button(_("Send due events now"), icon=":material/send:", key=f"{KEY}.send"):
        with st.spinner(_("Sending to the bureau...")):
            try:
                summary = send_now(user, BureauClient.from_settings(attempts=2), engine())
            except CessioError as exc:
                st.error(str(exc))
            else:
                (st.warning if summary.errors else st.success)(summary.text())
    if right.button(_("Check acknowledgements"), icon=":material/fact_check:", key=f"{KEY}.acks"):
        try:
            summary = check_acknowledgements(user, BureauClient.from_settings(attempts=2), engine())
        except CessioError as exc:
            st.error(str(exc))
        else:
            (st.warning if summary.errors else st.success)(summary.text())


def main() -> None:
    user = actor()
    st.title(_("Credit bureau"))
    st.caption(
        _(
            "Every change of a debt is reported to the credit bureau by the next business day (218-FZ art. 5 sets the legal deadline). Late items are red."
        )
    )
    _compliance(user)
    _actions(user)
    events_tab, subs_tab = st.tabs([_("Events"), _("Submissions")])
    with events_tab:
        _events(user)
    with subs_tab:
        _submissions(user)


main()

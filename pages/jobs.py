"""Background jobs: each job's last run, its result or error, the next run and who runs it now.

The jobs run in their own process (``python -m jobs``); this page only reads their state,
refreshing itself every 30 seconds.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.calendar import to_local
from core.errors import CessioError
from core.i18n import N_, _, format_datetime_local
from core.jobstate.service import job_overview
from core.tasks.models import FAILED, RUNNING
from core.tasks.service import queue_overview, requeue_task
from jobs.runner import discover_jobs
from ui.context import SignedInUser, actor, db
from ui.key_rate_notice import key_rate_form, show_key_rate_warning
from ui.queued_task import STATUS_LABELS

STATUS = {"ok": N_("✅ ok"), "error": N_("❌ error"), "skipped": N_("⏭ skipped")}
format_local = format_datetime_local


def _job_title(name: str) -> str:
    """The job as people call it (its title, in the user's language), its code after it."""
    spec = discover_jobs().get(name)
    return f"{_(spec.title)} ({name})" if spec else name


@st.fragment(run_every=30)
def _overview(user: SignedInUser) -> None:
    try:
        with db() as session:
            jobs = job_overview(session, user)
    except CessioError as exc:
        st.error(str(exc))
        return
    if not jobs:
        st.info(_("No job has run yet. Start the jobs process with `python -m jobs` (or `cessio jobs`)."))
        _queued_work(user)
        return
    frame = pd.DataFrame(
        [
            {
                _("Job"): _job_title(j.name),
                _("Status"): _(STATUS[j.last_status]) if j.last_status in STATUS else (j.last_status or _("never ran")),
                _("Last started"): format_local(j.last_started_at),
                _("Last finished"): format_local(j.last_finished_at),
                _("Result"): j.last_result or "",
                _("Next run"): format_local(j.next_run_at),
                _("Running on"): j.running_on or "",
                _("Runs"): j.run_count,
            }
            for j in jobs
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    for j in jobs:
        if j.last_error:
            with st.expander(_("Last error of {name}").format(name=_job_title(j.name)), icon=":material/error:"):
                st.code(j.last_error, language=None)
    _queued_work(user)
    st.caption(_("Updated {now:%H:%M:%S}").format(now=dt.datetime.now(tz=to_local(dt.datetime.now(dt.UTC)).tzinfo)))


def _queued_work(user: SignedInUser) -> None:
    """What people queued for the jobs process (print packages, imports): the ``task_queue`` job."""
    st.subheader(_("Queued work"))
    with db() as session:
        rows = queue_overview(session, user)
    if not rows:
        st.caption(_("Nobody has queued any work yet."))
        return
    frame = pd.DataFrame(
        [
            {
                "№": r.task.id,
                _("Work"): r.task.title,
                _("Queued by"): r.queued_by,
                _("Status"): _(STATUS_LABELS[r.task.status]) if r.task.status in STATUS_LABELS else r.task.status,
                _("Progress"): r.task.progress_label if r.task.status == RUNNING else "",
                _("Queued"): format_local(r.task.created_at),
                _("Finished"): format_local(r.task.finished_at),
                _("Problem"): r.task.error or "",
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="jobs.queued_work")
    failed = [r.task for r in rows if r.task.status == FAILED]
    if failed:
        left, right = st.columns([3, 1])
        chosen = left.selectbox(
            _("Failed work"),
            failed,
            format_func=lambda t: f"№ {t.id}: {t.title}",
            key="jobs.failed_work",
        )
        if right.button(_("Queue again"), key="jobs.requeue", help=_("The same work as a new task, done as you.")):
            try:
                with db() as session:
                    new_id = requeue_task(session, user, chosen.id)
            except CessioError as exc:
                st.error(str(exc))
            else:
                st.success(_("Queued again as № {id}.").format(id=new_id))


def main() -> None:
    user = actor()
    st.header(_("Background jobs"))
    show_key_rate_warning()
    key_rate_form(user)
    _overview(user)


main()

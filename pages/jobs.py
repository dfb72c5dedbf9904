"""Background jobs: each job's last run, its result or error, the next run and who runs it now.

The jobs run in their own process (``python -m jobs``); this page only reads their state,
refreshing itself every 30 seconds.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.calendar import format_local, to_local
from core.errors import CessioError
from core.i18n import _
from core.jobstate.service import job_overview
from core.tasks.models import RUNNING
from core.tasks.service import queue_overview
from ui.context import SignedInUser, actor, db
from ui.key_rate_notice import key_rate_form, show_key_rate_warning
from ui.queued_task import STATUS_LABELS

STATUS = {"ok": "✅ ok", "error": "❌ error", "skipped": "⏭ skipped"}


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
                "Job": j.name,
                "Status": STATUS.get(j.last_status or "", j.last_status or "never ran"),
                "Last started": format_local(j.last_started_at),
                "Last finished": format_local(j.last_finished_at),
                "Result": j.last_result or "",
                "Next run": format_local(j.next_run_at),
                "Running on": j.running_on or "",
                "Runs": j.run_count,
            }
            for j in jobs
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    for j in jobs:
        if j.last_error:
            with st.expander(_("Last error of {name}").format(name=j.name), icon=":material/error:"):
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
                "Work": r.task.title,
                "Queued by": r.queued_by,
                "Status": STATUS_LABELS.get(r.task.status, r.task.status),
                "Progress": r.task.progress_label if r.task.status == RUNNING else "",
                "Queued": format_local(r.task.created_at),
                "Finished": format_local(r.task.finished_at),
                "Problem": r.task.error or "",
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="jobs.queued_work")


def main() -> None:
    user = actor()
    st.header(_("Background jobs"))
    show_key_rate_warning()
    key_rate_form(user)
    _overview(user)


main()

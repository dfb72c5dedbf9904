"""How a page shows work it queued for the jobs process: progress while it runs (the panel
refreshes itself every second), then the result or what went wrong.

The task id is kept in the session, and every page also lists the user's latest queued work of
its kind, so leaving the page (or a browser refresh and a new sign-in) loses nothing: the work
goes on in the jobs process and its result waits in that list.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.errors import NotFound
from core.i18n import N_, _, format_datetime_local
from core.tasks.models import DONE, FAILED, QUEUED, RUNNING
from core.tasks.service import TaskView, get_task, my_tasks
from ui.context import SignedInUser, db

# A queued task nobody picked up for this long means no jobs process is running.
STUCK_AFTER_SECONDS = 30

STATUS_LABELS = {QUEUED: N_("⏳ queued"), RUNNING: N_("🔄 running"), DONE: N_("✅ done"), FAILED: N_("⛔ failed")}

ResultRenderer = Callable[[TaskView], None]


def task_panel(user: SignedInUser, task_id: int, render_result: ResultRenderer, key: str) -> bool:
    """Show one task; True once it has finished (the caller may then offer to start another)."""
    try:
        with db() as session:
            view = get_task(session, user, task_id)
    except NotFound as exc:
        st.error(str(exc))
        return True
    if view.status == DONE:
        render_result(view)
        return True
    if view.status == FAILED:
        st.error(f"{view.title}: {view.error}")
        return True
    _live_progress(user, task_id, key)
    return False


@st.fragment(run_every=1)
def _live_progress(user: SignedInUser, task_id: int, key: str) -> None:
    with db() as session:
        view = get_task(session, user, task_id)
    if view.finished:
        st.rerun()  # the whole page, which then shows the result
    if view.status == QUEUED:
        if view.ahead:
            text = _("{title}: queued ({ahead} ahead of it), waiting for the jobs process…")
        else:
            text = _("{title}: queued, waiting for the jobs process…")
        st.progress(0.0, text=text.format(title=view.title, ahead=view.ahead))
        if view.waited_seconds() > STUCK_AFTER_SECONDS and not view.ahead:
            st.warning(
                _(
                    "Nothing has picked this up for {waited_seconds} s. Is the jobs process running (`cessio jobs run`; `make run` starts it)? The work stays queued until it is."
                ).format(waited_seconds=int(view.waited_seconds()))
            )
    else:
        st.progress(view.progress_share, text=f"{view.title}: {view.progress_label or _('working…')}")
    st.caption(
        _("You can leave this page: the work goes on, and its result waits here and in the list of your queued work.")
    )


def recent_tasks_table(user: SignedInUser, kinds: tuple[str, ...], key: str) -> list[TaskView]:
    """The user's latest queued work of these kinds as a table; returns the rows shown."""
    with db() as session:
        views = my_tasks(session, user, kinds)
    if not views:
        st.caption(_("Nothing queued yet."))
        return views
    frame = pd.DataFrame(
        [
            {
                "№": v.id,
                _("Work"): v.title,
                _("Status"): _(STATUS_LABELS[v.status]) if v.status in STATUS_LABELS else v.status,
                _("Progress"): v.progress_share if v.status == RUNNING else (1.0 if v.status == DONE else 0.0),
                _("Queued"): format_datetime_local(v.created_at),
                _("Finished"): format_datetime_local(v.finished_at),
                _("Problem"): v.error or "",
            }
            for v in views
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={_("Progress"): st.column_config.ProgressColumn(_("Progress"), min_value=0.0, max_value=1.0)},
    )
    return views

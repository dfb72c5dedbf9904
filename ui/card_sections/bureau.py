"""The case card's "Credit bureau" tab: every report of this case (and its debtor's data
changes), when it was due, and what the bureau answered. Late ones are red."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission
from core.bureau.service import case_bureau_events
from core.i18n import N_, _, format_date, ngettext
from ui.card_sections import CardSection
from ui.context import SignedInUser, db


def render(case_id: int, user: SignedInUser) -> None:
    with db() as session:
        rows = case_bureau_events(session, user, case_id)
    if not rows:
        st.info(_("Nothing reported to the credit bureau for this case yet."))
        return
    late = sum(1 for r in rows if r.overdue)
    if late:
        st.markdown(
            ngettext(
                ":red[**{n} report late**] — see the Credit bureau page.",
                ":red[**{n} reports late**] — see the Credit bureau page.",
                late,
            ).format(n=late)
        )
    late_column = _("Late")
    frame = pd.DataFrame(
        [
            {
                _("Event"): f"{r.event_code} {r.what}",
                _("Happened"): format_date(r.occurred_on),
                _("Due"): format_date(r.due_date),
                _("Status"): r.status_label,
                _("Accepted"): format_date(r.accepted_on),
                _("Problem"): r.problem or "",
                late_column: r.overdue,
            }
            for r in rows
        ]
    )
    st.dataframe(
        frame.style.apply(lambda row: ["color: #dc2626" if row[late_column] else ""] * len(row), axis=1),
        hide_index=True,
        width="stretch",
    )


SECTION = CardSection(title=N_("Credit bureau"), order=60, permission=Permission.BUREAU_VIEW, render=render)

"""The case card's "Credit bureau" tab: every report of this case (and its debtor's data
changes), when it was due, and what the bureau answered. Late ones are red."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission
from core.bureau.service import case_bureau_events
from ui.card_sections import CardSection
from ui.context import SignedInUser, db


def render(case_id: int, user: SignedInUser) -> None:
    with db() as session:
        rows = case_bureau_events(session, user, case_id)
    if not rows:
        st.info("Nothing reported to the credit bureau for this case yet.")
        return
    late = sum(1 for r in rows if r.overdue)
    if late:
        st.markdown(f":red[**{late} report(s) late**] — see the Credit bureau page.")
    frame = pd.DataFrame(
        [
            {
                "Event": f"{r.event_code} {r.what}",
                "Happened": f"{r.occurred_on:%d.%m.%Y}",
                "Due": f"{r.due_date:%d.%m.%Y}",
                "Status": r.status_label,
                "Accepted": f"{r.accepted_on:%d.%m.%Y}" if r.accepted_on else "—",
                "Problem": r.problem or "",
                "Late": r.overdue,
            }
            for r in rows
        ]
    )
    st.dataframe(
        frame.style.apply(lambda row: ["color: #dc2626" if row["Late"] else ""] * len(row), axis=1),
        hide_index=True,
        width="stretch",
    )


SECTION = CardSection(title="Credit bureau", order=60, permission=Permission.BUREAU_VIEW, render=render)

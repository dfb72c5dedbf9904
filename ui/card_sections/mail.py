"""The case card's "Mail" tab: the case's envelopes, their status and each one's history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission
from core.i18n import N_, _, format_date, format_datetime_local, ngettext
from core.postal.models import ATTENTION
from core.postal.service import shipment_history, shipments_for_case
from ui import stuck_letters
from ui.card_sections import CardSection
from ui.context import SignedInUser, db


def render(case_id: int, user: SignedInUser) -> None:
    with db() as session:
        shipments = shipments_for_case(session, user, case_id)
        histories = {s.id: shipment_history(session, user, s.id) for s in shipments}
    if not shipments:
        st.info(_("No court mail for this case yet. It appears here when the claim is marked mailed."))
        return
    stuck = sum(1 for s in shipments if s.status == ATTENTION)
    if stuck:
        st.warning(
            ngettext(
                "{n} letter of this case needs attention: the post could not answer for it.",
                "{n} letters of this case need attention: the post could not answer for them.",
                stuck,
            ).format(n=stuck)
        )
    for s in shipments:
        title = f"{s.tracking_number} · {_(s.status_label)}"
        if s.delivered_on:
            title = _("{shipment} on {date}").format(shipment=title, date=format_date(s.delivered_on))
        with st.expander(title, expanded=len(shipments) == 1 or s.status == ATTENTION):
            st.caption(
                _("To {addressee} · mailed {mailed} · last operation: {operation} ({when})").format(
                    addressee=s.addressee or "—",
                    mailed=format_datetime_local(s.mailed_at),
                    operation=s.last_operation or "—",
                    when=format_datetime_local(s.last_operation_at),
                )
            )
            stuck_letters.explain(s)
            if s.last_error and s.status != ATTENTION:
                st.warning(_("The post says: {last_error}").format(last_error=s.last_error))
            stuck_letters.actions(user, s, f"card.mail.{case_id}")
            ops = histories[s.id]
            if ops:
                st.dataframe(
                    pd.DataFrame(
                        [
                            {_("When (local)"): o.local_time, _("Operation"): o.name, _("Office"): o.office_index}
                            for o in ops
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )


SECTION = CardSection(title=N_("Mail"), order=30, permission=Permission.CASE_VIEW, render=render)

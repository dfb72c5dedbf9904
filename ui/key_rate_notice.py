"""The warning that the Bank of Russia key-rate table may be out of date (Money tab, KPIs, jobs),
and the admin's form to record a decision."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import local_date
from core.db import utcnow
from core.errors import CessioError
from core.i18n import _
from core.ledger.key_rates import add_key_rate, key_rate_warning, last_decision
from ui.context import SignedInUser, db


def show_key_rate_warning() -> None:
    """A warning while the next scheduled board meeting has passed without a known decision."""
    with db() as session:
        message = key_rate_warning(session, local_date(utcnow()))
    if message:
        st.warning(message, icon=":material/percent:")


def key_rate_form(user: SignedInUser) -> None:
    """Admins record a Board decision: the rate and the day it takes effect."""
    if not has_permission(user, Permission.USER_ADMIN):
        return
    with db() as session:
        last = last_decision(session)
    with st.expander(
        _("Key rate of the Bank of Russia (last decision in the table: {day})").format(day=f"{last:%d.%m.%Y}")
    ):
        with st.form("key_rate.add"):
            c1, c2 = st.columns(2)
            day = c1.date_input(_("Takes effect on"), value=None, format="DD.MM.YYYY", key="key_rate.day")
            rate = c2.text_input(_("Rate, % a year"), key="key_rate.rate")
            source = st.text_input(_("Source (press release)"), key="key_rate.source")
            if st.form_submit_button(_("Record the decision")):
                if not isinstance(day, dt.date):
                    st.error(_("Choose the day the rate takes effect."))
                    return
                try:
                    with db() as session:
                        add_key_rate(session, user, day, rate, source or None)
                except CessioError as exc:
                    st.error(str(exc))
                else:
                    st.success(_("Key rate {rate}% from {day} recorded.").format(rate=rate, day=f"{day:%d.%m.%Y}"))

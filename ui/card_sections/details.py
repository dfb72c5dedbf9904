"""The case card's "Debtor & court" tab: the debtor's full particulars and the court details,
editable by lawyers and heads.

A correction of the debtor's data is what the credit bureau's rejections usually ask for; the
service reports it to the bureau (event 1.9) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session

from core.auth.permissions import Permission, has_permission
from core.cases.service import get_case_card, update_case_details, update_debtor
from core.errors import CessioError
from core.i18n import N_, _
from ui.card_sections import CardSection
from ui.context import SignedInUser, db

DEBTOR_FIELDS = (
    ("full_name", N_("Full name")),
    ("birth_place", N_("Place of birth")),
    ("passport", N_("Passport (series and number)")),
    ("inn", N_("INN")),
    ("snils", N_("SNILS")),
    ("address", N_("Registered address")),
    ("phone", N_("Phone")),
    ("email", N_("Email")),
    ("region", N_("Region")),
)
COURT_FIELDS = (
    ("court_name", N_("Court")),
    ("court_address", N_("Court address")),
    ("court_case_number", N_("Court case no.")),
)


def render(case_id: int, user: SignedInUser) -> None:
    with db() as session:
        card = get_case_card(session, user, case_id)
        debtor, case = card.debtor, card.case
        values = {name: getattr(debtor, name) or "" for name, _ in DEBTOR_FIELDS}
        birth = debtor.birth_date
        court = {name: getattr(case, name) or "" for name, _ in COURT_FIELDS}
        version = case.version
        debtor_version = debtor.version
    editable = has_permission(user, Permission.CASE_EDIT)
    key = f"details.{case_id}"
    left, right = st.columns(2)
    with left, st.form(f"{key}.debtor", border=True):
        st.markdown(_("**Debtor**"))
        new_values = {
            name: st.text_input(_(label), value=values[name], key=f"{key}.d.{name}", disabled=not editable)
            for name, label in DEBTOR_FIELDS
        }
        new_birth = st.date_input(
            _("Birth date"),
            value=birth,
            min_value=dt.date(1900, 1, 1),
            format="DD.MM.YYYY",
            key=f"{key}.d.birth_date",
            disabled=not editable,
        )
        save_debtor = st.form_submit_button(_("Save the debtor's data"), disabled=not editable)
    with right, st.form(f"{key}.court", border=True):
        st.markdown(_("**Court**"))
        new_court = {
            name: st.text_input(_(label), value=court[name], key=f"{key}.c.{name}", disabled=not editable)
            for name, label in COURT_FIELDS
        }
        save_court = st.form_submit_button(_("Save the court details"), disabled=not editable)
    if not editable:
        st.caption(_("Lawyers and heads of department can correct these details."))
    if save_debtor:
        changes = {k: v for k, v in new_values.items() if v != values[k]}
        if new_birth != birth:
            changes["birth_date"] = new_birth
        _save(
            changes,
            lambda session: update_debtor(session, user, card.debtor.id, changes, expected_version=debtor_version),
            _("Nothing changed in the debtor's data."),
            _("The debtor's data saved."),
        )
    if save_court:
        changes = {k: v for k, v in new_court.items() if v != court[k]}
        _save(
            changes,
            lambda session: update_case_details(session, user, case_id, version, changes),
            _("Nothing changed in the court details."),
            _("The court details saved."),
        )


def _save(changes: dict[str, object], action: Callable[[Session], object], unchanged: str, saved: str) -> None:
    if not changes:
        st.info(unchanged)
        return
    try:
        with db() as session:
            action(session)
    except CessioError as exc:
        st.error(str(exc))
        return
    st.toast(saved, icon=":material/check:")
    st.rerun()


SECTION = CardSection(title=N_("Debtor & court"), order=5, permission=Permission.CASE_VIEW, render=render)

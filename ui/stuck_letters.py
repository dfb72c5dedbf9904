"""The way out for a letter the post could not answer for (issue #20): its reason, "Resume
tracking" (optionally with a corrected tracking number) and "Stop tracking" with a reason.

Shared by the Court mail page and the case card's Mail tab; the rules and the permission check
are in ``core.postal.service``.
"""

from __future__ import annotations

import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.errors import CessioError, ValidationFailed
from core.i18n import _
from core.postal.models import ATTENTION, STOPPED
from core.postal.service import ShipmentRow, resume_tracking, stop_tracking
from ui.context import SignedInUser, db


def explain(row: ShipmentRow) -> None:
    """Why the letter is not tracked, in the words a clerk acts on."""
    if row.status == ATTENTION:
        st.warning(
            _("The post could not answer for this letter; it is no longer asked about. Reason: {reason}").format(
                reason=row.attention_reason or row.last_error or "—"
            )
        )
    elif row.status == STOPPED:
        st.info(_("Tracking stopped: {reason}").format(reason=row.stopped_reason or "—"))


def actions(user: SignedInUser, row: ShipmentRow, key: str) -> None:
    """The two buttons (for those who manage mail); a stopped letter can only be resumed."""
    if row.status not in (ATTENTION, STOPPED) or not has_permission(user, Permission.MAIL_MANAGE):
        return
    left, right = st.columns(2)
    corrected = left.text_input(
        _("Corrected tracking number"),
        key=f"{key}.number.{row.id}",
        placeholder=row.tracking_number,
        help=_("Empty: keep {number}").format(number=row.tracking_number),
    )
    if left.button(_("Resume tracking"), key=f"{key}.resume.{row.id}", icon=":material/replay:"):
        try:
            with db() as session:
                number = resume_tracking(session, user, row.id, corrected or None)
            st.success(
                _("Tracking of {number} resumed; the post is asked at the next daily run.").format(number=number)
            )
        except ValidationFailed as exc:
            st.error(str(exc))
            for p in exc.problems:
                st.markdown(f"- {p}")
        except CessioError as exc:
            st.error(str(exc))
    if row.status != ATTENTION:
        return
    reason = right.text_input(_("Reason for stopping"), key=f"{key}.reason.{row.id}", placeholder=_("lost by the post"))
    if right.button(_("Stop tracking"), key=f"{key}.stop.{row.id}", icon=":material/block:"):
        try:
            with db() as session:
                changed = stop_tracking(session, user, row.id, reason)
            if changed:
                st.success(
                    _("Tracking of {number} stopped; the case's timeline notes why.").format(number=row.tracking_number)
                )
            else:
                st.info(_("Tracking of {number} was already stopped.").format(number=row.tracking_number))
        except ValidationFailed as exc:
            st.error(str(exc))
            for p in exc.problems:
                st.markdown(f"- {p}")
        except CessioError as exc:
            st.error(str(exc))

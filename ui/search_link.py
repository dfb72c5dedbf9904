"""The way back from a case card to the search results the user came from."""

from __future__ import annotations

import streamlit as st

from core.i18n import _
from ui.case_filters import applied_filter


def back_to_search() -> None:
    """A "back" button that reopens the search page with the filters in force (kept in session)."""
    if st.button(_("← Back to the search results"), type="tertiary", key="back_to_search"):
        st.switch_page("pages/search.py", query_params=applied_filter().to_query_params())

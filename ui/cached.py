"""Small read-mostly lookups cached for a short while, so a rerun does not repeat them."""

from __future__ import annotations

import streamlit as st

from core.cases.search import FilterOptions, filter_options
from ui.context import db


@st.cache_data(ttl=120, show_spinner=False)
def filter_options_cached() -> FilterOptions:
    """Creditors, agreements, regions and users for the filter bar (refreshed every 2 minutes)."""
    with db() as session:
        return filter_options(session)

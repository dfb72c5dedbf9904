"""The signed-in user and short database sessions for pages.

The engine is cached per server process (``st.cache_resource``, ``pool_pre_ping``); a page opens
one short ``db()`` session per action and never keeps a Session in session state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import db as core_db


@dataclass(frozen=True)
class SignedInUser:
    """What the UI keeps of the user: enough to act as ``Actor`` (services re-check rights)."""

    id: int
    username: str
    full_name: str
    role: str


@st.cache_resource
def cached_engine() -> Engine:
    engine = core_db.make_engine(pool_pre_ping=True)
    core_db.set_engine(engine)
    return engine


def engine() -> Engine:
    eng = cached_engine()
    if core_db._engine is not eng:
        core_db.set_engine(eng)
    return eng


@contextmanager
def db() -> Iterator[Session]:
    """One transaction for one user action."""
    with core_db.session_scope(engine()) as session:
        yield session


def current_user() -> SignedInUser | None:
    user = st.session_state.get("user")
    return user if isinstance(user, SignedInUser) else None


def actor() -> SignedInUser:
    """The signed-in user; stops the page when nobody is signed in."""
    user = current_user()
    if user is None:
        _run_entry_script_instead()
        st.warning("Please sign in.")
        st.stop()
    return user


def _run_entry_script_instead() -> None:
    """Hand a page that ran without ``app.py`` over to ``app.py`` (sign-in and navigation).

    Until the first run of ``app.py`` after a server start has called ``st.navigation``,
    Streamlit treats the ``pages/`` folder the old way and runs a page file directly when that
    first request is a deep link (e.g. ``/case?case=C-000123``). Switch to the entry script,
    keeping the query, so the visitor gets the sign-in screen and then the page they asked for.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        st.switch_page("app.py", query_params=st.query_params.to_dict())

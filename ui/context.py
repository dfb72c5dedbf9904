"""The signed-in user and short database sessions for pages.

The engine is cached per server process (``st.cache_resource``, ``pool_pre_ping``); a page opens
one short ``db()`` session per action and never keeps a Session in session state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import db as core_db
from core.i18n import _, set_language

# The query parameter that carries a deep link's page through the sign-in to ``app.py``.
OPEN_PAGE_PARAM = "open"


@dataclass(frozen=True)
class SignedInUser:
    """What the UI keeps of the user: enough to act as ``Actor`` (services re-check rights)."""

    id: int
    username: str
    full_name: str
    role: str
    language: str | None = None  # the interface language the user chose; None: the installation's


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
        st.warning(_("Please sign in."))
        st.stop()
    # fragments rerun without app.py: speak the user's language there too
    set_language(user.language)
    return user


def _running_page_file() -> Path:
    """The page file Streamlit is running now (in the old ``pages/`` way)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return Path()
    manager = ctx.pages_manager
    page = manager.get_pages().get(manager.current_page_script_hash) or {}
    return Path(str(page.get("script_path") or ""))


def _run_entry_script_instead() -> None:
    """Hand a page that ran without ``app.py`` over to ``app.py`` (sign-in and navigation).

    Until the first run of ``app.py`` after a server start has called ``st.navigation``,
    Streamlit treats the ``pages/`` folder the old way and runs a page file directly when that
    first request is a deep link (e.g. ``/case?case=C-000123`` or a bookmarked ``/kpi``). Switch
    to the entry script, keeping the query and naming the page in ``open``, so the visitor gets
    the sign-in screen and then the page they asked for. (Each page's address is its file name,
    which is how the old way finds the file at all; a test keeps them equal.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        params = st.query_params.to_dict()
        running = _running_page_file()
        if running.parent.name == "pages":
            params.setdefault(OPEN_PAGE_PARAM, running.stem)
        st.switch_page("app.py", query_params=params)

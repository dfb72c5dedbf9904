"""Fixtures for the Streamlit AppTests: the app runs in-process against the test SQLite file."""

from __future__ import annotations

import runpy
from collections.abc import Callable, Iterator

import pyotp
import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.config import PROJECT_ROOT, reset_settings_cache
from ui.context import SignedInUser

APP = str(PROJECT_ROOT / "app.py")


def run_entry_script(main_script_path: str) -> None:
    """What a real server runs on every rerun once the app has called ``st.navigation``."""
    runpy.run_path(main_script_path, run_name="__main__")


@pytest.fixture(autouse=True)
def _navigation_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest forgets between runs that the app uses ``st.navigation`` and, because a ``pages/``
    folder exists, would run a page file directly (the old folder-based multipage mode). A real
    server switches that mode off for good at the app's first run; do the same here by always
    running the entry script."""
    monkeypatch.setattr(script_runner, "_mpa_v1", run_entry_script)


@pytest.fixture
def app_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A session on the (emptied after the test) SQLite database the app under test uses."""
    monkeypatch.setenv("CESSIO_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    reset_settings_cache()
    st.cache_resource.clear()
    st.cache_data.clear()
    s = sessionmaker(bind=sqlite_engine, expire_on_commit=False)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()
        st.cache_resource.clear()
        st.cache_data.clear()


_COMPONENTS: list[BidiComponentManager] = []


def new_app(timeout: float = 30) -> AppTest:
    """The app as a new browser session opens it; each run may take up to ``timeout`` seconds."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    # AppTest scans every installed package for custom components once per instance (~2 s);
    # a server does it once at start. Share one scan between the tests.
    if not _COMPONENTS:
        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        _COMPONENTS.append(manager)
    at._bidi_component_manager = _COMPONENTS[0]
    return at


def signed_in(user: User, timeout: float = 30) -> AppTest:
    """An app whose session already holds ``user`` (as after a completed login)."""
    at = new_app(timeout)
    at.session_state["user"] = SignedInUser(user.id, user.username, user.full_name, user.role)
    return at


@pytest.fixture
def open_as() -> Callable[[User, str], AppTest]:
    """Run the app as ``user`` and switch to a page file, e.g. ``open_as(clerk, "pages/search.py")``."""

    def _open(user: User, page: str) -> AppTest:
        at = signed_in(user).run()
        at.switch_page(page).run()
        return at

    return _open


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()

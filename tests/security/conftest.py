"""The Streamlit fixtures of tests/app, for the security tests that open pages."""

from tests.app.conftest import _navigation_only, app_db  # noqa: F401

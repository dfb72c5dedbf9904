"""The AppTest fixtures of tests/app (the app's database, navigation-only runs) for the page checks."""

from tests.app.conftest import _navigation_only, app_db  # noqa: F401

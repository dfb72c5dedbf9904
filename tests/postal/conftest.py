"""Postal fixtures: a sandbox on a free port on 127.0.0.1 and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.config import reset_settings_cache
from core.postal.client import PostalClient
from core.postal.sandbox import PostalSandbox
from core.postal.tracking import domestic_check_digit
from tests.app.conftest import _navigation_only, app_db, open_as  # noqa: F401 - the AppTest fixtures for test_page


def tracking_for(last: int, tens: int = 0, seq: int = 1, index: str = "101000") -> str:
    """A valid 14-digit number whose serial ends in ``tens``/``last`` (the sandbox's scenario digits)."""
    first13 = f"{index}11{seq % 1000:03d}{tens}{last}"
    return first13 + str(domestic_check_digit(first13))


@pytest.fixture
def sandbox() -> Iterator[PostalSandbox]:
    with PostalSandbox(slow_seconds=0.2) as sb:
        yield sb


@pytest.fixture
def postal_settings(monkeypatch: pytest.MonkeyPatch, sandbox: PostalSandbox) -> None:
    monkeypatch.setenv("CESSIO_POSTAL_BATCH_URL", sandbox.batch_url)
    monkeypatch.setenv("CESSIO_POSTAL_SINGLE_URL", sandbox.single_url)
    monkeypatch.setenv("CESSIO_POSTAL_TICKET_WAIT_SECONDS", "0")
    reset_settings_cache()


@pytest.fixture
def client(sandbox: PostalSandbox, postal_settings: None) -> Iterator[PostalClient]:
    c = PostalClient.from_settings()
    c.backoff = 0.01
    with c:
        yield c

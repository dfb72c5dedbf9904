"""The importer's service tests read its messages in English, the language they are written in
(the Russian catalog is checked by tests/i18n); the page tests run in the app's own language and
compare with ``_()``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.i18n import use_language


@pytest.fixture(autouse=True)
def _english_messages(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.module.__name__.endswith("test_page"):
        yield
        return
    with use_language("en"):
        yield

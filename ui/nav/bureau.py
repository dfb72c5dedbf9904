"""The Credit bureau page (reporting outbox, submissions, compliance)."""

from __future__ import annotations

from core.auth.permissions import Permission
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/bureau.py",
        title="Credit bureau",
        section="Mail & bureau",
        permission=Permission.BUREAU_VIEW,
        url_path="bureau",
        icon=":material/account_balance:",
        order=20,
    )
]

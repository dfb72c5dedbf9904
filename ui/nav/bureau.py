"""The Credit bureau page (reporting outbox, submissions, compliance)."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/bureau.py",
        title=N_("Credit bureau"),
        section=N_("Mail & bureau"),
        permission=Permission.BUREAU_VIEW,
        url_path="bureau",
        icon=":material/account_balance:",
        order=20,
    )
]

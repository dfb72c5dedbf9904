"""The Payments page (bank files, the unmatched queue, recent payments)."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/payments.py",
        title=N_("Payments"),
        section=N_("Work"),
        permission=Permission.LEDGER_VIEW,
        url_path="payments",
        icon=":material/payments:",
        order=40,
    )
]

"""The Mail page (court mail tracking)."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/mail.py",
        title=N_("Court mail"),
        section=N_("Mail & bureau"),
        permission=Permission.MAIL_MANAGE,
        url_path="mail",
        icon=":material/local_post_office:",
        order=10,
    )
]

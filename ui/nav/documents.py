"""Pages of the documents domain: print packages (clerks) and the template editor (admins)."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/packages.py",
        title=N_("Print packages"),
        section=N_("Mail & bureau"),
        permission=Permission.DOCUMENT_GENERATE,
        url_path="packages",
        icon=":material/print:",
        order=5,
    ),
    PageSpec(
        path="pages/templates.py",
        title=N_("Document templates"),
        section=N_("Admin"),
        permission=Permission.TEMPLATE_EDIT,
        url_path="templates",
        icon=":material/edit_document:",
        order=30,
    ),
]

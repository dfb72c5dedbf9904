"""Pages of the documents domain: print packages (clerks) and the template editor (admins)."""

from __future__ import annotations

from core.auth.permissions import Permission
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/packages.py",
        title="Print packages",
        section="Mail & bureau",
        permission=Permission.DOCUMENT_GENERATE,
        url_path="packages",
        icon=":material/print:",
        order=5,
    ),
    PageSpec(
        path="pages/templates.py",
        title="Document templates",
        section="Admin",
        permission=Permission.TEMPLATE_EDIT,
        url_path="templates",
        icon=":material/edit_document:",
        order=30,
    ),
]

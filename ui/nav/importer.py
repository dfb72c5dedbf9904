"""The import page of the legacy spreadsheet (heads and admins)."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/import.py",
        title=N_("Import spreadsheet"),
        section=N_("Admin"),
        permission=Permission.IMPORT_RUN,
        url_path="import",
        icon=":material/upload_file:",
        order=50,
    )
]

"""The import page of the legacy spreadsheet (heads and admins)."""

from __future__ import annotations

from core.auth.permissions import Permission
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/import.py",
        title="Import spreadsheet",
        section="Admin",
        permission=Permission.IMPORT_RUN,
        url_path="import",
        icon=":material/upload_file:",
        order=50,
    )
]

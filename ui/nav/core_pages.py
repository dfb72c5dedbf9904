"""The core screens: case search (the start page), the case card, the stage board, admin, jobs."""

from __future__ import annotations

from core.auth.permissions import Permission
from ui.nav import PageSpec

SEARCH = PageSpec(
    path="pages/search.py",
    title="Case search",
    section="Work",
    permission=Permission.CASE_VIEW,
    url_path="search",
    icon=":material/search:",
    order=10,
    default=True,
)
CASE = PageSpec(
    path="pages/case.py",
    title="Case card",
    section="Work",
    permission=Permission.CASE_VIEW,
    url_path="case",
    icon=":material/folder_open:",
    order=20,
)
BOARD = PageSpec(
    path="pages/board.py",
    title="Stage board",
    section="Work",
    permission=Permission.CASE_VIEW,
    url_path="board",
    icon=":material/view_kanban:",
    order=30,
)
ADMIN = PageSpec(
    path="pages/admin.py",
    title="Users & audit",
    section="Admin",
    # heads read the audit log here too; the Users tab and its services need user.admin
    permission=Permission.AUDIT_VIEW,
    url_path="admin",
    icon=":material/admin_panel_settings:",
    order=10,
)
JOBS = PageSpec(
    path="pages/jobs.py",
    title="Background jobs",
    section="Admin",
    permission=Permission.JOBS_VIEW,
    url_path="jobs",
    icon=":material/schedule:",
    order=20,
)

PAGES = [SEARCH, CASE, BOARD, ADMIN, JOBS]

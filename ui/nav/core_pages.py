"""The core screens: case search (the start page), the case card, the stage board, admin, jobs."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

SEARCH = PageSpec(
    path="pages/search.py",
    title=N_("Case search"),
    section=N_("Work"),
    permission=Permission.CASE_VIEW,
    url_path="search",
    icon=":material/search:",
    order=10,
    default=True,
)
CASE = PageSpec(
    path="pages/case.py",
    title=N_("Case card"),
    section=N_("Work"),
    permission=Permission.CASE_VIEW,
    url_path="case",
    icon=":material/folder_open:",
    order=20,
)
BOARD = PageSpec(
    path="pages/board.py",
    title=N_("Stage board"),
    section=N_("Work"),
    permission=Permission.CASE_VIEW,
    url_path="board",
    icon=":material/view_kanban:",
    order=30,
)
ADMIN = PageSpec(
    path="pages/admin.py",
    title=N_("Users & audit"),
    section=N_("Admin"),
    # heads read the audit log here too; the Users tab and its services need user.admin
    permission=Permission.AUDIT_VIEW,
    url_path="admin",
    icon=":material/admin_panel_settings:",
    order=10,
)
JOBS = PageSpec(
    path="pages/jobs.py",
    title=N_("Background jobs"),
    section=N_("Admin"),
    permission=Permission.JOBS_VIEW,
    url_path="jobs",
    icon=":material/schedule:",
    order=20,
)

PAGES = [SEARCH, CASE, BOARD, ADMIN, JOBS]

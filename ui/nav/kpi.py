"""The KPI dashboard for heads of department (Analytics section)."""

from __future__ import annotations

from core.auth.permissions import Permission
from ui.nav import PageSpec

KPI = PageSpec(
    path="pages/kpi.py",
    title="KPI dashboard",
    section="Analytics",
    permission=Permission.KPI_VIEW,
    url_path="kpi",
    icon=":material/monitoring:",
    order=10,
)

PAGES = [KPI]

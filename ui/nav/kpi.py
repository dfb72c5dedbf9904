"""The KPI dashboard for heads of department (Analytics section)."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

KPI = PageSpec(
    path="pages/kpi.py",
    title=N_("KPI dashboard"),
    section=N_("Analytics"),
    permission=Permission.KPI_VIEW,
    url_path="kpi",
    icon=":material/monitoring:",
    order=10,
)

PAGES = [KPI]

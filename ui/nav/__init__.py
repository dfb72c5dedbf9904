"""The page registry: each domain declares its pages in ``ui/nav/<domain>.py`` as
``PAGES = [PageSpec(...)]``; ``app.py`` collects them and shows each user what their role may
open (sections: Work, Mail & bureau, Analytics, Admin).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from core.auth.permissions import Permission
from core.i18n import N_

SECTIONS = (N_("Work"), N_("Mail & bureau"), N_("Analytics"), N_("Admin"))
# The internal address of the start page, which Streamlit serves at "/". It differs from the
# start page's own address (``/search``) so that address can exist too (app.py hands it over).
START_URL = "start"


@dataclass(frozen=True)
class PageSpec:
    path: str  # e.g. "pages/payments.py"
    title: str
    section: str
    permission: Permission
    url_path: str
    icon: str = ":material/description:"
    order: int = 100
    default: bool = False


def all_pages() -> list[PageSpec]:
    pages: list[PageSpec] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        pages.extend(getattr(module, "PAGES", []))
    return sorted(pages, key=lambda p: (SECTIONS.index(p.section), p.order, p.title))

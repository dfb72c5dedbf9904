"""Sections of the case card contributed by domains.

Each domain adds ``ui/card_sections/<domain>.py`` with ``SECTION = CardSection(...)``; the case
card renders every section the user's role may see, in ``order``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from core.auth.permissions import Permission
from ui.context import SignedInUser


@dataclass(frozen=True)
class CardSection:
    title: str
    order: int
    permission: Permission
    render: Callable[[int, SignedInUser], None]  # (case id, user)


def all_sections() -> list[CardSection]:
    sections: list[CardSection] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        section = getattr(module, "SECTION", None)
        if section is not None:
            sections.append(section)
    return sorted(sections, key=lambda s: s.order)

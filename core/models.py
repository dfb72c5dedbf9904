"""Loads every domain's ``models`` module so ``Base.metadata`` is complete (Alembic, tests).

Each domain package under ``core/`` that has a ``models.py`` is imported; a new domain needs
no edit here.
"""

from __future__ import annotations

from core.db import Base
from core.domains import domain_modules


def load_all_models() -> None:
    domain_modules("models")


load_all_models()

__all__ = ["Base", "load_all_models"]

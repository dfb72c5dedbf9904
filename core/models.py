"""Loads every domain's ``models`` module so ``Base.metadata`` is complete (Alembic, tests).

Each domain package under ``core/`` that has a ``models.py`` is imported; a new domain needs
no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

import core
from core.db import Base


def load_all_models() -> None:
    for info in pkgutil.iter_modules(core.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"core.{info.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"core.{info.name}.models":
                    raise


load_all_models()

__all__ = ["Base", "load_all_models"]

"""Discovery by convention: each domain package under ``core/`` may have a module of a known name
(``models``, ``hooks``, ``demo``, ``tasks``) that the rest of the system picks up, so a new
domain edits no central list."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import core


def domain_modules(name: str) -> list[ModuleType]:
    """Import ``core.<domain>.<name>`` for every domain that has one; the modules in package order."""
    found: list[ModuleType] = []
    for info in pkgutil.iter_modules(core.__path__):
        if not info.ispkg:
            continue
        qualified = f"core.{info.name}.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            continue
        found.append(module)
    return found

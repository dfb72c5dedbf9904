"""What one KPI query returns: a small DataFrame plus a few summary numbers.

A KPI with nothing to show (no cases yet, or another domain's table not there yet) returns an
empty frame and a ``note`` the page shows instead of a chart ("no data yet"), never an error.
Titles, notes and the labels in frames are English message ids (``N_``), translated where they
are shown (the page, the export), because a cached result serves people of either language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.i18n import N_

NO_DATA = N_("No data yet")


@dataclass(frozen=True)
class KpiResult:
    key: str
    title: str
    frame: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    #: query parameters of the case search page showing the cases behind this KPI
    search: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.frame.empty

    @property
    def message(self) -> str:
        """What to show when there is nothing to plot."""
        return self.note or NO_DATA


def frame(rows: list[dict[str, Any]] | list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    """A DataFrame with the given columns even when there are no rows (so exports keep headers)."""
    if rows and isinstance(rows[0], dict):
        return pd.DataFrame(rows, columns=columns)
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def unavailable(key: str, title: str, columns: list[str], note: str) -> KpiResult:
    """A KPI whose source table is not there yet; ``note`` says so ("No data yet: ...")."""
    return KpiResult(key, title, frame([], columns), note=note)

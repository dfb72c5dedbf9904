"""Stage colours on screen: badges in text and coloured cells in tables (workflow data)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.i18n import _

# a cell may hold the stage's name in any interface language
_BY_LABEL = {name: s for s in STAGES for name in s.names.all()}


def _text_colour(hex_colour: str) -> str:
    """Black or white text, whichever reads better on the background (WCAG relative luminance)."""
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#111827" if luminance > 0.35 else "#ffffff"


def badge_html(stage_code: str) -> str:
    s = STAGE_BY_CODE[stage_code]
    return (
        f"<span style='background:{s.color};color:{_text_colour(s.color)};padding:2px 10px;"
        f"border-radius:999px;font-weight:600;font-size:0.9em;white-space:nowrap'>{html.escape(s.label)}</span>"
    )


def cell_style(label: Any) -> str:
    """CSS for a table cell holding a stage label (pandas Styler ``map``)."""
    s = _BY_LABEL.get(label) if isinstance(label, str) else None
    if s is None:
        return ""
    return f"background-color: {s.color}; color: {_text_colour(s.color)}; font-weight: 600"


def stage_cell_style(stage_code: str) -> str:
    """CSS for a table cell of the stage ``stage_code`` (whatever language its label is in)."""
    s = STAGE_BY_CODE.get(stage_code)
    if s is None:
        return ""
    return f"background-color: {s.color}; color: {_text_colour(s.color)}; font-weight: 600"


def style_stage_column(frame: pd.DataFrame, column: str | None = None) -> Any:
    """A Styler colouring ``column`` (default: the translated "Stage") by stage; st.dataframe renders the colours."""
    column = column or _("Stage")
    if frame.empty or column not in frame.columns:
        return frame
    return frame.style.map(cell_style, subset=[column])

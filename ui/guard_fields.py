"""Inputs for the data a transition asks for (``workflow.Field``: text, date, amount, tracking).

The values go to the service as typed (dates as dates, amounts as the text the user wrote);
``Transition.clean`` in core parses and checks them and names every bad field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from core.calendar import local_today
from core.cases.workflow import Field, Transition
from core.i18n import N_, _

_HELP = {
    "tracking": N_("14 digits (Russian Post) or 13 characters like RA123456789RU"),
    "amount": N_("In roubles, e.g. 12 345,67"),
    "date": N_("dd.mm.yyyy"),
}


def field_input(f: Field, key: str) -> Any:
    label = f.label if f.required else _("{field} (optional)").format(field=f.label)
    if f.kind == "date":
        return st.date_input(
            label,
            value=None,
            key=key,
            format="DD.MM.YYYY",
            min_value=dt.date(2000, 1, 1),
            max_value=local_today() + dt.timedelta(days=400),
        )
    return st.text_input(label, key=key, help=_(_HELP[f.kind]) if f.kind in _HELP else None)


def guard_inputs(t: Transition, key_prefix: str, skip_kinds: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Render the inputs of ``t`` (two per row) and return what the user entered."""
    data: dict[str, Any] = {}
    shown = [f for f in t.fields if f.kind not in skip_kinds]
    for start in range(0, len(shown), 2):
        cols = st.columns(2)
        for col, f in zip(cols, shown[start : start + 2], strict=False):
            with col:
                value = field_input(f, f"{key_prefix}.{f.name}")
            if value not in (None, ""):
                data[f.name] = value
    return data

"""Export of the dashboard's figures to XLSX: the filters, the headline tiles, one sheet per KPI.

Every export is audited in the caller's transaction (ARCHITECTURE: every mutation and every
export), with the filter set, so it is known who took which figures out.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor, Permission, require
from core.calendar import format_local
from core.i18n import _
from core.kpi import service
from core.kpi.display import export_frame, stats_line
from core.kpi.filters import KpiFilters
from core.kpi.periods import GRANULARITY_LABELS
from core.text import escape_spreadsheet_cell

SHEET_NAME_MAX = 31


def _sheet_name(key: str, used: set[str]) -> str:
    name = key[:SHEET_NAME_MAX]
    n = 2
    while name in used:
        name = f"{key[: SHEET_NAME_MAX - 3]} {n}"
        n += 1
    used.add(name)
    return name


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell escaped against formula injection (names of creditors,
    users and regions come from people and imports)."""
    return frame.map(escape_spreadsheet_cell)


def dashboard_xlsx(board: service.Dashboard, names: dict[str, dict[Any, str]] | None = None) -> bytes:
    """The workbook of one computed dashboard (no database access), in the user's language:
    the filters, the headline figures, then one sheet per chart with its title, its summary
    numbers and its table under column names a person reads (no field names)."""
    buffer = io.BytesIO()
    granularity = board.filters.bucket
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        about = [(_("Generated"), format_local(board.generated_at, empty=""))]
        about += board.filters.describe(names)
        about.append((_("Charts by"), _(GRANULARITY_LABELS[granularity])))
        filters_sheet = _("Filters")[:SHEET_NAME_MAX]
        _escaped(pd.DataFrame(about, columns=[_("Filter"), _("Value")])).to_excel(
            writer, sheet_name=filters_sheet, index=False
        )
        tiles = pd.DataFrame(
            [(_(t.label), t.value, t.previous, t.delta) for t in board.tiles],
            columns=[_("Figure"), _("This period"), _("Previous period"), _("Change")],
        )
        headline_sheet = _("Headline")[:SHEET_NAME_MAX]
        _escaped(tiles).to_excel(writer, sheet_name=headline_sheet, index=False)
        used = {filters_sheet, headline_sheet}
        for result in board.kpis.values():
            sheet = _sheet_name(_sheet_safe(_(result.title)), used)
            title = _(result.title)
            # Decimal amounts go to openpyxl as exact numbers, never through float
            if result.empty:
                frame = pd.DataFrame([(_(result.message),)], columns=[title])
            else:
                frame = export_frame(result, granularity, board.filters.date_from, board.filters.date_to)
            _escaped(frame).to_excel(writer, sheet_name=sheet, index=False, startrow=2 if not result.empty else 0)
            if not result.empty:
                ws = writer.sheets[sheet]
                ws.cell(row=1, column=1, value=escape_spreadsheet_cell(title))
                line = "; ".join(f"{label}: {value}" for label, value in stats_line(result))
                if line:
                    ws.cell(row=2, column=1, value=escape_spreadsheet_cell(line))
    return buffer.getvalue()


def _sheet_safe(name: str) -> str:
    r"""Excel forbids ``[]:*?/\`` in sheet names."""
    return "".join(" " if c in "[]:*?/\\" else c for c in name).strip()


def export_dashboard(session: Session, actor: Actor, f: KpiFilters, now: dt.datetime | None = None) -> bytes:
    """Compute (or reuse) the dashboard for ``f`` and return it as XLSX; audited."""
    require(actor, Permission.KPI_VIEW)
    board = service.dashboard(session, actor, f, now)
    options = service.filter_options(session, actor)
    content = dashboard_xlsx(board, options.names())
    record_audit(
        session,
        actor,
        "kpi.export",
        "kpi_dashboard",
        None,
        {
            "date_from": f.date_from.isoformat(),
            "date_to": f.date_to.isoformat(),
            "creditor_ids": list(f.creditor_ids),
            "agreement_ids": list(f.agreement_ids),
            "regions": list(f.regions),
            "responsible_ids": list(f.responsible_ids),
            "stages": list(f.stages),
            "granularity": f.granularity,
            "bytes": len(content),
        },
    )
    return content

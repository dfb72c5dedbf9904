"""KPI dashboard for department heads: filters, headline tiles, charts, XLSX export.

Every figure comes from ``core.kpi.service`` (SQL aggregations, cached briefly per filter set).
Each chart has a link that opens the case search with the same filters; clicking bars or
segments of the stage, aging and workload charts narrows that link to what was clicked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.express as px
import streamlit as st
from plotly.graph_objects import Figure
from streamlit.errors import StreamlitAPIException

from core.calendar import local_date
from core.cases.workflow import STAGE_BY_CODE
from core.db import utcnow
from core.errors import CessioError, PermissionDenied, ValidationFailed
from core.kpi import export, service
from core.kpi.filters import DEFAULT_PERIOD_DAYS, KpiFilters
from core.kpi.result import KpiResult
from core.kpi.stages import OVER_BANDS
from core.money import format_amount, format_amount_short
from ui.context import actor, db
from ui.key_rate_notice import show_key_rate_warning

SEARCH_PAGE = "pages/search.py"

user = actor()
st.header("KPIs")
show_key_rate_warning()

try:
    with db() as session:
        options = service.filter_options(session, user)
except PermissionDenied:
    st.error("The KPI dashboard is for heads of department and administrators.")
    st.stop()

# ---- filters -------------------------------------------------------------------------------
today = local_date(utcnow())
with st.container(border=True):
    row1 = st.columns([2, 3, 3])
    period = row1[0].date_input(
        "Period",
        value=(today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today),
        format="DD.MM.YYYY",
        key="kpi_period",
    )
    creditor_ids = row1[1].multiselect(
        "Creditor", list(options.creditors), format_func=lambda i: options.creditors[i], key="kpi_creditors"
    )
    agreement_ids = row1[2].multiselect(
        "Assignment agreement",
        list(options.agreements),
        format_func=lambda i: options.agreements[i],
        key="kpi_agreements",
    )
    row2 = st.columns(3)
    regions = row2[0].multiselect("Region", options.regions, key="kpi_regions")
    responsible_ids = row2[1].multiselect(
        "Responsible", list(options.users), format_func=lambda i: options.users[i], key="kpi_responsible"
    )
    stage_codes = row2[2].multiselect(
        "Current stage", list(options.stages), format_func=lambda c: options.stages[c], key="kpi_stages"
    )

if not isinstance(period, tuple) or len(period) != 2:
    st.info("Choose the last day of the period.")
    st.stop()
try:
    filters = KpiFilters(
        date_from=period[0],
        date_to=period[1],
        creditor_ids=tuple(creditor_ids),
        agreement_ids=tuple(agreement_ids),
        regions=tuple(regions),
        responsible_ids=tuple(responsible_ids),
        stages=tuple(stage_codes),
    )
except ValidationFailed as exc:
    st.error(f"{exc} {'; '.join(str(p) for p in exc.problems)}")
    st.stop()

try:
    with db() as session:
        board = service.dashboard(session, user, filters)
except CessioError as exc:
    st.error(str(exc))
    st.stop()

previous = filters.previous()
st.caption(
    f"{filters.date_from:%d.%m.%Y} - {filters.date_to:%d.%m.%Y}, compared with "
    f"{previous.date_from:%d.%m.%Y} - {previous.date_to:%d.%m.%Y}. Funnel, aging and workload show the cases as "
    "they stand now. Figures are refreshed at most once a minute."
)


# ---- helpers -------------------------------------------------------------------------------
def search_link(label: str, params: dict[str, str]) -> None:
    """A link to the case search with these filters (query parameters of ``CaseFilter``)."""
    try:
        st.page_link(SEARCH_PAGE, label=label, icon=":material/search:", query_params=params)
    except StreamlitAPIException:  # the search page is not in this navigation (page run on its own)
        st.markdown(f":material/search: [{label}](search?{urlencode(params)})")


def _stats_line(result: KpiResult, labels: dict[str, str]) -> None:
    parts: list[str] = []
    for key, label in labels.items():
        value = result.stats.get(key)
        if value is None:
            continue
        if isinstance(value, Decimal):
            text = format_amount(value)
        elif key.endswith(("share", "rate", "adherence")):
            text = f"{value:.1%}"
        elif isinstance(value, float):
            text = f"{value:.1f}"
        else:
            text = str(value)
        parts.append(f"{label}: **{text}**")
    if parts:
        st.markdown(" · ".join(parts))


def chart(
    result: KpiResult,
    build: Any,
    *,
    stats: dict[str, str] | None = None,
    select_param: str | None = None,
    link_label: str = "Open these cases in the search",
) -> None:
    """Title, the chart (or "no data yet"), summary numbers and the link to the search."""
    st.markdown(f"**{result.title}**")
    if result.empty:
        st.info(result.message)
        return
    if result.note:
        st.caption(result.note)
    fig: Figure = build(result.frame)  # plotly serialises Decimal amounts itself
    fig.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=320, legend_title_text="")
    params = dict(result.search)
    if select_param:
        event = st.plotly_chart(fig, key=f"kpi_chart_{result.key}", on_select="rerun", selection_mode="points")
        picked = sorted(
            {
                str(p["customdata"][0]).removesuffix(".0")
                for p in (event.selection.points if event else [])
                if p.get("customdata") and not pd.isna(p["customdata"][0])
            }
        )
        if picked:
            params[select_param] = ",".join(picked)
            link_label = f"Open the {len(picked)} selected in the search"
    else:
        st.plotly_chart(fig, key=f"kpi_chart_{result.key}")
    if stats:
        _stats_line(result, stats)
    search_link(link_label, params)


def _tile_value(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "money":
        return format_amount_short(value)
    return f"{value:,}".replace(",", "\u00a0")


# ---- headline tiles ------------------------------------------------------------------------
tile_columns = st.columns(4)
for i, tile in enumerate(board.tiles):
    with tile_columns[i % 4]:
        delta = tile.delta
        st.metric(
            tile.label,
            _tile_value(tile.value, tile.unit),
            delta=None if delta is None else (format_amount_short(delta) if tile.unit == "money" else f"{delta:+,}"),
            help=f"Exactly {format_amount(tile.value)}" if tile.unit == "money" and tile.value is not None else None,
            delta_color="normal" if tile.higher_is_better else "inverse",
            border=True,
        )
        if tile.search:
            search_link(f"{tile.label}: open in the search", tile.search)

k = board.kpis

# ---- export --------------------------------------------------------------------------------
with st.expander("Export the figures to Excel", icon=":material/download:"):
    st.caption(
        "One sheet per chart plus the filters and the headline numbers. The export is recorded in the audit log."
    )
    if st.button("Prepare XLSX", key="kpi_export"):
        try:
            with db() as session:
                st.session_state["kpi_xlsx"] = (filters, export.export_dashboard(session, user, filters))
        except CessioError as exc:
            st.error(str(exc))
    ready = st.session_state.get("kpi_xlsx")
    if ready and ready[0] == filters:
        st.download_button(
            "Download KPIs.xlsx",
            ready[1],
            file_name=f"cessio-kpi-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="kpi_download",
        )

tabs = st.tabs(["Stages", "Throughput", "Court", "Money", "Mail", "Bureau", "Workload", "OCR"])
stage_colors = {s.label: s.color for s in STAGE_BY_CODE.values()}

with tabs[0]:
    left, right = st.columns(2)
    with left:
        chart(
            k["funnel"],
            lambda d: px.funnel(d, x="cases", y="label", custom_data=["stage"]),
            stats={"total": "Cases", "open": "Open"},
            select_param="stages",
            link_label="Open these cases in the search (click stages to narrow)",
        )
    with right:
        bands = ["within_sla"] + [b[0] for b in OVER_BANDS]
        chart(
            k["aging"],
            lambda d: px.bar(
                d[["stage", "label", *bands]].melt(id_vars=["stage", "label"], var_name="band", value_name="cases"),
                x="cases",
                y="label",
                color="band",
                orientation="h",
                custom_data=["stage"],
                color_discrete_sequence=["#22c55e", "#facc15", "#f97316", "#dc2626"],
            ),
            stats={"open": "Open", "over_sla": "Over SLA", "over_share": "Share over SLA"},
            select_param="stages",
            link_label="Open the cases over SLA in the search (click stages to narrow)",
        )

with tabs[1]:
    left, right = st.columns(2)
    with left:
        chart(
            k["transitions"],
            lambda d: px.bar(
                d, x="week", y="moves", color="label", custom_data=["stage"], color_discrete_map=stage_colors
            ),
            stats={"moves": "Moves"},
        )
    with right:
        chart(
            k["opened_closed"],
            lambda d: px.bar(
                d.melt(id_vars=["week"], value_vars=["opened", "closed"], var_name="", value_name="cases"),
                x="week",
                y="cases",
                color="",
                barmode="group",
            ),
            stats={"opened": "New", "closed": "Closed"},
            link_label="Open the cases opened in the period",
        )

with tabs[2]:
    left, right = st.columns(2)
    with left:
        chart(
            k["court_outcomes"],
            lambda d: px.bar(d, x="outcome", y="cases", custom_data=["stage"], color="outcome"),
            stats={"issued": "Issued", "refused": "Refused", "issued_share": "Issued of decided"},
            select_param="stages",
        )
    with right:
        chart(
            k["mail_to_order"],
            lambda d: px.bar(d, x="days", y="cases"),
            stats={"cases": "Orders", "median_days": "Median days", "p90_days": "90th percentile"},
        )

with tabs[3]:
    left, right = st.columns(2)
    with left:
        chart(
            k["claimed_collected"],
            lambda d: px.bar(
                d.melt(
                    id_vars=["month"], value_vars=["claimed", "collected"], var_name="", value_name="amount"
                ).dropna(),
                x="month",
                y="amount",
                color="",
                barmode="group",
            ),
            stats={"claimed": "Claimed", "collected": "Collected"},
            link_label="Open the cases opened in the period",
        )
        chart(
            k["cycle_time"],
            lambda d: px.bar(d, x="days", y="cases"),
            stats={"cases": "Repaid", "median_days": "Median days", "p90_days": "90th percentile"},
        )
        chart(
            k["plan_adherence"],
            lambda d: px.bar(d, x="month", y="adherence", range_y=[0, 1]),
            stats={"due": "Instalments due", "kept": "Kept", "adherence": "Adherence"},
        )
    with right:
        chart(
            k["recovery_rate"],
            lambda d: px.line(d, x="as_of", y="recovery_rate", markers=True),
            stats={"claimed": "Claimed", "collected": "Collected", "rate": "Recovery rate"},
        )
        chart(
            k["write_off"],
            lambda d: px.pie(d, names="outcome", values="cases", hole=0.5),
            stats={"closed": "Closed", "write_off_rate": "Write-off rate"},
        )

with tabs[4]:
    left, right = st.columns(2)
    with left:
        chart(
            k["mail_delivery"],
            lambda d: px.bar(d, x="days", y="letters"),
            stats={"cases": "Delivered", "median_days": "Median days", "p90_days": "90th percentile"},
        )
    with right:
        chart(
            k["mail_outcomes"],
            lambda d: px.pie(d, names="label", values="letters", hole=0.5),
            stats={"mailed": "Mailed", "returned": "Returned", "returned_share": "Returned share"},
            link_label="Open the cases with a returned letter",
        )

with tabs[5]:
    left, right = st.columns(2)
    with left:
        chart(
            k["bureau_timeliness"],
            lambda d: px.pie(d, names="label", values="events", hole=0.5),
            stats={"events": "Deadlines in the period", "on_time_share": "On time"},
        )
    with right:
        chart(
            k["bureau_overdue"],
            lambda d: px.bar(d, x="label", y="events"),
            stats={"overdue": "Overdue", "oldest_days": "Oldest, days past the deadline"},
        )

with tabs[6]:
    chart(
        k["workload"],
        lambda d: px.bar(
            d.melt(
                id_vars=["user_id", "employee"], value_vars=["open_cases", "over_sla"], var_name="", value_name="cases"
            ),
            x="employee",
            y="cases",
            color="",
            barmode="group",
            custom_data=["user_id"],
        ),
        select_param="responsible_ids",
        link_label="Open these open cases in the search (click people to narrow)",
    )
    if not k["workload"].empty:
        st.dataframe(
            k["workload"]
            .frame.drop(columns=["user_id"])
            .rename(
                columns={
                    "employee": "Employee",
                    "role": "Role",
                    "open_cases": "Open cases",
                    "over_sla": "Over SLA",
                    "moves_week": "Moves, last 7 days",
                    "moves_period": "Moves in the period",
                }
            ),
            hide_index=True,
            key="kpi_workload_table",
        )

with tabs[7]:
    chart(
        k["ocr_corrections"],
        lambda d: px.bar(d, x="field", y="corrected_share", range_y=[0, 1]),
        stats={"reviewed": "Fields reviewed", "corrected": "Corrected", "corrected_share": "Corrected share"},
    )

"""KPI dashboard for department heads: filters, headline figures, charts, XLSX export.

Every figure comes from ``core.kpi.service`` (SQL aggregations, cached briefly per filter set);
``core.kpi.display`` words and formats them in the user's language. The charts are meant to be
put in front of a director as they are: each has a title, named axes, rates drawn from zero,
counts on whole-number ticks, time in days, weeks or months (never an hourly axis), and a link
that opens the case search with the same filters; clicking bars of the stage, aging and
workload charts narrows that link to what was clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.calendar import local_date
from core.cases.workflow import STAGE_BY_CODE
from core.db import utcnow
from core.errors import CessioError, PermissionDenied, ValidationFailed
from core.i18n import _, format_date, format_money, format_number, ngettext
from core.kpi import export, service
from core.kpi.display import (
    COLUMN_LABELS,
    days_text,
    money_short,
    stage_label,
    stats_line,
    translated,
    with_period_labels,
)
from core.kpi.filters import KpiFilters
from core.kpi.periods import GRANULARITIES, GRANULARITY_LABELS, Granularity, auto_granularity, axis_title
from core.kpi.result import KpiResult
from core.kpi.stages import BAND_LABELS, OVER_BANDS
from core.ocr.extract import FIELD_LABELS
from ui.context import actor, db
from ui.key_rate_notice import show_key_rate_warning

SEARCH_PAGE = "pages/search.py"
CHART_HEIGHT = 360
BAND_COLORS = ("#16a34a", "#facc15", "#f97316", "#dc2626")
SERIES_COLORS = ("#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed", "#64748b")
# Headline figures wrap instead of being cut ("23,68 млн …") and shrink a little on narrow
# screens; Streamlit's metric truncates its value to one line otherwise.
TILE_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: clamp(1.35rem, 1.9vw, 2rem); }
[data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] p {
  white-space: normal; overflow: visible; text-overflow: clip;
}
</style>
"""

user = actor()
st.title(_("Department KPIs"))
show_key_rate_warning()

try:
    with db() as session:
        options = service.filter_options(session, user)
except PermissionDenied:
    st.error(_("The KPI dashboard is for heads of department and administrators."))
    st.stop()

# ---- filters -------------------------------------------------------------------------------
today = local_date(utcnow())
default = KpiFilters.last_months(today=today)
with st.container(border=True):
    row1 = st.columns([3, 2, 4])
    period = row1[0].date_input(
        _("Period"),
        value=(default.date_from, default.date_to),
        format="DD.MM.YYYY",
        key="kpi_period",
    )
    days_chosen = (period[1] - period[0]).days + 1 if isinstance(period, tuple) and len(period) == 2 else 365

    def _granularity_name(g: str) -> str:
        if g == "auto":
            chosen = auto_granularity(days_chosen)
            return _("Automatic ({bucket})").format(bucket=_(GRANULARITY_LABELS[chosen]).lower())
        return _(GRANULARITY_LABELS[g])

    # labels worked out in this run (a dict's lookup, not a call of ``_`` later outside it)
    granularity_names = {g: _granularity_name(g) for g in GRANULARITIES}
    granularity = row1[1].selectbox(
        _("Charts by"), GRANULARITIES, format_func=granularity_names.__getitem__, key="kpi_granularity"
    )
    everyone = _("All")
    creditor_ids = row1[2].multiselect(
        _("Creditor"),
        list(options.creditors),
        format_func=lambda i: options.creditors[i],
        placeholder=everyone,
        key="kpi_creditors",
    )
    row2 = st.columns(4)
    agreement_ids = row2[0].multiselect(
        _("Assignment agreement"),
        list(options.agreements),
        format_func=lambda i: options.agreements[i],
        placeholder=everyone,
        key="kpi_agreements",
    )
    regions = row2[1].multiselect(_("Region"), options.regions, placeholder=everyone, key="kpi_regions")
    responsible_ids = row2[2].multiselect(
        _("Responsible"),
        list(options.users),
        format_func=lambda i: options.users[i],
        placeholder=everyone,
        key="kpi_responsible",
    )
    stage_names = {code: stage_label(code) for code in options.stages}
    stage_codes = row2[3].multiselect(
        _("Current stage"),
        list(options.stages),
        format_func=stage_names.__getitem__,
        placeholder=everyone,
        key="kpi_stages",
    )

if not isinstance(period, tuple) or len(period) != 2:
    st.info(_("Choose the last day of the period."))
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
        granularity=granularity,
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

bucket: Granularity = filters.bucket
previous = filters.previous()
st.caption(
    _(
        "{start} – {end}, compared with {prev_start} – {prev_end}. The stage charts and the workload show "
        "the cases as they stand now. Figures are refreshed at most once a minute."
    ).format(
        start=format_date(filters.date_from),
        end=format_date(filters.date_to),
        prev_start=format_date(previous.date_from),
        prev_end=format_date(previous.date_to),
    )
)
st.html(TILE_CSS)


# ---- helpers -------------------------------------------------------------------------------
def search_link(label: str, params: dict[str, str]) -> None:
    """A link to the case search with these filters (query parameters of ``CaseFilter``)."""
    try:
        st.page_link(SEARCH_PAGE, label=label, icon=":material/search:", query_params=params)
    except StreamlitAPIException:  # the search page is not in this navigation (page run on its own)
        st.markdown(f":material/search: [{label}](search?{urlencode(params)})")


def style(fig: go.Figure, *, legend: bool | None = None) -> go.Figure:
    """The house style: Russian number separators (decimal comma, thin-space thousands), the
    legend under the chart, no plotly title (the page titles each chart)."""
    fig.update_layout(
        separators=",\u00a0",
        height=CHART_HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title_text": "", "traceorder": "normal"},
        hoverlabel={"namelength": -1},
    )
    if legend is not None:
        fig.update_layout(showlegend=legend)
    return fig


def count_axis(fig: go.Figure, axis: str, title: str, top: float) -> None:
    """A count axis from zero with whole-number ticks (never "0,2 cases")."""
    settings: dict[str, Any] = {"title_text": title, "rangemode": "tozero", "tickformat": ",d"}
    # room above the highest bar for its number; one tick per case when there are only a few
    settings["range"] = [0, max(top, 1) * 1.12]
    if top <= 8:
        settings["dtick"] = 1
    getattr(fig, f"update_{axis}axes")(**settings)


def rate_axis(fig: go.Figure, axis: str, title: str, top: float) -> None:
    """A share axis from 0 % (so 8,05 % -> 7,9 % looks like the small change it is)."""
    upper = 1.0 if top > 0.6 else max(0.05, top * 1.3)
    getattr(fig, f"update_{axis}axes")(title_text=title, range=[0, upper], tickformat=".0%")


def money_axis(fig: go.Figure, axis: str, title: str, top: Decimal) -> Decimal:
    """A money axis in roubles, thousands or millions (whichever keeps ticks short); returns the
    divisor the plotted amounts must be divided by."""
    if top >= 1_000_000:
        divisor, unit = Decimal(1_000_000), _("million ₽")
    elif top >= 1_000:
        divisor, unit = Decimal(1_000), _("thousand ₽")
    else:
        divisor, unit = Decimal(1), "₽"
    getattr(fig, f"update_{axis}axes")(title_text=f"{title}, {unit}", rangemode="tozero", tickformat=",~r")
    return divisor


def time_axis(fig: go.Figure, labels: list[str]) -> None:
    """Buckets as categories in time order: one bar per day, week or month, nothing in between."""
    fig.update_xaxes(title_text=axis_title(bucket), type="category", categoryorder="array", categoryarray=labels)


def chart(
    result: KpiResult,
    build: Callable[[pd.DataFrame], go.Figure],
    *,
    stats: list[str] | None = None,
    select_param: str | None = None,
    link_label: str | None = None,
    hint: str | None = None,
) -> None:
    """Title, the chart (or why there is none), summary numbers and the link to the search."""
    st.markdown(f"#### {_(result.title)}")
    if result.empty:
        st.info(_(result.message))
        return
    if result.note:
        st.caption(_(result.note))
    fig = style(build(translated(result.frame)))
    params = dict(result.search)
    label = link_label or _("Open these cases in the search")
    if select_param:
        event = st.plotly_chart(
            fig, key=f"kpi_chart_{result.key}", on_select="rerun", selection_mode="points", width="stretch"
        )
        picked = sorted(
            {
                str(p["customdata"][0]).removesuffix(".0")
                for p in (event.selection.points if event else [])
                if p.get("customdata") and not pd.isna(p["customdata"][0])
            }
        )
        if picked:
            params[select_param] = ",".join(picked)
            label = ngettext(
                "Open the {n} selected in the search", "Open the {n} selected in the search", len(picked)
            ).format(n=len(picked))
    else:
        st.plotly_chart(fig, key=f"kpi_chart_{result.key}", width="stretch")
    line = stats_line(result, stats)
    if line:
        st.markdown(" · ".join(f"{name}: **{value}**" for name, value in line))
    search_link(label, params)
    if hint:
        st.caption(hint)


def _delta_text(delta: Any, unit: str) -> str | None:
    if delta is None or delta == 0:
        return None
    sign = "+" if delta > 0 else "-"
    return sign + (money_short(abs(delta)) if unit == "money" else format_number(abs(int(delta))))


# ---- headline figures ----------------------------------------------------------------------
TILES_PER_ROW = 4
for i, tile in enumerate(board.tiles):
    if i % TILES_PER_ROW == 0:
        tile_columns = st.columns(TILES_PER_ROW)
    with tile_columns[i % TILES_PER_ROW], st.container(border=True):
        if tile.unit == "money" and tile.value is not None:
            value = money_short(tile.value)
            hint = _("Exactly {amount}; previous period {previous}").format(
                amount=format_money(tile.value),
                previous=format_money(tile.previous) if tile.previous is not None else "—",
            )
        else:
            value = "—" if tile.value is None else format_number(int(tile.value))
            hint = (
                _("Previous period: {value}").format(value=format_number(int(tile.previous)))
                if tile.previous is not None
                else _("As the cases stand now")
            )
        st.metric(
            _(tile.label),
            value,
            delta=_delta_text(tile.delta, tile.unit),
            help=hint,
            delta_color="normal" if tile.higher_is_better else "inverse",
        )
        if tile.search:
            search_link(_("Open in the search"), tile.search)

k = board.kpis

# ---- export --------------------------------------------------------------------------------
with st.expander(_("Export the figures to Excel"), icon=":material/download:"):
    st.caption(
        _("One sheet per chart plus the filters and the headline figures. The export is recorded in the audit log.")
    )
    if st.button(_("Prepare XLSX"), key="kpi_export"):
        try:
            with db() as session:
                st.session_state["kpi_xlsx"] = (filters, export.export_dashboard(session, user, filters))
        except CessioError as exc:
            st.error(str(exc))
    ready = st.session_state.get("kpi_xlsx")
    if ready and ready[0] == filters:
        st.download_button(
            _("Download the XLSX file"),
            ready[1],
            file_name=f"cessio-kpi-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="kpi_download",
        )


# ---- chart builders ------------------------------------------------------------------------
def stages_bar(d: pd.DataFrame) -> go.Figure:
    """Cases by current stage as horizontal bars in workflow order (a snapshot, not a funnel:
    cases do not narrow from one stage to the next, they stand where they are)."""
    fig = go.Figure(
        go.Bar(
            x=d["cases"],
            y=d["label"],
            orientation="h",
            marker_color=list(d["color"]),
            customdata=d[["stage"]],
            text=[format_number(int(v)) for v in d["cases"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,d}<extra></extra>",
        )
    )
    count_axis(fig, "x", _("Cases"), float(d["cases"].max()))
    fig.update_yaxes(title_text="", autorange="reversed", type="category")
    return style(fig, legend=False)


def aging_bar(d: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    bands = ["within_sla", *(b[0] for b in OVER_BANDS)]
    for band, color in zip(bands, BAND_COLORS, strict=True):
        fig.add_bar(
            x=d[band],
            y=d["label"],
            orientation="h",
            name=_(BAND_LABELS[band]),
            marker_color=color,
            customdata=d[["stage"]],
            hovertemplate="%{y}: %{x:,d}<extra>" + _(BAND_LABELS[band]) + "</extra>",
        )
    fig.update_layout(barmode="stack")
    count_axis(fig, "x", _("Open cases"), float(d["cases"].max()))
    fig.update_yaxes(title_text="", autorange="reversed", type="category")
    return fig


def moves_bar(d: pd.DataFrame) -> go.Figure:
    d = with_period_labels(d, bucket, filters.date_from, filters.date_to)
    labels = list(dict.fromkeys(d["period_label"]))
    fig = go.Figure()
    for code in dict.fromkeys(d["stage"]):
        part = d[d["stage"] == code]
        fig.add_bar(
            x=part["period_label"],
            y=part["moves"],
            name=stage_label(code),
            marker_color=STAGE_BY_CODE[code].color if code in STAGE_BY_CODE else None,
        )
    fig.update_layout(barmode="stack")
    time_axis(fig, labels)
    count_axis(fig, "y", _("Stage moves"), float(d.groupby("period_label")["moves"].sum().max()))
    return fig


def opened_closed_bar(d: pd.DataFrame) -> go.Figure:
    d = with_period_labels(d, bucket, filters.date_from, filters.date_to)
    fig = go.Figure()
    fig.add_bar(x=d["period_label"], y=d["opened"], name=_("New cases"), marker_color=SERIES_COLORS[0])
    fig.add_bar(x=d["period_label"], y=d["closed"], name=_("Closed cases"), marker_color=SERIES_COLORS[2])
    fig.update_layout(barmode="group")
    time_axis(fig, list(d["period_label"]))
    count_axis(fig, "y", _("Cases"), float(max(d["opened"].max(), d["closed"].max())))
    return fig


def claimed_collected_bar(d: pd.DataFrame) -> go.Figure:
    d = with_period_labels(d, bucket, filters.date_from, filters.date_to)
    amounts = [v for v in [*d["claimed"], *d["collected"]] if v is not None and not pd.isna(v)]
    fig = go.Figure()
    divisor = money_axis(fig, "y", _("Amount"), max(amounts, default=Decimal(0)))
    fig.add_bar(
        x=d["period_label"],
        y=[v / divisor for v in d["claimed"]],
        name=_("Claimed (new cases)"),
        marker_color=SERIES_COLORS[0],
        customdata=[format_money(v) for v in d["claimed"]],
        hovertemplate="%{x}: %{customdata}<extra></extra>",
    )
    if d["collected"].notna().any():
        fig.add_bar(
            x=d["period_label"],
            y=[(v or 0) / divisor for v in d["collected"]],
            name=_("Collected"),
            marker_color=SERIES_COLORS[2],
            customdata=[format_money(v or Decimal(0)) for v in d["collected"]],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    time_axis(fig, list(d["period_label"]))
    return fig


def rate_line(d: pd.DataFrame) -> go.Figure:
    d = with_period_labels(d, bucket, filters.date_from, filters.date_to)
    fig = go.Figure(
        go.Scatter(
            x=d["period_label"],
            y=d["recovery_rate"],
            mode="lines+markers",
            line={"color": SERIES_COLORS[2], "width": 3},
            customdata=[format_date(v) for v in d["as_of"]],
            hovertemplate=_("as of {date}").format(date="%{customdata}") + ": %{y:.1%}<extra></extra>",
        )
    )
    time_axis(fig, list(d["period_label"]))
    rate_axis(fig, "y", _("Collected of claimed"), float(d["recovery_rate"].max() or 0))
    return style(fig, legend=False)


def share_bar(x: str, y: str, x_title: str, y_title: str) -> Callable[[pd.DataFrame], go.Figure]:
    def build(d: pd.DataFrame) -> go.Figure:
        if x == "period":
            d = with_period_labels(d, bucket, filters.date_from, filters.date_to)
        labels = list(d["period_label"] if x == "period" else d[x])
        fig = go.Figure(
            go.Bar(
                x=labels,
                y=d[y],
                marker_color=SERIES_COLORS[0],
                text=[f"{v:.0%}" for v in d[y]],
                textposition="outside",
                cliponaxis=False,
            )
        )
        if x == "period":
            time_axis(fig, labels)
        else:
            fig.update_xaxes(title_text=x_title, type="category")
        rate_axis(fig, "y", y_title, float(d[y].max() or 0))
        return style(fig, legend=False)

    return build


def days_histogram(value: str, x_title: str, y_title: str) -> Callable[[pd.DataFrame], go.Figure]:
    """A histogram of whole days, binned so there are at most about 25 bars (a year of cycle
    times in 15-day bins, not 300 spikes of one or two cases)."""

    def build(d: pd.DataFrame) -> go.Figure:
        lo, hi = int(d["days"].min()), int(d["days"].max())
        width = next((w for w in (1, 2, 5, 7, 10, 15, 30, 60, 90, 180) if (hi - lo) / w <= 25), 365)
        start = (lo // width) * width
        bins = d.assign(bin=((d["days"] - start) // width) * width + start).groupby("bin")[value].sum()
        fig = go.Figure(
            go.Bar(
                x=[b + width / 2 for b in bins.index],
                y=list(bins.values),
                width=width * 0.9,
                marker_color=SERIES_COLORS[0],
                customdata=[
                    days_text(b) if width == 1 else f"{format_number(int(b))}–{days_text(b + width - 1)}"
                    for b in bins.index
                ],
                hovertemplate="%{customdata}: %{y:,d}<extra></extra>",
            )
        )
        fig.update_xaxes(title_text=x_title, rangemode="tozero", tickformat=",d")
        count_axis(fig, "y", y_title, float(bins.max()))
        return style(fig, legend=False)

    return build


def donut(names: str, values: str) -> Callable[[pd.DataFrame], go.Figure]:
    def build(d: pd.DataFrame) -> go.Figure:
        fig = go.Figure(
            go.Pie(
                labels=d[names],
                values=d[values],
                hole=0.5,
                sort=False,
                textinfo="value+percent",
                marker={"colors": list(SERIES_COLORS)},
            )
        )
        return fig

    return build


def category_bar(x: str, y: str, x_title: str, y_title: str, custom: str | None = None) -> Callable[..., go.Figure]:
    def build(d: pd.DataFrame) -> go.Figure:
        fig = go.Figure(
            go.Bar(
                x=d[x],
                y=d[y],
                marker_color=SERIES_COLORS[0],
                customdata=d[[custom]] if custom else None,
                text=[format_number(int(v)) for v in d[y]],
                textposition="outside",
                cliponaxis=False,
            )
        )
        fig.update_xaxes(title_text=x_title, type="category")
        count_axis(fig, "y", y_title, float(d[y].max()))
        return style(fig, legend=False)

    return build


def workload_bar(d: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(
        x=d["employee"],
        y=d["open_cases"],
        name=_("Open cases"),
        marker_color=SERIES_COLORS[0],
        customdata=d[["user_id"]],
    )
    fig.add_bar(
        x=d["employee"], y=d["over_sla"], name=_("Over SLA"), marker_color=SERIES_COLORS[3], customdata=d[["user_id"]]
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="", type="category")
    count_axis(fig, "y", _("Cases"), float(d["open_cases"].max()))
    return fig


# ---- the charts ----------------------------------------------------------------------------
tabs = st.tabs([_("Stages"), _("Throughput"), _("Court"), _("Money"), _("Mail"), _("Bureau"), _("Workload"), _("OCR")])

with tabs[0]:
    left, right = st.columns(2)
    with left:
        chart(
            k["funnel"],
            stages_bar,
            stats=["total", "open"],
            select_param="stages",
            hint=_("Click stages on the chart to open only their cases."),
        )
    with right:
        chart(
            k["aging"],
            aging_bar,
            stats=["open", "over_sla", "over_share"],
            select_param="stages",
            link_label=_("Open the cases over SLA in the search"),
            hint=_("Click stages on the chart to open only their cases."),
        )

with tabs[1]:  # time charts across the page: a year of months or a month of days needs the width
    chart(
        k["opened_closed"],
        opened_closed_bar,
        stats=["opened", "closed"],
        link_label=_("Open the cases opened in the period"),
    )
    chart(k["transitions"], moves_bar, stats=["moves"])

with tabs[2]:
    left, right = st.columns(2)
    with left:
        chart(
            k["court_outcomes"],
            category_bar("outcome", "cases", "", _("Cases"), custom="stage"),
            stats=["issued", "refused", "issued_share"],
            select_param="stages",
        )
    with right:
        chart(
            k["mail_to_order"],
            days_histogram("cases", _("Days from mailing to the order"), _("Court orders")),
            stats=["cases", "median_days", "p90_days"],
        )

with tabs[3]:
    chart(
        k["claimed_collected"],
        claimed_collected_bar,
        stats=["claimed", "collected"],
        link_label=_("Open the cases opened in the period"),
    )
    chart(k["recovery_rate"], rate_line, stats=["claimed", "collected", "rate"])
    left, right = st.columns(2)
    with left:
        chart(
            k["cycle_time"],
            days_histogram("cases", _("Days from opening to repayment"), _("Repaid cases")),
            stats=["cases", "median_days", "p90_days"],
        )
    with right:
        chart(k["write_off"], donut("outcome", "cases"), stats=["closed", "write_off_rate"])
    chart(
        k["plan_adherence"],
        share_bar("period", "adherence", "", _("Instalments kept")),
        stats=["due", "kept", "adherence"],
    )

with tabs[4]:
    left, right = st.columns(2)
    with left:
        chart(
            k["mail_delivery"],
            days_histogram("letters", _("Days from mailing to delivery"), _("Letters")),
            stats=["cases", "median_days", "p90_days"],
        )
    with right:
        chart(
            k["mail_outcomes"],
            donut("label", "letters"),
            stats=["mailed", "returned", "returned_share"],
            link_label=_("Open the cases with a returned letter"),
        )

with tabs[5]:
    left, right = st.columns(2)
    with left:
        chart(k["bureau_timeliness"], donut("label", "events"), stats=["events", "on_time_share"])
    with right:
        chart(
            k["bureau_overdue"],
            category_bar("label", "events", "", _("Events")),
            stats=["overdue", "oldest_days"],
        )

with tabs[6]:
    chart(
        k["workload"],
        workload_bar,
        select_param="responsible_ids",
        link_label=_("Open these open cases in the search"),
        hint=_("Click people on the chart to open only their cases."),
    )
    if not k["workload"].empty:
        table = translated(k["workload"].frame).drop(columns=["user_id"])
        table["role"] = [_(str(r).capitalize()) if r else "" for r in table["role"]]
        st.dataframe(
            table.rename(columns={c: _(COLUMN_LABELS[c]) for c in table.columns}),
            hide_index=True,
            key="kpi_workload_table",
        )

with tabs[7]:

    def ocr_build(d: pd.DataFrame) -> go.Figure:
        d = d.assign(field=[_(FIELD_LABELS.get(f, f)) for f in d["field"]])
        return share_bar("field", "corrected_share", _("Field"), _("Corrected share"))(d)

    chart(k["ocr_corrections"], ocr_build, stats=["reviewed", "corrected", "corrected_share"])

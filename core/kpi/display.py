"""How KPI figures read to people: column names, labels, numbers and days in the user's language.

The KPI queries return frames with field names (``within_sla``, ``recovery_rate``) and English
message ids as labels, cached for every user; this module turns them into what a head reads on
the page and in the exported workbook: "В пределах SLA", "8,1 %", "269 дней", "23,7 млн ₽".
Numbers go through ``core.i18n`` (ARCHITECTURE rule 11), so the page and the export agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
from babel.numbers import format_compact_decimal

from core.cases.workflow import STAGE_BY_CODE
from core.i18n import N_, _, format_money, format_number, format_percent, locale, ngettext
from core.kpi.periods import Granularity, bucket_labels, next_bucket
from core.kpi.result import KpiResult

#: every column a KPI frame can have, as a person names it (axis titles, export headers)
COLUMN_LABELS: dict[str, str] = {
    "stage": N_("Stage code"),
    "label": N_("Stage"),
    "cases": N_("Cases"),
    "claim_amount": N_("Claimed, ₽"),
    "closed": N_("Closed stage"),
    "color": N_("Colour"),
    "sla_days": N_("SLA, days"),
    "within_sla": N_("Within SLA"),
    "over_1_7": N_("Over by 1–7 days"),
    "over_8_30": N_("Over by 8–30 days"),
    "over_31": N_("Over by more than 30 days"),
    "over_sla": N_("Over SLA"),
    "over_share": N_("Share over SLA"),
    "oldest_days": N_("Oldest, days in stage"),
    "period": N_("Period"),
    "moves": N_("Stage moves"),
    "opened": N_("New cases"),
    "new_cases": N_("New cases"),
    "claimed": N_("Claimed, ₽"),
    "collected": N_("Collected, ₽"),
    "as_of": N_("As of"),
    "recovery_rate": N_("Recovery rate"),
    "days": N_("Days"),
    "letters": N_("Letters"),
    "outcome": N_("Outcome"),
    "status": N_("Status code"),
    "events": N_("Events"),
    "oldest_deadline": N_("Oldest deadline"),
    "due": N_("Instalments due"),
    "kept": N_("Instalments kept"),
    "adherence": N_("Adherence"),
    "user_id": N_("User id"),
    "employee": N_("Employee"),
    "role": N_("Role"),
    "open_cases": N_("Open cases"),
    "moves_week": N_("Moves, last 7 days"),
    "moves_period": N_("Moves in the period"),
    "field": N_("Field"),
    "reviewed": N_("Fields reviewed"),
    "corrected": N_("Corrected"),
    "corrected_share": N_("Corrected share"),
}
#: summary numbers under the charts
STAT_LABELS: dict[str, str] = {
    "total": N_("Cases"),
    "open": N_("Open cases"),
    "over_sla": N_("Over SLA"),
    "over_share": N_("Share over SLA"),
    "moves": N_("Moves"),
    "opened": N_("New cases"),
    "closed": N_("Closed cases"),
    "issued": N_("Issued"),
    "refused": N_("Refused"),
    "issued_share": N_("Issued of decided"),
    "cases": N_("Cases"),
    "median_days": N_("Median"),
    "p90_days": N_("90th percentile"),
    "claimed": N_("Claimed"),
    "collected": N_("Collected"),
    "rate": N_("Recovery rate"),
    "write_off_rate": N_("Write-off rate"),
    "due": N_("Instalments due"),
    "kept": N_("Kept"),
    "adherence": N_("Adherence"),
    "mailed": N_("Mailed"),
    "returned": N_("Returned"),
    "returned_share": N_("Returned share"),
    "events": N_("Deadlines in the period"),
    "on_time_share": N_("On time"),
    "overdue": N_("Overdue"),
    "oldest_days": N_("Oldest, days past the deadline"),
    "reviewed": N_("Fields reviewed"),
    "corrected": N_("Corrected"),
    "corrected_share": N_("Corrected share"),
    "people": N_("People"),
}
SHARE_KEYS = frozenset(
    {"over_share", "issued_share", "rate", "write_off_rate", "adherence", "returned_share", "on_time_share"}
    | {"corrected_share", "recovery_rate"}
)
DAY_KEYS = frozenset({"median_days", "p90_days", "oldest_days"})
OUTCOME_LABELS = {"repaid": N_("Repaid"), "written_off": N_("Written off")}
#: columns that hold English message ids to translate when shown
_TEXT_COLUMNS = ("label", "outcome")


def column_label(name: str) -> str:
    return _(COLUMN_LABELS.get(name, name))


def stage_label(code: str) -> str:
    stage = STAGE_BY_CODE.get(code)
    return _(stage.label) if stage else code


def days_text(value: float | int | None) -> str:
    """Whole days, declined: ``1 день``, ``3 дня``, ``269 дней`` (a median of 268.5 reads 269)."""
    if value is None:
        return "—"
    n = int(Decimal(str(value)).quantize(Decimal("1"), rounding="ROUND_HALF_UP"))
    return ngettext("{n} day", "{n} days", n).format(n=format_number(n))


def money_short(value: Decimal) -> str:
    """A tile-sized amount to three significant digits: ``1,02 млрд ₽``, ``23,7 млн ₽``,
    ``999 тыс. ₽``; under a thousand, exact. The tile's help gives the exact amount."""
    size = abs(value)
    if size < 1000:
        return format_money(value)
    unit = next(u for u in (Decimal(10) ** 9, Decimal(10) ** 6, Decimal(1000)) if size >= u)
    scaled = size / unit
    digits = 2 if scaled < 10 else 1 if scaled < 100 else 0
    return f"{format_compact_decimal(value, format_type='short', locale=locale(), fraction_digits=digits)}\u00a0₽"


def stat_text(key: str, value: Any) -> str:
    """One summary number as shown: money, a share, days or a count."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format_money(value)
    if key in SHARE_KEYS:
        return format_percent(value)
    if key in DAY_KEYS:
        return days_text(value)
    return format_number(int(value)) if float(value).is_integer() else format_number(Decimal(str(value)), 1)


def stats_line(result: KpiResult, keys: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of a KPI's summary numbers, in the order given (default: all)."""
    out = []
    for key in keys or list(result.stats):
        if key in result.stats:
            out.append((_(STAT_LABELS.get(key, key)), stat_text(key, result.stats[key])))
    return out


def with_period_labels(
    frame: pd.DataFrame, granularity: Granularity, first: dt.date | None = None, last: dt.date | None = None
) -> pd.DataFrame:
    """The frame with a ``period_label`` column naming each time bucket (``июнь 2026``); a
    bucket the period cuts names the days it holds (``дек. (1–2)``), so a short last bar does not
    read as a fall."""
    out = frame.copy()
    starts: list[dt.date] = list(out["period"])
    unique = sorted(set(starts))
    names = dict(zip(unique, bucket_labels(unique, granularity), strict=True))
    if granularity != "day":
        for start in unique:
            end = next_bucket(start, granularity) - dt.timedelta(days=1)
            lo = max(start, first) if first else start
            hi = min(end, last) if last else end
            if (lo, hi) != (start, end):
                days = f"{lo.day}–{hi.day}" if granularity == "month" else f"{lo:%d.%m}–{hi:%d.%m}"
                names[start] = f"{names[start]} ({days})"
    out["period_label"] = [names[s] for s in starts]
    return out


def translated(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its label columns translated (stage names, outcomes, statuses)."""
    out = frame.copy()
    for column in _TEXT_COLUMNS:
        if column in out.columns:
            out[column] = [_(OUTCOME_LABELS.get(v, v)) if isinstance(v, str) else v for v in out[column]]
    if "employee" in out.columns:
        out["employee"] = [_(v) if isinstance(v, str) and v.startswith("(") else v for v in out["employee"]]
    return out


#: internal columns a person does not need in the export
_INTERNAL = ("stage", "color", "closed", "user_id", "status")


def export_frame(
    result: KpiResult, granularity: Granularity, first: dt.date | None = None, last: dt.date | None = None
) -> pd.DataFrame:
    """The KPI's frame as a person reads it: labels translated, periods named, internal codes
    dropped and every column titled in the user's language (the exported workbook)."""
    frame = translated(result.frame)
    if "period" in frame.columns and not frame.empty:
        frame = with_period_labels(frame, granularity, first, last)
        frame["period"] = frame.pop("period_label")
    if "role" in frame.columns:
        frame["role"] = [_(str(v).capitalize()) if v else "" for v in frame["role"]]
    frame = frame.drop(columns=[c for c in _INTERNAL if c in frame.columns])
    return frame.rename(columns={c: column_label(c) for c in frame.columns})

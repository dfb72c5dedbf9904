"""Court mail KPIs: how long the post takes to deliver, and what share comes back.

Counted over the shipments mailed in the period (``postal_shipments.mailed_at``). The returned
share is taken among shipments whose fate is known (delivered, returned, refused, lost), so
letters still in transit neither help nor hurt it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.kpi.court import day_stats
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult, frame, unavailable
from core.kpi.sql import days_between, has_table

try:
    from core.postal import models as postal
except ImportError:  # the postal domain is optional for the dashboard
    postal = None  # type: ignore[assignment]

RETURN_STATUSES = ("returned", "refused")
FINAL_STATUSES = ("delivered", "returned", "refused", "lost")
STATUS_LABELS: dict[str, str] = {
    "registered": N_("Registered"),
    "in_transit": N_("In transit"),
    "delivered": N_("Delivered"),
    "returned": N_("Returned"),
    "refused": N_("Refused by the addressee"),
    "lost": N_("Lost"),
    "attention": N_("Needs attention"),
    "stopped": N_("Tracking stopped"),
}
NOT_SET_UP = N_("No data yet: postal tracking is not set up")


def _available(session: Session) -> bool:
    return postal is not None and has_table(session, "postal_shipments")


def _shipments(f: KpiFilters, *columns: Any) -> Any:
    assert postal is not None
    s = postal.Shipment
    stmt = select(*columns).where(s.mailed_at >= f.start, s.mailed_at < f.end)
    if f.narrows_cases():
        stmt = stmt.where(
            s.id.in_(
                select(postal.ShipmentCase.shipment_id).where(postal.ShipmentCase.case_id.in_(f.case_ids_subquery()))
            )
        )
    return stmt


def delivery_days(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Distribution of days from mailing to delivery, for letters mailed in the period."""
    title = N_("Mail delivery time")
    if not _available(session):
        return unavailable("mail_delivery", title, ["days", "letters"], NOT_SET_UP)
    assert postal is not None
    s = postal.Shipment
    d = days_between(s.mailed_at, s.delivered_at).label("d")
    rows = session.execute(
        _shipments(f, d, func.count())
        .where(s.delivered_at.is_not(None), s.delivered_at >= s.mailed_at)
        .group_by(literal_column("d"))
        .order_by(literal_column("d"))
    ).all()
    hist = [(int(r[0]), int(r[1])) for r in rows]
    return KpiResult("mail_delivery", title, frame(hist, ["days", "letters"]), day_stats(hist))


def mail_outcomes(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Letters mailed in the period by what became of them; the returned share."""
    title = N_("Court mail outcomes")
    columns = ["status", "label", "letters"]
    if not _available(session):
        return unavailable("mail_outcomes", title, columns, NOT_SET_UP)
    assert postal is not None
    s = postal.Shipment
    counts = {r[0]: int(r[1]) for r in session.execute(_shipments(f, s.status, func.count()).group_by(s.status))}
    if not counts:
        return KpiResult("mail_outcomes", title, frame([], columns))
    order = list(STATUS_LABELS) + sorted(set(counts) - set(STATUS_LABELS))
    data = [(code, STATUS_LABELS.get(code, code), counts[code]) for code in order if code in counts]
    final = sum(counts.get(c, 0) for c in FINAL_STATUSES)
    returned = sum(counts.get(c, 0) for c in RETURN_STATUSES)
    return KpiResult(
        "mail_outcomes",
        title,
        frame(data, columns),
        {
            "mailed": sum(counts.values()),
            "returned": returned,
            "returned_share": round(returned / final, 4) if final else None,
        },
    )

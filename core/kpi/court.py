"""Court outcomes of the writ route (Civil Procedure Code ch. 11): orders issued, refused
(art. 125) and cancelled on the debtor's objection (art. 129), and how long a court takes from
our mailing of the claim to the order.

Both read the timeline's transition events, so an outcome counts in the period it was
recorded, whichever way the case went afterwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from core.cases.models import CaseEvent
from core.cases.workflow import transition
from core.i18n import N_
from core.kpi.daily import daily
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult, frame
from core.kpi.sql import days_between, percentile
from core.kpi.throughput import transition_events

OUTCOMES: tuple[tuple[str, str], ...] = (
    (transition("issue_order").target, N_("Issued")),
    (transition("refuse_order").target, N_("Refused")),
    (transition("cancel_order").target, N_("Cancelled")),
)
TITLE_OUTCOMES = N_("Court orders: issued, refused, cancelled")
TITLE_MAIL_TO_ORDER = N_("Days from mailing the claim to the court order")
MAILED_STAGE = transition("mail_claim").target
ORDER_STAGE = transition("issue_order").target


def court_outcomes(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Court orders issued, refused and cancelled in the period."""
    codes = [code for code, _ in OUTCOMES]
    moved = daily(session, f).moves_between(f.date_from, f.date_to)
    rows = {code: moved[code] for code in codes if moved.get(code)}
    columns = ["stage", "outcome", "cases"]
    if not rows:
        return KpiResult("court_outcomes", TITLE_OUTCOMES, frame([], columns))
    data = [(code, label, int(rows.get(code, 0))) for code, label in OUTCOMES]
    issued, refused = int(rows.get(codes[0], 0)), int(rows.get(codes[1], 0))
    decided = issued + refused
    return KpiResult(
        "court_outcomes",
        TITLE_OUTCOMES,
        frame(data, columns),
        {"issued": issued, "refused": refused, "issued_share": round(issued / decided, 4) if decided else None},
    )


def mail_to_order_days(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Days from mailing the claim to the court order, for orders recorded in the period.

    The mailing is the case's last ``mail_claim`` transition before the order; an order
    without a recorded mailing is left out.
    """
    issued = (
        transition_events(f, CaseEvent.case_id, func.max(CaseEvent.at).label("issued_at"))
        .where(CaseEvent.to_stage == ORDER_STAGE)
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    mail = aliased(CaseEvent)
    # one join of the period's orders with their cases' mailings, both sides read in case order
    # from ix_case_events_stage_case_at (migration 0009), instead of one timeline look-up per
    # order (13 s for a year of orders on a million cases)
    pairs = (
        # one order moment per case, so grouping by the case alone is enough (and cheaper)
        select(func.max(issued.c.issued_at).label("issued_at"), func.max(mail.at).label("mailed_at"))
        .join(
            mail,
            and_(
                mail.case_id == issued.c.case_id,
                mail.to_stage == MAILED_STAGE,
                mail.kind == "transition",
                mail.at <= issued.c.issued_at,
            ),
        )
        .group_by(issued.c.case_id)
        .subquery()
    )
    d = days_between(pairs.c.mailed_at, pairs.c.issued_at).label("d")
    rows = session.execute(select(d, func.count()).group_by(literal_column("d")).order_by(literal_column("d"))).all()
    hist = [(int(r[0]), int(r[1])) for r in rows]
    result = frame(hist, ["days", "cases"])
    return KpiResult("mail_to_order", TITLE_MAIL_TO_ORDER, result, day_stats(hist))


def day_stats(hist: list[tuple[int, int]]) -> dict[str, float | int | None]:
    """Count, median and 90th percentile of a (days, cases) histogram."""
    return {
        "cases": sum(c for _, c in hist),
        "median_days": percentile(hist, 0.5),
        "p90_days": percentile(hist, 0.9),
    }

"""Money KPIs: claimed and collected per day, week or month, recovery rate, collection cycle
time, write-off rate, payment-plan adherence.

Amounts stay ``Decimal`` end to end (ARCHITECTURE rule 3); rates are plain ratios rounded to
four places. Time buckets are local days, weeks or months (``core/kpi/periods.py``). "Claimed" is the claim amount of the cases
opened in the period; "collected" is payments received in the period (ledger). The cycle
time runs from opening a case to its repayment (closing as repaid); the write-off rate is the
share of cases closed in the period that were written off rather than repaid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from core.calendar import local_date
from core.cases.models import Case
from core.db import Money
from core.i18n import N_
from core.kpi.court import day_stats
from core.kpi.daily import daily
from core.kpi.filters import KpiFilters
from core.kpi.periods import bucket_start, bucket_starts, next_bucket
from core.kpi.result import KpiResult, frame, unavailable
from core.kpi.sql import days_between, has_table, moment
from core.kpi.stages import case_snapshot

ZERO = Decimal("0.00")
TITLE_CLAIMED = N_("Claimed and collected")
TITLE_RECOVERY = N_("Recovery rate (collected of claimed, to date)")
TITLE_CYCLE = N_("Collection cycle time (opening to repayment)")
TITLE_WRITE_OFF = N_("Closed cases: repaid and written off")
TITLE_PLANS = N_("Payment-plan adherence")
NO_LEDGER = N_("No data yet: the ledger is not available")
NO_LEDGER_COLLECTED = N_("Collected: no data yet (the ledger is not available)")


def bucket_of(f: KpiFilters, index: int) -> dt.date:
    """The first day of the time bucket holding day ``index`` of the period (0 = its first day)."""
    return bucket_start(f.date_from + dt.timedelta(days=index), f.bucket)


def day_index(column: Any, f: KpiFilters) -> Any:
    """Local day number of a timestamp counted from the period's first day (0-based)."""
    return days_between(moment(f.start), column)


def claimed_per_day(session: Session, f: KpiFilters) -> dict[int, tuple[int, Decimal]]:
    """Cases opened and their claim amounts per local day of the period (0 = the first day)."""
    return {
        (day - f.date_from).days: value
        for day, value in daily(session, f).opened.items()
        if f.date_from <= day <= f.date_to
    }


def per_bucket(f: KpiFilters, per_day: dict[int, Decimal]) -> dict[dt.date, Decimal]:
    out: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for index, amount in per_day.items():
        out[bucket_of(f, index)] += amount
    return dict(out)


def claimed_collected(
    session: Session, f: KpiFilters, now: dt.datetime, collected_per_day: dict[int, Decimal] | None = None
) -> KpiResult:
    """Claimed (new cases' claim amounts) and collected (payments) per day, week or month."""
    claimed_days = claimed_per_day(session, f)
    claimed = per_bucket(f, {d: v[1] for d, v in claimed_days.items()})
    opened = per_bucket(f, {d: Decimal(v[0]) for d, v in claimed_days.items()})
    collected = per_bucket(f, collected_per_day or {})
    columns = ["period", "new_cases", "claimed", "collected"]
    if not claimed and not collected:
        return KpiResult("claimed_collected", TITLE_CLAIMED, frame([], columns))
    data = [
        (
            start,
            int(opened.get(start, 0)),
            claimed.get(start, ZERO),
            collected.get(start, ZERO) if collected_per_day is not None else None,
        )
        for start in bucket_starts(f.date_from, f.date_to, f.bucket)
    ]
    total_claimed = sum(claimed.values(), ZERO)
    total_collected = sum(collected.values(), ZERO)
    stats: dict[str, Any] = {"claimed": total_claimed}
    if collected_per_day is not None:
        stats["collected"] = total_collected
    return KpiResult(
        "claimed_collected",
        TITLE_CLAIMED,
        frame(data, columns),
        stats,
        "" if collected_per_day is not None else NO_LEDGER_COLLECTED,
    )


def cycle_time(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Days from opening to repayment for cases repaid in the period (median and p90)."""
    d = days_between(Case.opened_at, Case.closed_at).label("d")
    rows = session.execute(
        select(d, func.count())
        .where(Case.stage == "repaid", Case.closed_at >= f.start, Case.closed_at < f.end, *f.case_conditions())
        .group_by(literal_column("d"))
        .order_by(literal_column("d"))
    ).all()
    hist = [(int(r[0]), int(r[1])) for r in rows]
    return KpiResult("cycle_time", TITLE_CYCLE, frame(hist, ["days", "cases"]), day_stats(hist))


def write_off_rate(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Cases closed in the period: repaid against written off, and the written-off share."""
    rows = daily(session, f).closed_between(f.date_from, f.date_to)
    columns = ["outcome", "cases"]
    repaid, written_off = int(rows.get("repaid", 0)), int(rows.get("written_off", 0))
    if repaid + written_off == 0:
        return KpiResult("write_off", TITLE_WRITE_OFF, frame([], columns))
    return KpiResult(
        "write_off",
        TITLE_WRITE_OFF,
        frame([("repaid", repaid), ("written_off", written_off)], columns),
        {"closed": repaid + written_off, "write_off_rate": round(written_off / (repaid + written_off), 4)},
    )


try:
    from core.ledger import models as ledger
except ImportError:  # the ledger domain is optional for the dashboard
    ledger = None  # type: ignore[assignment]

PAYMENT = "payment"


def ledger_available(session: Session) -> bool:
    return ledger is not None and has_table(session, "ledger_entries")


def payments_query(f: KpiFilters, *columns: Any) -> Any:
    """Payment entries (reversals are negative payments, so sums net them out) on the filtered cases."""
    assert ledger is not None
    e = ledger.LedgerEntry
    stmt = select(*columns).where(e.kind == PAYMENT)
    if f.narrows_cases():
        stmt = stmt.where(e.case_id.in_(f.case_ids_subquery()))
    return stmt


def collected_per_day(session: Session, f: KpiFilters) -> dict[int, Decimal] | None:
    """Payments received per day of the period (by the payment's effective date); None without a ledger."""
    if not ledger_available(session):
        return None
    assert ledger is not None
    e = ledger.LedgerEntry
    rows = session.execute(
        payments_query(f, e.effective_date, func.sum(e.amount, type_=Money()))
        .where(e.effective_date >= f.date_from, e.effective_date <= f.date_to)
        .group_by(e.effective_date)
    ).all()
    return {(r[0] - f.date_from).days: r[1] or ZERO for r in rows}


def claimed_and_collected(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    return claimed_collected(session, f, now, collected_per_day(session, f))


def recovery_rate(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Collected / claimed to date, at the end of each day, week or month of the period (the
    last bucket: at the period's end); ``period`` names the bucket, ``as_of`` its last day.

    Claimed: the claim amounts of the filtered cases opened by that day. Collected: the payments
    on those cases with an effective date up to that day.
    """
    title = TITLE_RECOVERY
    columns = ["period", "as_of", "claimed", "collected", "recovery_rate"]
    if not ledger_available(session):
        return unavailable("recovery_rate", title, columns, NO_LEDGER)
    assert ledger is not None
    e = ledger.LedgerEntry
    claimed = sum((r.claimed_before for r in case_snapshot(session, f, now)), ZERO)
    collected = (
        session.scalar(payments_query(f, func.sum(e.amount, type_=Money())).where(e.effective_date < f.date_from))
        or ZERO
    )
    claimed_days = {d: v[1] for d, v in claimed_per_day(session, f).items()}
    collected_days = collected_per_day(session, f) or {}
    data: list[tuple[Any, ...]] = []
    for i in range(f.days):
        day = f.date_from + dt.timedelta(days=i)
        claimed += claimed_days.get(i, ZERO)
        collected += collected_days.get(i, ZERO)
        start = bucket_start(day, f.bucket)
        if day == f.date_to or next_bucket(start, f.bucket) == day + dt.timedelta(days=1):
            data.append((start, day, claimed, collected, _ratio(collected, claimed)))
    if claimed == ZERO:
        return KpiResult("recovery_rate", title, frame([], columns))
    last = data[-1]
    return KpiResult(
        "recovery_rate", title, frame(data, columns), {"claimed": last[2], "collected": last[3], "rate": last[4]}
    )


def _ratio(part: Decimal, whole: Decimal) -> float | None:
    """A share rounded to 4 places (a rate, not money)."""
    return float((part / whole).quantize(Decimal("0.0001"))) if whole else None


def plan_adherence(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    """Instalments of active payment plans due in the period (up to today): share kept.

    An instalment is kept when the payments on the case from the plan's start up to the
    instalment's due date cover everything the plan asked for up to and including it.
    """
    title = TITLE_PLANS
    columns = ["period", "due", "kept", "adherence"]
    if not ledger_available(session) or not has_table(session, "plan_instalments"):
        return unavailable("plan_adherence", title, columns, NO_LEDGER)
    assert ledger is not None
    plan, inst, e = ledger.PaymentPlan, ledger.PlanInstalment, ledger.LedgerEntry
    last = min(f.date_to, local_date(now))
    # the plans with an instalment due in the period, their schedules with a running total of
    # what is owed (one window pass; the default frame counts equal ``seq`` as earlier, like
    # "seq <="), then the instalments due in the period and one join for the payments since
    # the plan's start: set-based, no per-instalment look-ups
    due_plans = select(inst.plan_id).where(inst.due_date >= f.date_from, inst.due_date <= last)
    schedule = (
        select(
            inst.id,
            inst.due_date,
            plan.case_id,
            plan.starts_on,
            func.sum(inst.amount).over(partition_by=inst.plan_id, order_by=inst.seq).label("owed"),
        )
        .join(plan, plan.id == inst.plan_id)
        .where(plan.active.is_(True), inst.plan_id.in_(due_plans))
    )
    if f.narrows_cases():
        schedule = schedule.where(plan.case_id.in_(f.case_ids_subquery()))
    sched = schedule.subquery("schedule")
    due_i = select(sched).where(sched.c.due_date >= f.date_from, sched.c.due_date <= last).cte("due_instalments")
    # the payments on the plans' cases only (a semi-join against the few due instalments keeps
    # the join from hashing the whole ledger)
    payments = (
        select(e.case_id, e.effective_date, e.amount)
        .where(e.kind == PAYMENT, e.effective_date <= last, e.case_id.in_(select(due_i.c.case_id)))
        .subquery("plan_payments")
    )
    paid = (
        select(due_i.c.id, func.sum(payments.c.amount).label("paid"))
        .join(
            payments,
            and_(
                payments.c.case_id == due_i.c.case_id,
                payments.c.effective_date >= due_i.c.starts_on,
                payments.c.effective_date <= due_i.c.due_date,
            ),
        )
        .group_by(due_i.c.id)
        .subquery()
    )
    kept_flag = case((func.coalesce(paid.c.paid, 0) >= due_i.c.owed, 1), else_=0)
    stmt = (
        select(due_i.c.due_date, func.count(), func.sum(kept_flag))
        .select_from(due_i)
        .outerjoin(paid, paid.c.id == due_i.c.id)
        .group_by(due_i.c.due_date)
    )
    due: dict[dt.date, int] = defaultdict(int)
    kept: dict[dt.date, int] = defaultdict(int)
    for day, n, k in session.execute(stmt):
        due[bucket_start(day, f.bucket)] += int(n)
        kept[bucket_start(day, f.bucket)] += int(k or 0)
    if not due:
        return KpiResult("plan_adherence", title, frame([], columns))
    starts = bucket_starts(f.date_from, f.date_to, f.bucket)
    data = [(b, due[b], kept[b], round(kept[b] / due[b], 4)) for b in starts if due.get(b)]
    total_due, total_kept = sum(due.values()), sum(kept.values())
    return KpiResult(
        "plan_adherence",
        title,
        frame(data, columns),
        {"due": total_due, "kept": total_kept, "adherence": round(total_kept / total_due, 4)},
    )

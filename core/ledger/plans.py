"""Payment plans: a schedule of instalments per case and its adherence, read from the ledger.

Payments booked on or after the plan's start pay the instalments in date order (a payment
that covers more than one instalment pays the next ones early). An instalment is "paid on time"
when the payments reached it by its due date, "paid late" when they reached it after, "missed"
when its due date has passed and they have not reached it, "upcoming" otherwise. A missed
instalment flags the case ``plan_broken`` (findable in search by flag kind); the flag is
resolved when the debtor catches up or a new plan replaces the old one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor, Permission, require
from core.cases.models import Case, CaseFlag
from core.cases.service import add_case_event, format_case_number, raise_flag, resolve_flags
from core.cases.workflow import CLOSED_STAGES
from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.i18n import _
from core.ledger.models import LedgerEntry, PaymentPlan, PlanInstalment
from core.money import KOPECK, format_amount

PLAN_BROKEN_FLAG = "plan_broken"
ZERO = Decimal("0.00")
MAX_INSTALMENTS = 120


@dataclass(frozen=True)
class Instalment:
    due_date: dt.date
    amount: Decimal


def _add_months(day: dt.date, months: int, anchor_day: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def generate_schedule(total: Decimal, count: int, first_due: dt.date, every_months: int = 1) -> list[Instalment]:
    """``count`` equal monthly instalments of ``total`` (the last one takes the kopecks left over)."""
    if isinstance(total, float) or not isinstance(total, Decimal):
        raise ValidationFailed(_("The plan total must be a Decimal amount."), {"total": "not a Decimal"})
    if total <= 0:
        raise ValidationFailed(_("The plan total must be more than zero."), {"total": "not positive"})
    if not 1 <= count <= MAX_INSTALMENTS:
        raise ValidationFailed(
            _("A plan has 1 to {most} instalments.").format(most=MAX_INSTALMENTS),
            {"count": "out of range"},
        )
    if every_months < 1:
        raise ValidationFailed(_("Instalments are at least a month apart."), {"every_months": "less than 1"})
    total = total.quantize(KOPECK)
    each = (total / count).quantize(KOPECK, rounding=ROUND_DOWN)
    if each <= 0:
        raise ValidationFailed(_("The total is too small for that many instalments."), {"count": "too many"})
    out = [Instalment(_add_months(first_due, i * every_months, first_due.day), each) for i in range(count - 1)]
    out.append(
        Instalment(_add_months(first_due, (count - 1) * every_months, first_due.day), total - each * (count - 1))
    )
    return out


def _validate(instalments: Sequence[Instalment]) -> list[Instalment]:
    if not instalments:
        raise ValidationFailed(_("A plan needs at least one instalment."), {"instalments": "empty"})
    if len(instalments) > MAX_INSTALMENTS:
        raise ValidationFailed(
            _("A plan has at most {most} instalments.").format(most=MAX_INSTALMENTS),
            {"instalments": "too many"},
        )
    problems: dict[str, str] = {}
    cleaned: list[Instalment] = []
    previous: dt.date | None = None
    for n, inst in enumerate(instalments, start=1):
        amount = inst.amount
        if isinstance(amount, float) or not isinstance(amount, Decimal):
            problems[f"instalment {n}"] = _("the amount must be a Decimal")
            continue
        if amount <= 0 or amount != amount.quantize(KOPECK):
            problems[f"instalment {n}"] = _("the amount must be positive, in kopecks")
        if not isinstance(inst.due_date, dt.date):
            problems[f"instalment {n}"] = _("the due date is missing")
            continue
        if previous is not None and inst.due_date <= previous:
            problems[f"instalment {n}"] = _("due dates must be in increasing order")
        previous = inst.due_date
        cleaned.append(Instalment(inst.due_date, amount))
    if problems:
        raise ValidationFailed(
            _("The plan was not saved: {problems}.").format(
                problems="; ".join(f"{k}: {v}" for k, v in problems.items())
            ),
            problems,
        )
    return cleaned


def save_plan(
    session: Session,
    actor: Actor,
    case_id: int,
    instalments: Sequence[Instalment],
    starts_on: dt.date,
    comment: str | None = None,
) -> PaymentPlan:
    """Make this schedule the case's plan; the previous plan stops counting."""
    require(actor, Permission.LEDGER_PAYMENT)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(_("Case {number} does not exist.").format(number=format_case_number(case_id)))
    if case.stage in CLOSED_STAGES:
        raise ValidationFailed(
            _("Case {number} is closed; a payment plan is for open cases.").format(number=case.number)
        )
    cleaned = _validate(instalments)
    if cleaned[0].due_date < starts_on:
        raise ValidationFailed(
            _("The first instalment cannot be due before the plan starts."), {"starts_on": "too late"}
        )
    session.execute(
        update(PaymentPlan).where(PaymentPlan.case_id == case_id, PaymentPlan.active.is_(True)).values(active=False)
    )
    total = sum((i.amount for i in cleaned), ZERO)
    plan = PaymentPlan(
        case_id=case_id,
        active=True,
        total=total,
        starts_on=starts_on,
        comment=comment,
        created_at=utcnow(),
        created_by_id=actor.id,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        PlanInstalment(plan_id=plan.id, seq=n, due_date=i.due_date, amount=i.amount)
        for n, i in enumerate(cleaned, start=1)
    )
    session.flush()
    resolve_flags(session, actor, case_id, PLAN_BROKEN_FLAG)
    text = (
        f"Payment plan: {len(cleaned)} instalments, {format_amount(total)}, "
        f"{cleaned[0].due_date:%d.%m.%Y} - {cleaned[-1].due_date:%d.%m.%Y}"
    )
    add_case_event(session, case_id, "payment", "manual", actor, text, {"plan_id": plan.id})
    record_audit(
        session,
        actor,
        "ledger.plan_saved",
        "payment_plan",
        plan.id,
        {"case": case.number, "total": total, "instalments": [f"{i.due_date}:{i.amount}" for i in cleaned]},
    )
    return plan


@dataclass(frozen=True)
class InstalmentStatus:
    seq: int
    due_date: dt.date
    amount: Decimal
    paid: Decimal  # the part of this instalment covered by payments
    paid_on: dt.date | None  # the day payments covered it fully
    status: str  # paid_on_time | paid_late | missed | upcoming


@dataclass(frozen=True)
class PlanView:
    plan_id: int
    case_id: int
    total: Decimal
    starts_on: dt.date
    comment: str | None
    paid: Decimal
    instalments: list[InstalmentStatus]

    @property
    def missed(self) -> list[InstalmentStatus]:
        return [i for i in self.instalments if i.status == "missed"]

    @property
    def broken(self) -> bool:
        return bool(self.missed)


def _adherence(
    instalments: Sequence[PlanInstalment], payments: Sequence[tuple[dt.date, Decimal]], as_of: dt.date
) -> list[InstalmentStatus]:
    ordered = sorted(payments)
    out: list[InstalmentStatus] = []
    due_before = ZERO
    for inst in sorted(instalments, key=lambda i: i.seq):
        due_through = due_before + inst.amount
        running = ZERO
        paid_on: dt.date | None = None
        for day, amount in ordered:
            if day > as_of:
                break
            running += amount
            if running >= due_through:
                paid_on = day
                break
        paid_total = sum((a for d, a in ordered if d <= as_of), ZERO)
        covered = min(max(paid_total - due_before, ZERO), inst.amount)
        if paid_on is not None:
            status = "paid_on_time" if paid_on <= inst.due_date else "paid_late"
        elif inst.due_date < as_of:
            status = "missed"
        else:
            status = "upcoming"
        out.append(InstalmentStatus(inst.seq, inst.due_date, inst.amount, covered, paid_on, status))
        due_before = due_through
    return out


def _payments_since(session: Session, case_id: int, since: dt.date) -> list[tuple[dt.date, Decimal]]:
    return [
        (d, a)
        for d, a in session.execute(
            select(LedgerEntry.effective_date, LedgerEntry.amount).where(
                LedgerEntry.case_id == case_id, LedgerEntry.kind == "payment", LedgerEntry.effective_date >= since
            )
        )
    ]


def _view(session: Session, plan: PaymentPlan, as_of: dt.date) -> PlanView:
    instalments = list(
        session.scalars(select(PlanInstalment).where(PlanInstalment.plan_id == plan.id).order_by(PlanInstalment.seq))
    )
    payments = _payments_since(session, plan.case_id, plan.starts_on)
    statuses = _adherence(instalments, payments, as_of)
    paid = sum((a for d, a in payments if d <= as_of), ZERO)
    return PlanView(plan.id, plan.case_id, plan.total, plan.starts_on, plan.comment, paid, statuses)


def active_plan(session: Session, case_id: int) -> PaymentPlan | None:
    return session.scalar(
        select(PaymentPlan)
        .where(PaymentPlan.case_id == case_id, PaymentPlan.active.is_(True))
        .order_by(PaymentPlan.id.desc())
    )


def plan_status(session: Session, actor: Actor, case_id: int, as_of: dt.date) -> PlanView | None:
    """The active plan of the case and how each instalment stands on ``as_of``."""
    require(actor, Permission.LEDGER_VIEW)
    plan = active_plan(session, case_id)
    return _view(session, plan, as_of) if plan else None


@dataclass
class PlanCheck:
    plans: int = 0
    flagged: int = 0
    resolved: int = 0


def check_plans(
    session: Session, as_of: dt.date, case_ids: Sequence[int] | None = None, raise_new: bool = True
) -> PlanCheck:
    """Flag cases whose plan has a missed instalment; clear the flag of those back on track.

    A payment re-checks its case with ``raise_new=False`` (it can only mend a plan); flags are
    raised by the nightly job.
    """
    result = PlanCheck()
    stmt = select(PaymentPlan).where(PaymentPlan.active.is_(True)).order_by(PaymentPlan.id)
    if case_ids is not None:
        stmt = stmt.where(PaymentPlan.case_id.in_(list(case_ids)))
    plans = session.scalars(stmt).all()
    if not plans:
        return result
    flag_stmt = select(CaseFlag.case_id).where(CaseFlag.kind == PLAN_BROKEN_FLAG, CaseFlag.resolved_at.is_(None))
    if case_ids is not None:
        flag_stmt = flag_stmt.where(CaseFlag.case_id.in_(list(case_ids)))
    flagged_now = set(session.scalars(flag_stmt))
    for plan in plans:
        result.plans += 1
        view = _view(session, plan, as_of)
        if view.broken:
            if raise_new and plan.case_id not in flagged_now:
                first = view.missed[0]
                reason = _(
                    "Payment plan broken: instalment {seq} of {amount} due {due:%d.%m.%Y} is not paid (paid {paid})."
                ).format(
                    seq=first.seq,
                    amount=format_amount(first.amount),
                    due=first.due_date,
                    paid=format_amount(first.paid),
                )
                raise_flag(session, plan.case_id, PLAN_BROKEN_FLAG, reason)
                add_case_event(session, plan.case_id, "payment", "accrual_job", None, reason, {"plan_id": plan.id})
                flagged_now.add(plan.case_id)
                result.flagged += 1
        elif plan.case_id in flagged_now:
            result.resolved += resolve_flags(session, None, plan.case_id, PLAN_BROKEN_FLAG)
    return result

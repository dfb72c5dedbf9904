"""Accrual of contractual interest and penalties within the legal caps, and art. 395 interest.

The accrual is cumulative: for each case it computes what should have accrued from the day
after the ledger opened up to ``as_of``, compares it
with what the accrual has already booked up to that date, and books only the difference, dated
``as_of``. Running it again for the same day books nothing (idempotent); a back-dated payment
that lowered the principal is corrected by a negative accrual entry the next night.

The ledger opens on the date of the first principal entry, or, when the register of the
assignment also brought interest or a penalty (accrued by the cedent up to its date), on the
date of the first such entry, so the cedent's period is never accrued twice.

Rules (Federal Law 353-FZ, see ``rates.py`` for the table of caps by date):
- interest accrues daily on the outstanding principal at the contract's daily rate, never above
  the daily cap in force when the contract was concluded (art. 6 para. 23);
- after the due date a penalty accrues on the overdue principal at the contract's annual rate,
  at most 20% a year while interest accrues, or at most 0.1% a day when it does not (art. 5
  para. 21); a day is 1/365 or 1/366 of its calendar year;
- for loans of up to one year (a calendar year, so 366 days over 29 February), interest +
  penalties + other charges (whatever was booked before, e.g. by the original creditor) never
  exceed the multiple of the loan amount in force at the contract date (130% from 2023-07-01,
  150% for 2020-2023 ...; art. 5 para. 24); on the day the cap is reached the rest of the day's
  interest, then penalty, is cut off. The caps of 2016-2018 (151-FZ) bound microfinance
  organisations only and counted interest only: there the penalty runs on past the cap, and from
  2017 interest stops at twice the unpaid principal (``rates.CAPS``);
- loans before 29.03.2016: the contract's rate only for the term; after the due date the
  configured average market rate or none (Supreme Court 7-КГ17-4);
- no penalty and no art. 395 interest for 01.04.2022-01.10.2022 on obligations that arose before
  (Government Decree 497);
- once a court order or judgment fixes the amounts (the case carries an awarded amount and a
  court act date, and is not cancelled), contractual accrual stops on the act date. With the
  setting ``ledger_art395_after_court_act`` the job then accrues Civil Code art. 395 interest at
  the key rate on the unpaid principal part of the award (p. 5: no interest on interest), from
  the day after the act; a day before the key-rate table skips that case with a message.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor
from core.cases.models import Case, Contract
from core.cases.workflow import CLOSED_STAGES
from core.config import get_settings
from core.db import Money, is_postgres, utcnow
from core.i18n import _, ngettext
from core.ledger.models import LedgerAllocation, LedgerEntry
from core.ledger.rates import (
    FIRST_CAP_DATE,
    MORATORIUM_2022,
    PENALTY_CAP_ANNUAL_WITH_INTEREST,
    PENALTY_CAP_DAILY_WITHOUT_INTEREST,
    KeyRateUnknown,
    cap_for,
    days_in_year,
    in_moratorium,
    statutory_interest_periods,
    within_one_year,
)
from core.money import to_kopecks

ZERO = Decimal("0")
ONE_DAY = dt.timedelta(days=1)
CONTRACT_REF = "contract"
ART395_REF = "art395"
# Stages in which a court act fixes what is owed (a cancelled order fixes nothing).
FIXED_STAGES = frozenset({"order_issued", "order_in_force", "judgment", "enforcement"})


@dataclass(frozen=True)
class Terms:
    """What the accrual needs to know about a contract and its case."""

    contract_date: dt.date
    loan_amount: Decimal
    daily_rate: Decimal  # % per day, as in the contract
    penalty_annual: Decimal  # % per year, as in the contract
    term_days: int
    due_date: dt.date | None
    opening_date: dt.date  # accrual starts the day after
    stop_date: dt.date | None = None  # last day of contractual accrual (court act)
    is_microloan: bool = True
    # % per day after the due date instead of the contract's rate (None: the contract's rate).
    rate_after_due: Decimal | None = None


@dataclass(frozen=True)
class Accrued:
    interest: Decimal
    penalty: Decimal
    cap: Decimal | None  # the most interest + penalty the accrual may add (None: no cap)
    capped_on: dt.date | None  # the day the cap was reached
    daily_rate: Decimal  # the rate applied after the cap on the rate


def effective_daily_rate(terms: Terms) -> Decimal:
    cap = cap_for(terms.contract_date, terms.is_microloan)
    if cap is not None and cap.daily_rate_percent is not None:
        return min(terms.daily_rate, cap.daily_rate_percent)
    return terms.daily_rate


def total_cap(terms: Terms) -> Decimal | None:
    cap = cap_for(terms.contract_date, terms.is_microloan)
    if cap is None or cap.total_multiple is None or not within_one_year(terms.contract_date, terms.term_days):
        return None
    return terms.loan_amount * cap.total_multiple


def pre2016_rate_after_due(annual: Decimal | None) -> Decimal:
    """The daily rate after the due date of a loan concluded before 29.03.2016 (7-КГ17-4): the
    configured average market rate a year / 365, or none at all when it is not configured."""
    return (annual / Decimal(365)) if annual is not None else ZERO


def _outstanding(changes: Sequence[tuple[dt.date, Decimal]], before: dt.date) -> Decimal:
    return sum((amount for day, amount in changes if day < before), ZERO)


def compute_contractual(
    terms: Terms,
    principal_changes: Sequence[tuple[dt.date, Decimal]],
    through: dt.date,
    charged_before: Decimal = ZERO,
    interest_before: Decimal | None = None,
) -> Accrued:
    """Interest and penalty accrued for the days after ``opening_date`` up to ``through``.

    ``principal_changes`` are (effective date, signed change of the outstanding principal); a
    change on day d counts from day d + 1, so the day of a payment still bears interest on the
    amount owed that morning. ``charged_before`` is interest and penalty booked otherwise (by the
    original creditor), ``interest_before`` its interest part; they count towards the cap (only
    the interest part where the cap of the contract's date leaves the penalty out).

    Rules with their sources: ``rates.CAPS`` (the caps by contract date, which lenders and which
    charges they bind), ``rates.within_one_year`` (a one-year loan over 29 February is short),
    ``Terms.rate_after_due`` (7-КГ17-4 for loans before 29.03.2016) and ``rates.in_moratorium``
    (no penalty from 01.04.2022 to 01.10.2022 on obligations that arose before).
    """
    rate = effective_daily_rate(terms)
    after_due_rate = rate if terms.rate_after_due is None else min(rate, terms.rate_after_due)
    cap = cap_for(terms.contract_date, terms.is_microloan)
    with_penalty = cap is None or cap.includes_penalty
    limit = total_cap(terms)
    counted_before = charged_before if with_penalty or interest_before is None else interest_before
    headroom = None if limit is None else max(limit - counted_before, ZERO)
    last = through if terms.stop_date is None else min(through, terms.stop_date)
    first = terms.opening_date + ONE_DAY
    if last < first:
        return Accrued(ZERO, ZERO, headroom, None, rate)
    cuts = {first, last + ONE_DAY}
    cuts.update(day + ONE_DAY for day, _ in principal_changes if first < day + ONE_DAY <= last)
    if terms.due_date is not None and first < terms.due_date + ONE_DAY <= last:
        cuts.add(terms.due_date + ONE_DAY)
    cuts.update(dt.date(y, 1, 1) for y in range(first.year + 1, last.year + 1))
    cuts.update(d for d in (MORATORIUM_2022[0], MORATORIUM_2022[1] + ONE_DAY) if first < d <= last)
    points = sorted(cuts)
    interest = ZERO
    penalty = ZERO
    used = ZERO  # what counts toward the cap
    stopped = False  # the cap was reached: no more interest (nor penalty, when it counts)
    capped_on: dt.date | None = None
    for a, b in pairwise(points):
        principal = _outstanding(principal_changes, a)
        if principal <= 0:
            continue
        days = (b - a).days
        overdue = terms.due_date is not None and a > terms.due_date
        day_rate = after_due_rate if overdue else rate
        day_interest = ZERO if stopped else principal * day_rate / 100
        day_penalty = ZERO
        if overdue and terms.penalty_annual > 0 and not in_moratorium(a, terms.contract_date):
            year = Decimal(days_in_year(a.year))
            if day_rate > 0:
                annual = min(terms.penalty_annual, PENALTY_CAP_ANNUAL_WITH_INTEREST)
                day_penalty = principal * annual / 100 / year
            else:
                per_day = min(terms.penalty_annual / year, PENALTY_CAP_DAILY_WITHOUT_INTEREST)
                day_penalty = principal * per_day / 100
        if stopped and with_penalty:
            break
        counted = day_interest + (day_penalty if with_penalty else ZERO)
        if headroom is not None and not stopped and counted > 0 and used + counted * days >= headroom:
            room = headroom - used
            full_days = int(room // counted)
            interest += day_interest * full_days
            penalty += day_penalty * full_days
            rest = room - counted * full_days
            take = min(rest, day_interest)
            interest += take
            if with_penalty:
                penalty += rest - take
            elif full_days < days:
                # the penalty is outside the cap: it runs on for the rest of the period
                penalty += day_penalty * (days - full_days)
            used = headroom
            capped_on = a + dt.timedelta(days=full_days if rest > 0 else max(full_days - 1, 0))
            stopped = True
            continue
        interest += day_interest * days
        penalty += day_penalty * days
        used += counted * days
    if cap is not None and cap.interest_to_unpaid_principal is not None and limit is not None:
        # 151-FZ art. 12.1 p. 1 (230-FZ): interest only up to twice the unpaid principal.
        unpaid = max(_outstanding(principal_changes, last + ONE_DAY), ZERO)
        interest = min(interest, max(unpaid * cap.interest_to_unpaid_principal - (interest_before or ZERO), ZERO))
    rounded_interest = to_kopecks(interest)
    rounded_penalty = to_kopecks(penalty)
    if headroom is not None:
        if with_penalty and rounded_interest + rounded_penalty > to_kopecks(headroom):
            rounded_penalty = to_kopecks(headroom) - rounded_interest
        elif not with_penalty and rounded_interest > to_kopecks(headroom):
            rounded_interest = to_kopecks(headroom)
    return Accrued(rounded_interest, rounded_penalty, headroom, capped_on, rate)


def compute_art395(
    awarded: Decimal,
    act_date: dt.date,
    payments: Sequence[tuple[dt.date, Decimal]],
    through: dt.date,
    principal_changes: Sequence[tuple[dt.date, Decimal]] | None = None,
    obligation_from: dt.date | None = None,
) -> Decimal:
    """Art. 395 interest on the unpaid awarded amount from the day after the act to ``through``.

    With ``principal_changes`` the base is the unpaid principal of the award only: art. 395 p. 5
    forbids interest on interest (and the penalty is itself a measure of liability), so the
    interest and penalty parts of an award bear no art. 395 interest; a change on day d counts
    from day d + 1. Without them (older callers) the base is the awarded amount less payments.
    Days of the 2022 moratorium bear none for an obligation that arose before it
    (``obligation_from``; Decree 497). A day before the key-rate table raises ``KeyRateUnknown``.
    """
    first = act_date + ONE_DAY
    if through < first:
        return ZERO
    cuts = {first, through + ONE_DAY}
    source = principal_changes if principal_changes is not None else payments
    cuts.update(day + ONE_DAY for day, _ in source if first < day + ONE_DAY <= through)
    cuts.update(d for d in (MORATORIUM_2022[0], MORATORIUM_2022[1] + ONE_DAY) if first < d <= through)
    points = sorted(cuts)
    total = ZERO
    for a, b in pairwise(points):
        if obligation_from is not None and in_moratorium(a, obligation_from):
            continue
        if principal_changes is not None:
            base = min(_outstanding(principal_changes, a), awarded)
        else:
            base = awarded - sum((amt for day, amt in payments if act_date < day < a), ZERO)
        if base > 0:
            total += sum((p.amount for p in statutory_interest_periods(base, a, b - ONE_DAY)), ZERO)
    return to_kopecks(total)


# ---------------------------------------------------------------- the job's service


@dataclass
class AccrualSummary:
    as_of: dt.date
    cases: int = 0
    entries: int = 0
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    statutory: Decimal = ZERO
    capped: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        text = _(
            "accrual as of {as_of:%d.%m.%Y}: {cases} cases, {entries} entries, "
            "interest {interest}, penalty {penalty}, art. 395 {statutory}, {capped} at the cap"
        ).format(
            as_of=self.as_of,
            cases=self.cases,
            entries=self.entries,
            interest=self.interest,
            penalty=self.penalty,
            statutory=self.statutory,
            capped=self.capped,
        )
        if self.problems:
            text += "; " + ngettext(
                "art. 395 not computed for {n} case: {first}",
                "art. 395 not computed for {n} cases: {first}",
                len(self.problems),
            ).format(n=len(self.problems), first=self.problems[0])
        return text


def accrual_case_ids(session: Session, after_id: int = 0, limit: int = 1000) -> list[int]:
    """Open cases in id order (keyset pages for the nightly job)."""
    return list(
        session.scalars(
            select(Case.id).where(Case.id > after_id, Case.stage.not_in(CLOSED_STAGES)).order_by(Case.id).limit(limit)
        )
    )


def accrue(session: Session, as_of: dt.date, case_ids: Sequence[int], actor: Actor | None = None) -> AccrualSummary:
    """Book the accrual of ``case_ids`` up to ``as_of`` (inclusive) in the caller's transaction."""
    summary = AccrualSummary(as_of)
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    if not ids:
        return summary
    settings = get_settings()
    statutory_on = settings.ledger_art395_after_court_act
    from core.ledger.key_rates import load_added_rates

    load_added_rates(session)
    if is_postgres(session):
        # Serialise with payments on the same cases (they accrue up to their date, then split).
        session.execute(select(Case.id).where(Case.id.in_(ids)).order_by(Case.id).with_for_update())
    rows = session.execute(
        select(Case.id, Case.stage, Case.court_act_date, Case.awarded_amount, Contract)
        .join(Contract, Contract.id == Case.contract_id)
        .where(Case.id.in_(ids))
    ).all()
    changes: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    openings: dict[int, dt.date] = {}
    for case_id, day, amount in session.execute(
        select(LedgerEntry.case_id, LedgerEntry.effective_date, func.sum(LedgerEntry.amount, type_=Money()))
        .where(
            LedgerEntry.case_id.in_(ids),
            (LedgerEntry.kind == "principal")
            | ((LedgerEntry.kind == "adjustment") & (LedgerEntry.component == "principal")),
        )
        .group_by(LedgerEntry.case_id, LedgerEntry.effective_date)
    ):
        changes[case_id].append((day, Decimal(amount)))
    # One pass over interest, penalty and principal entries gives the opening date, what the
    # accrual booked up to ``as_of`` and what was charged otherwise (it counts towards the cap).
    accrual_row = LedgerEntry.source == "accrual"
    first_day = func.min(sql_case((LedgerEntry.amount > 0, LedgerEntry.effective_date), else_=None))
    booked_sum = func.sum(sql_case((LedgerEntry.effective_date <= as_of, LedgerEntry.amount), else_=0), type_=Money())
    first_charge: dict[tuple[int, str], dt.date] = {}
    booked: dict[tuple[int, str, str], Decimal] = defaultdict(lambda: ZERO)
    charged_before: dict[int, Decimal] = defaultdict(lambda: ZERO)
    interest_before: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for case_id, kind, ref, is_accrual, day, upto, total in session.execute(
        select(
            LedgerEntry.case_id,
            LedgerEntry.kind,
            LedgerEntry.reference,
            accrual_row,
            first_day,
            booked_sum,
            func.sum(LedgerEntry.amount, type_=Money()),
        )
        .where(LedgerEntry.case_id.in_(ids), LedgerEntry.kind.in_(["principal", "interest", "penalty"]))
        .group_by(LedgerEntry.case_id, LedgerEntry.kind, LedgerEntry.reference, accrual_row)
    ):
        if is_accrual:
            booked[(case_id, kind, ref or "")] += Decimal(upto or 0)
            continue
        if day is not None:
            key = (case_id, kind)
            first_charge[key] = min(day, first_charge.get(key, day))
        if kind != "principal":
            charged_before[case_id] += Decimal(total or 0)
        if kind == "interest":
            interest_before[case_id] += Decimal(total or 0)
    # The ledger opens on the first principal; when the register also brought interest or a
    # penalty (accrued by the cedent up to its date), the accrual starts after that date instead.
    for (case_id, kind), day in first_charge.items():
        if kind == "principal":
            later = [first_charge.get((case_id, k)) for k in ("interest", "penalty")]
            openings[case_id] = max([day, *(d for d in later if d is not None)])
    for case_id, day, amount in session.execute(
        select(
            LedgerAllocation.case_id, LedgerAllocation.effective_date, func.sum(LedgerAllocation.amount, type_=Money())
        )
        .where(LedgerAllocation.case_id.in_(ids), LedgerAllocation.component == "principal")
        .group_by(LedgerAllocation.case_id, LedgerAllocation.effective_date)
    ):
        changes[case_id].append((day, -Decimal(amount)))
    payments: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    if statutory_on:
        for case_id, day, amount in session.execute(
            select(LedgerEntry.case_id, LedgerEntry.effective_date, func.sum(LedgerEntry.amount, type_=Money()))
            .where(LedgerEntry.case_id.in_(ids), LedgerEntry.kind == "payment")
            .group_by(LedgerEntry.case_id, LedgerEntry.effective_date)
        ):
            payments[case_id].append((day, Decimal(amount)))

    now = utcnow()
    new_entries: list[LedgerEntry] = []
    for case_id, stage, act_date, awarded, contract in rows:
        if stage in CLOSED_STAGES:
            summary.skipped["closed"] += 1
            continue
        opening = openings.get(case_id)
        if opening is None:
            summary.skipped["no principal"] += 1
            continue
        fixed = awarded is not None and act_date is not None and stage in FIXED_STAGES
        terms = Terms(
            contract_date=contract.date,
            loan_amount=contract.principal,
            daily_rate=Decimal(contract.interest_rate_daily or 0),
            penalty_annual=Decimal(contract.penalty_rate_annual or 0),
            term_days=contract.term_days,
            due_date=contract.due_date,
            opening_date=opening,
            stop_date=act_date if fixed else None,
            is_microloan=bool(contract.is_microloan),
            rate_after_due=(
                pre2016_rate_after_due(settings.ledger_pre2016_rate_after_due)
                if contract.date < FIRST_CAP_DATE
                else None
            ),
        )
        result = compute_contractual(
            terms,
            changes.get(case_id, []),
            as_of,
            charged_before.get(case_id, ZERO),
            interest_before.get(case_id, ZERO),
        )
        targets = [("interest", CONTRACT_REF, result.interest), ("penalty", CONTRACT_REF, result.penalty)]
        if fixed and statutory_on:
            try:
                statutory = compute_art395(
                    awarded,
                    act_date,
                    payments.get(case_id, []),
                    as_of,
                    principal_changes=changes.get(case_id, []),
                    obligation_from=contract.date,
                )
            except KeyRateUnknown as exc:
                # One case's act before the key-rate table must not stop the nightly job.
                summary.skipped["no key rate"] += 1
                summary.problems.append(f"case {case_id}: {exc}")
            else:
                targets.append(("interest", ART395_REF, statutory))
        summary.cases += 1
        if result.capped_on is not None:
            summary.capped += 1
        for kind, ref, target in targets:
            delta = target - booked[(case_id, kind, ref)]
            if delta == 0:
                continue
            new_entries.append(
                LedgerEntry(
                    case_id=case_id,
                    kind=kind,
                    amount=delta,
                    effective_date=as_of,
                    booked_at=now,
                    source="accrual",
                    reference=ref,
                    comment="nightly accrual" if ref == CONTRACT_REF else "Civil Code art. 395 interest",
                    author_id=None,
                )
            )
            if ref == ART395_REF:
                summary.statutory += delta
            elif kind == "interest":
                summary.interest += delta
            else:
                summary.penalty += delta
    if new_entries:
        session.add_all(new_entries)
        session.flush()
        summary.entries = len(new_entries)
        record_audit(
            session,
            actor,
            "ledger.accrual",
            "ledger",
            None,
            {
                "as_of": as_of,
                "cases": len({e.case_id for e in new_entries}),
                "entries": len(new_entries),
                "interest": summary.interest,
                "penalty": summary.penalty,
                "statutory": summary.statutory,
            },
        )
    return summary

"""Nightly: accrue interest and penalties up to yesterday (core.ledger.accrual), then check
payment plans for missed instalments (core.ledger.plans).

Each chunk of cases is its own transaction, so a crash loses nothing done; the accrual is
cumulative and idempotent, so the run picked up after a crash books only what is missing.
"""

from __future__ import annotations

import datetime as dt

from core.auth.permissions import SystemActor
from core.calendar import local_date
from core.db import session_scope, utcnow
from core.i18n import N_, _
from core.ledger.accrual import AccrualSummary, accrual_case_ids, accrue
from core.ledger.plans import check_plans
from jobs.spec import JobSpec

CHUNK = 1000
ACTOR = SystemActor("accrual job")


def run_accrual(as_of: dt.date | None = None, chunk: int = CHUNK) -> str:
    """Accrue every open case up to ``as_of`` (default: yesterday, local time)."""
    as_of = as_of or local_date(utcnow()) - dt.timedelta(days=1)
    total = AccrualSummary(as_of)
    after = 0
    while True:
        with session_scope() as session:
            ids = accrual_case_ids(session, after, chunk)
            if not ids:
                break
            part = accrue(session, as_of, ids, ACTOR)
        after = ids[-1]
        total.cases += part.cases
        total.entries += part.entries
        total.interest += part.interest
        total.penalty += part.penalty
        total.statutory += part.statutory
        total.capped += part.capped
    with session_scope() as session:
        plans = check_plans(session, as_of + dt.timedelta(days=1))
    return (
        total.text()
        + "; "
        + _("plans checked {plans}, broken {broken}, mended {mended}").format(
            plans=plans.plans, broken=plans.flagged, mended=plans.resolved
        )
    )


def run() -> str:
    return run_accrual()


JOB = JobSpec(name="accrual", title=N_("Nightly accrual and payment plans"), run=run, daily_at="accrual_job_time")

"""Nightly: mark cases over their stage's SLA (core.cases.sla)."""

from __future__ import annotations

from core.cases.sla import refresh_sla_breaches
from core.db import session_scope
from core.i18n import N_, ngettext
from jobs.spec import JobSpec


def run() -> str:
    with session_scope() as session:
        marked, cleared = refresh_sla_breaches(session)
    return (
        ngettext("{n} case newly over SLA", "{n} cases newly over SLA", marked).format(n=marked)
        + ", "
        + ngettext("{n} mark cleared", "{n} marks cleared", cleared).format(n=cleared)
    )


JOB = JobSpec(name="sla_flags", title=N_("Over-SLA marks"), run=run, daily_at="sla_job_time")

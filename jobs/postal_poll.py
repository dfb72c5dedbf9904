"""Postal tracking: once a day (``postal_poll_time``) tickets for every letter in transit; every
tick, the answers whose time has come (see ``core.postal.polling``)."""

from __future__ import annotations

from core.i18n import N_
from core.postal.client import PostalClient
from core.postal.polling import run_cycle
from jobs.spec import JobSpec


class PostalJobError(RuntimeError):
    """The cycle did its work but the post refused or failed some requests (shown as last error)."""


def run() -> str:
    with PostalClient.from_settings() as client:
        report = run_cycle(client)
    summary = report.summary()
    if report.errors and not (report.tickets_created or report.answers_fetched or report.not_ready):
        raise PostalJobError(summary)
    return summary


JOB = JobSpec(name="postal_poll", title=N_("Postal tracking"), run=run, every_seconds=60)

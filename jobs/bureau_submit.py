"""Credit bureau: once a day (``bureau_submit_time``) send every due event, oldest day first.

After downtime the runner starts the job at once (its ``next_run_at`` has passed), and the
service catches up every missed due day before today's (``core.bureau.service.run_submissions``):
acknowledgements of earlier files first, then uploads a crash interrupted, then one file per
due day. The job waits a little for today's acknowledgements; later ones are collected on the
next run or with "Check acknowledgements" on the Bureau page.
"""

from __future__ import annotations

from core.bureau.client import BureauClient
from core.bureau.service import run_submissions
from core.i18n import N_
from jobs.spec import JobSpec

ACK_WAIT_SECONDS = 60.0


class BureauJobError(RuntimeError):
    """The pass did what it could but the gateway failed some requests (shown as the last error)."""


def run() -> str:
    summary = run_submissions(BureauClient.from_settings(), ack_wait_seconds=ACK_WAIT_SECONDS)
    text = summary.text()
    if summary.errors:
        raise BureauJobError(text)
    return text


JOB = JobSpec(name="bureau_submit", title=N_("Credit bureau submission"), run=run, daily_at="bureau_submit_time")

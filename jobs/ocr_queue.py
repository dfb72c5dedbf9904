"""The OCR queue job: reads queued court scans in the background (the UI never blocks on it)."""

from __future__ import annotations

from core.i18n import N_
from core.ocr.service import process_queue
from jobs.spec import JobSpec


def run() -> str:
    # A pass takes at most a few documents so the lease of the job stays short; the next pass
    # comes ten seconds later.
    return process_queue(limit=5)


JOB = JobSpec(name="ocr_queue", title=N_("OCR of court mail"), run=run, every_seconds=10)

"""Every six hours: report blobs in the file store that no row refers to, and sweep the journals
of work that died and was never retried (core.files.journal).

Blobs of work in flight are protected twice: by their open journal and by an hour's grace.
The check reports the rest; it does not delete them (an unreferenced blob that no journal
explains was put there by something else, and a person should look before it goes).
"""

from __future__ import annotations

import datetime as dt

from core.files.journal import stale_journals, sweep, unreferenced_blobs
from core.i18n import N_, _, format_number
from jobs.spec import JobSpec

STALE_JOURNAL = dt.timedelta(hours=6)


def run() -> str:
    swept = sweep(stale_journals(STALE_JOURNAL))
    check = unreferenced_blobs()
    text = _("{blobs} file(s) in the store, {unreferenced} not referenced by any row ({mb} MB)").format(
        blobs=format_number(check.blobs),
        unreferenced=format_number(check.unreferenced),
        mb=format_number(round(check.unreferenced_bytes / 1_000_000, 1)),
    )
    if check.examples:
        text += _("; for example {files}").format(files=", ".join(check.examples[:3]))
    if swept.deleted:
        text += _("; {n} file(s) of interrupted work removed").format(n=format_number(swept.deleted))
    return text


JOB = JobSpec(name="file_check", title=N_("File store check"), run=run, every_seconds=6 * 3600)

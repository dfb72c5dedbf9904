"""The legacy-spreadsheet dry run and import as queued work for the jobs process.

A workbook of 100,000 rows takes about a minute to check and import (docs/importer.md, "Speed"),
longer than a Streamlit rerun lets a page live: a click elsewhere would stop it. So the Import
page stores the uploaded workbook once in the file store and queues the dry run and then the
import of that same stored file; the jobs process does them as the user who queued them, by the
unchanged services (``dry_run``, ``run_import``), each in one transaction. The command line
(``cessio import``) keeps calling the services directly.

The result a task keeps must stay small (the page reads it on every rerun), so it holds the
counts and at most ``SHOWN_ROWS`` rows of each of the page's two views; the full row-by-row
report and the invalid rows are stored as files by the task itself and downloaded from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.permissions import Actor, Permission, require
from core.errors import ValidationFailed
from core.files.models import StoredFile
from core.files.service import GeneratedBlob, get_file, read_file, store_generated_many, store_work_file
from core.files.store import sha256_hex
from core.i18n import N_, _, format_number
from core.importer.service import ImportReport, Options, dry_run, invalid_rows_file, run_import
from core.tasks.registry import ProgressFn, TaskKind
from core.tasks.service import enqueue_task, unfinished_tasks

IMPORT_DRY_RUN = "import_dry_run"
IMPORT_RUN = "import_run"
KINDS = (IMPORT_DRY_RUN, IMPORT_RUN)

WORKBOOK_KIND = "import_workbook"
INVALID_ROWS_KIND = "import_invalid_rows"
REPORT_KIND = "import_report"
# An upload may be a workbook or a CSV file, so it is kept as plain bytes (the page names the
# type when it offers a download).
WORKBOOK_MIME = "application/octet-stream"
CSV_MIME = "text/csv"

SHOWN_ROWS = 2000
SHOWN_DECISIONS = 500
PROBLEM_STATUSES = ("invalid", "duplicate", "update", "skipped")

# Where each stage of the service's progress falls on the task's bar.
_DRY_RUN_PHASES = {N_("Checking rows"): (0.05, 0.9)}
_IMPORT_PHASES = {N_("Checking rows"): (0.05, 0.45), N_("Importing"): (0.45, 0.92)}


# ---------------------------------------------------------------- the page's side


def store_workbook(session: Session, actor: Actor, data: bytes, filename: str) -> int:
    """Keep the uploaded workbook in the file store for the queued work; returns its file id.

    The same bytes are stored once: the dry run and the import of a file use one stored copy,
    and uploading the file again reuses it. The bytes are the importer's to check (``read_table``
    says what is wrong with a broken workbook); the scan checks of ``store_upload`` would refuse
    every spreadsheet.
    """
    require(actor, Permission.IMPORT_RUN)
    if not data:
        raise ValidationFailed(_("'{filename}' is empty (0 bytes). Choose the file again.").format(filename=filename))
    digest = sha256_hex(data)
    existing = session.scalar(
        select(StoredFile.id).where(StoredFile.sha256 == digest, StoredFile.kind == WORKBOOK_KIND).limit(1)
    )
    if existing is not None:
        return int(existing)
    return store_work_file(session, actor, data, filename, WORKBOOK_KIND, WORKBOOK_MIME)


def queue_import_task(
    session: Session,
    actor: Actor,
    kind: str,
    stored_file_id: int,
    filename: str,
    mapping: Mapping[str, str],
    sheet: str | None = None,
    header_line: int | None = None,
) -> int:
    """Queue a dry run or an import of a stored workbook with this mapping; returns the task id.

    The same work queued again by the same person before the first has finished (a second click,
    a second browser tab) is refused: it would only repeat the first."""
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not importer work")
    params: dict[str, Any] = {"stored_file_id": int(stored_file_id), "filename": filename, "mapping": dict(mapping)}
    if sheet is not None:
        params["sheet"] = sheet
    if header_line is not None:
        params["header_line"] = int(header_line)
    for task in unfinished_tasks(session, kind, actor.id):
        if task.params == params:
            what = "dry run" if kind == IMPORT_DRY_RUN else "import"
            raise ValidationFailed(
                _(
                    "This {what} of '{filename}' with this mapping is already queued (queued work № {id}). Wait for it to finish."
                ).format(what=what, filename=filename, id=task.id)
            )
    title = (_("Dry run of {filename}") if kind == IMPORT_DRY_RUN else _("Import of {filename}")).format(
        filename=filename
    )
    return enqueue_task(session, actor, kind, title, params)


def report_rows(result: Mapping[str, Any], problems_only: bool) -> tuple[list[dict[str, Any]], int]:
    """The rows of one view of a task's report (at most ``SHOWN_ROWS``) and how many the view has."""
    rows = list(result.get("rows", []))
    if problems_only:
        return [r for r in rows if is_problem(r)][:SHOWN_ROWS], int(result.get("problem_rows", 0))
    return rows[:SHOWN_ROWS], int(result.get("counts", {}).get("rows", 0))


def is_problem(row: Mapping[str, Any]) -> bool:
    """Shown under "Problems and changes": invalid, duplicate, skipped and changed rows, and any row with a note."""
    return row.get("status", "") in PROBLEM_STATUSES or bool(row.get("warnings"))


# ---------------------------------------------------------------- the jobs process's side


class _ServiceProgress:
    """The importer services tell (stage, rows done, rows in all); the queue wants (share, label)."""

    def __init__(self, progress: ProgressFn, phases: Mapping[str, tuple[float, float]]) -> None:
        self.progress = progress
        self.phases = phases
        self.share = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        start, end = self.phases.get(stage, (self.share, self.share))
        share = start + (end - start) * (min(done / total, 1.0) if total else 1.0)
        # A repeated check (the import re-checks when cases changed meanwhile) does not move the bar back.
        self.share = max(self.share, share)
        self.progress(
            self.share,
            _("{stage}: {done} of {total} rows").format(
                stage=_(stage), done=format_number(done), total=format_number(total)
            ),
        )


def _options(params: Mapping[str, Any]) -> Options:
    line = params.get("header_line")
    return Options(params.get("sheet"), int(line) if line else None)


def _workbook(session: Session, params: Mapping[str, Any]) -> tuple[bytes, str, dict[str, str] | None]:
    """The stored workbook's bytes, its original name and the mapping (None: the remembered one)."""
    stored = get_file(session, int(params["stored_file_id"]))
    if stored.kind != WORKBOOK_KIND:
        raise ValidationFailed(
            _("File {id} is not an uploaded spreadsheet; upload the file again.").format(id=stored.id)
        )
    given = params.get("mapping")
    mapping = {str(k): str(v) for k, v in given.items()} if given else None
    return read_file(stored.id, session), str(params["filename"]), mapping


def _stem(filename: str) -> str:
    return PurePath(filename).stem or "import"


def _result(
    session: Session, actor: Actor, report: ImportReport, progress: ProgressFn, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The report as the page shows it; the full report and the invalid rows as stored files."""
    progress(0.93, _("Writing the report files"))
    all_rows = [{**row, "status": r.status} for row, r in zip(report.as_rows(), report.rows, strict=True)]
    problems = [r for r in all_rows if is_problem(r)]
    shown = {r["line"]: r for r in all_rows[:SHOWN_ROWS]}
    shown.update({r["line"]: r for r in problems[:SHOWN_ROWS]})
    blobs = [
        GeneratedBlob(
            pd.DataFrame(all_rows).to_csv(index=False, sep=";").encode("utf-8-sig"),
            f"import_report_{_stem(report.filename)}.csv",
            None,
            REPORT_KIND,
            1,
            CSV_MIME,
        )
    ]
    if report.invalid:
        blobs.append(
            GeneratedBlob(
                invalid_rows_file(report),
                f"invalid_rows_{_stem(report.filename)}.xlsx",
                None,
                INVALID_ROWS_KIND,
                1,
                WORKBOOK_MIME,
            )
        )
    file_ids = store_generated_many(session, actor, blobs)
    return {
        "file": report.filename,
        "dry_run": report.dry_run,
        "run_id": report.run_id,
        "counts": report.counts(),
        "written": dict(report.written),
        "rows": [shown[line] for line in sorted(shown)],
        "problem_rows": len(problems),
        "shown_rows": SHOWN_ROWS,
        "invalid_rows": len(report.invalid),
        "stored_file_id": params.get("stored_file_id"),
        "mapping": params.get("mapping"),
        "requested_sheet": params.get("sheet"),
        "requested_header_line": params.get("header_line"),
        "sheet": report.sheet,
        "header_line": report.header_line,
        "header_rows": report.header_rows,
        "decisions": [d.as_dict() for d in report.decisions if not d.applied][:SHOWN_DECISIONS],
        "decisions_total": sum(1 for d in report.decisions if not d.applied),
        "report_file_id": file_ids[0],
        "invalid_file_id": file_ids[1] if report.invalid else None,
    }


def run_dry_run(session: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Check every row of the stored workbook and compare it with Cessio; writes no case."""
    progress(0.0, _("Reading {filename}").format(filename=params.get("filename", "")))
    data, filename, mapping = _workbook(session, params)
    report = dry_run(
        session, actor, data, filename, mapping, _ServiceProgress(progress, _DRY_RUN_PHASES), _options(params)
    )
    return _result(session, actor, report, progress, params)


def run_import_task(session: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Import the good rows of the stored workbook (one audited ``import.run``, one transaction)."""
    progress(0.0, _("Reading {filename}").format(filename=params.get("filename", "")))
    data, filename, mapping = _workbook(session, params)
    report = run_import(
        session,
        actor,
        data,
        filename,
        mapping,
        _ServiceProgress(progress, _IMPORT_PHASES),
        options=_options(params),
    )
    return _result(session, actor, report, progress, params)


TASKS = [
    TaskKind(IMPORT_DRY_RUN, Permission.IMPORT_RUN, run_dry_run),
    TaskKind(IMPORT_RUN, Permission.IMPORT_RUN, run_import_task),
]

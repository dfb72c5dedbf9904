"""The dry run and the import as queued work: what the jobs process reports back to the page, the
stored report files, bad files and refused users (both databases)."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.auth.models import User
from core.auth.permissions import Actor
from core.cases.models import Case
from core.errors import PermissionDenied, ValidationFailed
from core.files.models import StoredFile
from core.files.service import read_file
from core.importer import tasks
from core.importer.mapping import detect_mapping
from core.importer.models import ImportRun
from core.importer.service import ERROR_HEADER
from core.importer.tasks import (
    IMPORT_DRY_RUN,
    IMPORT_RUN,
    queue_import_task,
    report_rows,
    store_workbook,
)
from core.tasks.models import DONE, FAILED
from core.tasks.service import TaskView, get_task, run_queued_tasks
from tests.factories import make_user
from tests.importer.builders import HEADERS_RU, csv_bytes, good_row, messy_rows


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _head(session: Session) -> User:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    return head


def _queue(
    session: Session,
    actor: Actor,
    kind: str,
    data: bytes,
    filename: str = "реестр.csv",
    mapping: dict[str, str] | None = None,
) -> int:
    file_id = store_workbook(session, actor, data, filename)
    task_id = queue_import_task(session, actor, kind, file_id, filename, mapping or detect_mapping(HEADERS_RU))
    session.commit()
    return task_id


def _run(session: Session, engine: Engine, actor: Actor, task_id: int) -> TaskView:
    run_queued_tasks(engine, "test-runner")
    session.expire_all()
    return get_task(session, actor, task_id)


def test_queued_dry_run_reports_every_row_and_writes_nothing(session: Session, engine: Engine) -> None:
    head = _head(session)
    task_id = _queue(session, head, IMPORT_DRY_RUN, csv_bytes(messy_rows(), encoding="cp1251"))
    assert _count(session, Case) == 0  # queueing does nothing yet

    view = _run(session, engine, head, task_id)
    assert view.status == DONE, view.error
    result: dict[str, Any] = view.result or {}
    assert result["dry_run"] is True and result["file"] == "реестр.csv" and result["run_id"] is None
    counts = result["counts"]
    assert (counts["rows"], counts["good"], counts["bad"], counts["duplicate"], counts["new"]) == (12, 4, 7, 1, 4)
    assert result["written"] == {}
    problems, total = report_rows(result, problems_only=True)
    assert total == len(problems) == 9  # 7 invalid, 1 duplicate, 1 good row with a note
    by_line = {r["line"]: r for r in problems}
    assert by_line[5]["problems"].startswith("Дата договора: '31.02.2023' is not a date")
    assert by_line[11]["result"] == "duplicate" and "repeats line 2" in by_line[11]["warnings"]
    assert by_line[13]["result"] == "new case" and "not a Cessio user" in by_line[13]["warnings"]
    every, total = report_rows(result, problems_only=False)
    assert total == 12 and [r["line"] for r in every] == list(range(2, 14))
    assert _count(session, Case) == 0 and _count(session, ImportRun) == 0

    invalid = load_workbook(io.BytesIO(read_file(result["invalid_file_id"], session))).active
    lines = [list(r) for r in invalid.iter_rows(values_only=True)]
    assert lines[0] == [*HEADERS_RU, ERROR_HEADER] and len(lines) == 8 and result["invalid_rows"] == 7
    full = pd.read_csv(io.BytesIO(read_file(result["report_file_id"], session)), sep=";", encoding="utf-8-sig")
    assert list(full["line"]) == list(range(2, 14))


def test_queued_import_uses_the_stored_workbook_of_the_dry_run(session: Session, engine: Engine) -> None:
    head = _head(session)
    data = csv_bytes(messy_rows(), encoding="utf-8", delimiter=",")
    dry_id = _queue(session, head, IMPORT_DRY_RUN, data)
    assert _run(session, engine, head, dry_id).status == DONE
    import_id = _queue(session, head, IMPORT_RUN, data)
    assert _count(session, Case) == 0

    view = _run(session, engine, head, import_id)
    assert view.status == DONE, view.error
    result = view.result or {}
    assert result["dry_run"] is False and result["counts"]["new"] == 4 and result["counts"]["bad"] == 7
    assert result["written"]["cases_created"] == 4
    run = session.get(ImportRun, result["run_id"])
    assert run is not None and run.summary["cases_created"] == 4 and run.filename == "реестр.csv"
    assert _count(session, Case) == 4
    workbooks = session.scalars(select(StoredFile).where(StoredFile.kind == tasks.WORKBOOK_KIND)).all()
    assert len(workbooks) == 1 and read_file(workbooks[0].id, session) == data


def test_a_large_report_is_capped_in_the_result_and_whole_in_the_files(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = _head(session)
    monkeypatch.setattr(tasks, "SHOWN_ROWS", 3)
    bad = [good_row(n, **{"Дата договора": "31.02.2023"}) for n in range(1, 9)]
    task_id = _queue(session, head, IMPORT_DRY_RUN, csv_bytes([good_row(100), *bad, good_row(101)]))
    result = _run(session, engine, head, task_id).result or {}
    problems, total = report_rows(result, problems_only=True)
    assert [r["line"] for r in problems] == [3, 4, 5] and total == 8
    every, total = report_rows(result, problems_only=False)
    assert [r["line"] for r in every] == [2, 3, 4] and total == 10
    assert len(result["rows"]) == 4  # the union of both views, not every row
    invalid = load_workbook(io.BytesIO(read_file(result["invalid_file_id"], session))).active
    assert invalid.max_row == 9  # the header and all 8 invalid rows
    full = pd.read_csv(io.BytesIO(read_file(result["report_file_id"], session)), sep=";", encoding="utf-8-sig")
    assert len(full) == 10


@pytest.mark.parametrize(
    ("data", "filename", "mapping", "message"),
    [
        (b"PK\x03\x04 not really a workbook", "реестр.xlsx", None, "The workbook cannot be opened"),
        (csv_bytes([good_row(1)]), "реестр.csv", detect_mapping(HEADERS_RU) | {"Дата договора": ""}, "Contract date"),
    ],
    ids=["broken workbook", "incomplete mapping"],
)
def test_a_bad_file_fails_with_a_clear_message_and_imports_nothing(
    session: Session, engine: Engine, data: bytes, filename: str, mapping: dict[str, str] | None, message: str
) -> None:
    head = _head(session)
    task_id = _queue(session, head, IMPORT_RUN, data, filename, mapping)
    view = _run(session, engine, head, task_id)
    assert view.status == FAILED and message in (view.error or ""), view.error
    assert not (view.error or "").startswith("Unexpected error")
    assert _count(session, Case) == 0 and _count(session, ImportRun) == 0


def test_only_uploaded_workbooks_are_imported(session: Session, engine: Engine) -> None:
    """A stored file of another kind (a scan, a generated report) is not read as a spreadsheet."""
    head = _head(session)
    task_id = _queue(session, head, IMPORT_DRY_RUN, csv_bytes([good_row(1), good_row(2, **{"Сумма долга": "x"})]))
    report_id = (_run(session, engine, head, task_id).result or {})["report_file_id"]
    other = queue_import_task(session, head, IMPORT_RUN, report_id, "отчёт.csv", detect_mapping(HEADERS_RU))
    session.commit()
    view = _run(session, engine, head, other)
    assert view.status == FAILED and "not an uploaded spreadsheet" in (view.error or "")
    assert _count(session, Case) == 0


def test_clerk_is_refused_and_a_user_demoted_meanwhile_imports_nothing(session: Session, engine: Engine) -> None:
    clerk = make_user(session, "clerk")
    admin = make_user(session, "admin")
    head = _head(session)
    data = csv_bytes([good_row(1)])
    with pytest.raises(PermissionDenied, match="import.run"):
        store_workbook(session, clerk, data, "реестр.csv")
    file_id = store_workbook(session, head, data, "реестр.csv")
    session.commit()
    with pytest.raises(PermissionDenied, match="import.run"):
        queue_import_task(session, clerk, IMPORT_RUN, file_id, "реестр.csv", detect_mapping(HEADERS_RU))
    session.rollback()

    task_id = _queue(session, head, IMPORT_RUN, data)
    session.execute(update(User).where(User.id == head.id).values(role="clerk"))
    session.commit()
    view = _run(session, engine, admin, task_id)
    assert view.status == FAILED and "lacks the permission 'import.run'" in (view.error or "")
    assert _count(session, Case) == 0 and _count(session, ImportRun) == 0


def test_the_same_work_is_not_queued_twice_while_it_waits(session: Session) -> None:
    head = _head(session)
    data = csv_bytes([good_row(1)])
    _queue(session, head, IMPORT_DRY_RUN, data)
    with pytest.raises(ValidationFailed, match="already queued"):
        _queue(session, head, IMPORT_DRY_RUN, data)
    session.rollback()
    other_mapping = detect_mapping(HEADERS_RU) | {"Суд": ""}
    assert _queue(session, head, IMPORT_DRY_RUN, data, mapping=other_mapping)  # another mapping is other work

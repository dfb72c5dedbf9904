"""The bank file import as queued work: queued from the page, booked by the jobs process."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.errors import PermissionDenied, ValidationFailed
from core.files.models import StoredFile
from core.files.service import read_file
from core.ledger.models import BankPaymentRow, LedgerEntry, PaymentImport
from core.ledger.service import balance
from core.ledger.tasks import PAYMENT_FILE_IMPORT, queue_payment_file_import, run_payment_file_import
from core.tasks.models import DONE, FAILED, RUNNING, QueuedTask
from core.tasks.service import get_task, run_queued_tasks
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal

FILE = """Дата;Сумма;Плательщик;Назначение платежа
01.03.2024;1 500,00;Иванов И.И.;Оплата по договору №ДЗ-888001 от 01.09.2023
02.03.2024;700,00;Петров П.П.;Погашение займа ДЗ-888002
03.03.2024;250,00;Сидоров С.С.;Перевод другу
04.03.2024;abc;Иванов И.И.;Оплата по договору ДЗ-888001
05.03.2024;100,00;Кто-то;Оплата ДЗ-888001 и ДЗ-888002
""".encode("cp1251")


@pytest.fixture
def two_cases(session: Session) -> tuple[Any, Any]:
    one = case_with_debt(session, "10000.00", contract_number="ДЗ-888001")
    two = case_with_debt(session, "5000.00", contract_number="ДЗ-888002")
    session.commit()
    return one, two


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _queue(session: Session, user: Any, content: bytes = FILE, name: str = "statement.csv", rows: int = 5) -> int:
    task_id = queue_payment_file_import(session, user, content, name, rows)
    session.commit()
    return task_id


def _floats(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def test_the_jobs_process_books_the_file_and_reports_every_row(
    session: Session, engine: Engine, two_cases: tuple[Any, Any]
) -> None:
    one, two = two_cases
    clerk = make_user(session, "clerk")
    task_id = _queue(session, clerk)
    queued = session.get(QueuedTask, task_id)
    assert queued is not None and queued.kind == PAYMENT_FILE_IMPORT
    assert queued.title == "Bank file statement.csv: 5 payments"
    assert set(queued.params) == {"stored_file_id", "filename"}  # the bytes stay in the file store
    assert read_file(queued.params["stored_file_id"], session) == FILE
    assert balance(session, one.id).principal == D("10000.00")  # queued, not booked yet

    assert run_queued_tasks(engine, "test-runner") == "1 done, 0 failed"
    view = get_task(session, clerk, task_id)
    assert view.status == DONE
    result = view.result or {}
    assert (result["rows_total"], result["posted"], result["queued"], result["duplicates"]) == (5, 2, 3, 0)
    assert result["booked_total"] == "2200.00"
    assert result["filename"] == "statement.csv" and result["encoding"] == "cp1251"
    assert result["rows_omitted"] == 0
    assert result["rows"][0] == {
        "line": 2,
        "date": "2024-03-01",
        "amount": "1500.00",
        "payer": "Иванов И.И.",
        "purpose": "Оплата по договору №ДЗ-888001 от 01.09.2023",
        "result": "matched",
        "case": one.number,
        "note": "",
    }
    assert [r["result"] for r in result["rows"]] == ["matched", "matched", "unmatched", "invalid", "ambiguous"]
    assert "not an amount" in result["rows"][3]["note"] and result["rows"][3]["amount"] is None
    assert _floats(result) == []
    session.expire_all()
    assert balance(session, one.id).principal == D("8500.00")
    assert balance(session, two.id).principal == D("4300.00")
    imported = session.scalars(select(PaymentImport)).one()
    assert result["import_id"] == imported.id and imported.imported_by_id == clerk.id


def test_a_long_report_is_cut_and_says_how_many_rows_are_left_out(
    session: Session, engine: Engine, two_cases: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.ledger.tasks.RESULT_ROWS_LIMIT", 2)
    clerk = make_user(session, "clerk")
    task_id = _queue(session, clerk)
    run_queued_tasks(engine, "test-runner")
    result = get_task(session, clerk, task_id).result or {}
    assert [r["line"] for r in result["rows"]] == [2, 3]
    assert result["rows_omitted"] == 3 and result["rows_total"] == 5 and result["posted"] == 2
    assert _count(session, BankPaymentRow) == 5  # only the report is cut, never the import


def test_the_same_file_is_not_queued_twice_while_one_waits_or_runs(
    session: Session, engine: Engine, two_cases: tuple[Any, Any]
) -> None:
    clerk, other = make_user(session, "clerk"), make_user(session, "clerk", full_name="Мария Петрова")
    first = _queue(session, other)
    with pytest.raises(ValidationFailed, match=rf"already queued for import \(queued work № {first}.*Мария Петрова"):
        queue_payment_file_import(session, clerk, FILE, "statement-renamed.csv", 5)
    session.rollback()
    session.execute(update(QueuedTask).where(QueuedTask.id == first).values(status=RUNNING))
    session.commit()
    with pytest.raises(ValidationFailed, match="is being imported"):
        queue_payment_file_import(session, clerk, FILE, "statement.csv", 5)
    session.rollback()
    session.execute(update(QueuedTask).where(QueuedTask.id == first).values(status="queued"))
    session.commit()
    assert _count(session, QueuedTask) == 1

    run_queued_tasks(engine, "test-runner")
    payments = _count(session, LedgerEntry)
    again = _queue(session, clerk)  # done: it may be queued again, and books nothing new
    assert run_queued_tasks(engine, "test-runner") == "1 done, 0 failed"
    result = get_task(session, clerk, again).result or {}
    assert (result["posted"], result["queued"], result["duplicates"]) == (0, 0, 5)
    assert _count(session, LedgerEntry) == payments


def test_a_broken_file_fails_with_a_clear_message_and_books_nothing(
    session: Session, engine: Engine, two_cases: tuple[Any, Any]
) -> None:
    clerk = make_user(session, "clerk")
    entries = _count(session, LedgerEntry)
    task_id = _queue(session, clerk, "Номер;Итого\n1;1 500,00\n".encode(), "broken.csv", 1)
    assert run_queued_tasks(engine, "test-runner") == "0 done, 1 failed"
    view = get_task(session, clerk, task_id)
    assert view.status == FAILED and view.result is None
    assert view.error is not None and view.error.startswith("The file has no column for: date, amount, purpose.")
    assert _count(session, PaymentImport) == 0 and _count(session, BankPaymentRow) == 0
    assert _count(session, LedgerEntry) == entries


def test_an_empty_file_is_refused_when_queued(session: Session) -> None:
    clerk = make_user(session, "clerk")
    with pytest.raises(ValidationFailed, match="'empty.csv' is empty"):
        queue_payment_file_import(session, clerk, b"", "empty.csv", 0)
    assert _count(session, QueuedTask) == 0


def test_a_role_without_the_import_permission_can_neither_queue_nor_have_it_done(
    session: Session, engine: Engine, two_cases: tuple[Any, Any]
) -> None:
    guest = make_user(session, "nobody")
    with pytest.raises(PermissionDenied, match="ledger.import"):
        queue_payment_file_import(session, guest, FILE, "statement.csv", 5)
    session.rollback()
    assert _count(session, QueuedTask) == 0 and _count(session, StoredFile) == 0

    clerk = make_user(session, "clerk")
    entries = _count(session, LedgerEntry)
    task_id = _queue(session, clerk)
    clerk.role = "nobody"  # the role was taken away while the work waited
    session.commit()
    assert run_queued_tasks(engine, "test-runner") == "0 done, 1 failed"
    error = get_task(session, make_user(session, "admin"), task_id).error or ""
    assert "lacks the permission 'ledger.import'" in error
    assert _count(session, LedgerEntry) == entries and _count(session, PaymentImport) == 0


def test_progress_names_the_row_being_booked(session: Session, two_cases: tuple[Any, Any]) -> None:
    clerk = make_user(session, "clerk")
    task_id = _queue(session, clerk)
    params = dict(session.get(QueuedTask, task_id).params)  # type: ignore[union-attr]
    seen: list[tuple[float, str]] = []
    run_payment_file_import(session, clerk, params, lambda share, label: seen.append((share, label)))
    assert seen[0] == (0.0, "Reading statement.csv and matching rows to cases…")
    assert seen[-1] == (0.8, "Booking row 5 of 5…")
    assert [share for share, _ in seen] == sorted(share for share, _ in seen)

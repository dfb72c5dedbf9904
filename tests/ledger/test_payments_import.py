"""Bank payment files: matching by contract number, the queue, encodings, idempotent re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import PermissionDenied, ValidationFailed
from core.ledger.models import BankPaymentRow, LedgerEntry
from core.ledger.payments_import import (
    contract_tokens,
    dismiss_row,
    import_payment_file,
    match_row,
    preview_payment_file,
    queued_rows,
    read_payment_file,
)
from core.ledger.service import balance
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal

FILE = """Дата;Сумма;Плательщик;Назначение платежа
01.03.2024;1 500,00;Иванов И.И.;Оплата по договору №ДЗ-777001 от 01.09.2023
02.03.2024;700,00;Петров П.П.;Погашение займа ДЗ-777002
03.03.2024;250,00;Сидоров С.С.;Перевод другу
04.03.2024;abc;Иванов И.И.;Оплата по договору ДЗ-777001
05.03.2024;100,00;Кто-то;Оплата ДЗ-777001 и ДЗ-777002
"""


def _payments(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "payment")) or 0


@pytest.fixture
def two_cases(session):
    one = case_with_debt(session, "10000.00", contract_number="ДЗ-777001")
    two = case_with_debt(session, "5000.00", contract_number="ДЗ-777002")
    session.commit()
    return one, two


def test_import_books_matched_rows_and_queues_the_rest(session, two_cases) -> None:
    one, two = two_cases
    clerk = make_user(session, "clerk")
    report = import_payment_file(session, clerk, FILE.encode("utf-8"), "statement.csv")
    session.commit()
    assert report.encoding == "utf-8"
    assert [(r.row.row_no, r.status, r.case_id) for r in report.rows] == [
        (2, "matched", one.id),
        (3, "matched", two.id),
        (4, "unmatched", None),
        (5, "invalid", None),
        (6, "ambiguous", None),
    ]
    assert balance(session, one.id).principal == D("8500.00")
    assert balance(session, two.id).principal == D("4300.00")
    queue = queued_rows(session, clerk)
    assert [q.row_no for q in queue] == [4, 5, 6]
    assert "not an amount" in (queue[1].problem or "")
    assert one.number in (queue[2].problem or "") and two.number in (queue[2].problem or "")
    # nothing is dropped: every row is stored with its raw text
    assert session.scalar(select(func.count()).select_from(BankPaymentRow)) == 5


def test_reimporting_the_same_file_changes_nothing(session, two_cases) -> None:
    clerk = make_user(session, "clerk")
    import_payment_file(session, clerk, FILE.encode("utf-8"), "statement.csv")
    session.commit()
    before = _payments(session)
    again = import_payment_file(session, clerk, FILE.encode("cp1251"), "statement-copy.csv")
    session.commit()
    assert again.duplicates == 5 and again.posted == 0 and again.queued == 0
    assert _payments(session) == before
    assert session.scalar(select(func.count()).select_from(BankPaymentRow)) == 5


def test_identical_rows_in_one_file_are_two_payments(session, two_cases) -> None:
    one, _ = two_cases
    clerk = make_user(session, "clerk")
    text = "date,amount,payer,purpose\n2024-03-01,100.00,A,ДЗ-777001\n2024-03-01,100.00,A,ДЗ-777001\n"
    report = import_payment_file(session, clerk, text.encode(), "x.csv")
    session.commit()
    assert report.posted == 2
    assert balance(session, one.id).principal == D("9800.00")


def test_windows_1251_file_is_read(session, two_cases) -> None:
    one, _ = two_cases
    clerk = make_user(session, "clerk")
    preview = preview_payment_file(session, clerk, FILE.encode("cp1251"), "bank.csv")
    assert preview.encoding == "cp1251"
    assert preview.rows[0].row.payer == "Иванов И.И."
    assert preview.rows[0].case_id == one.id
    # a preview writes nothing
    assert _payments(session) == 0


def test_clerk_matches_and_dismisses_queued_rows(session, two_cases) -> None:
    one, two = two_cases
    clerk = make_user(session, "clerk")
    import_payment_file(session, clerk, FILE.encode(), "statement.csv")
    session.commit()
    queue = {q.row_no: q for q in queued_rows(session, clerk)}
    match_row(session, clerk, queue[6].id, two.number)
    with pytest.raises(ValidationFailed, match="no readable date or amount"):
        match_row(session, clerk, queue[5].id, one.number)
    match_row(session, clerk, queue[5].id, one.number, amount=D("300.00"))
    with pytest.raises(ValidationFailed, match="no case"):
        match_row(session, clerk, queue[4].id, "C-999999")
    with pytest.raises(ValidationFailed, match="Say why"):
        dismiss_row(session, clerk, queue[4].id, " ")
    dismiss_row(session, clerk, queue[4].id, "a private transfer, not ours")
    session.commit()
    assert queued_rows(session, clerk) == []
    assert balance(session, two.id).principal == D("4200.00")
    assert balance(session, one.id).principal == D("8200.00")
    with pytest.raises(ValidationFailed, match="already"):
        match_row(session, clerk, queue[6].id, two.number)


def test_bad_header_names_what_is_missing(session) -> None:
    with pytest.raises(ValidationFailed, match="no column for: amount"):
        read_payment_file(b"date;who;purpose\n01.03.2024;x;y\n")


def test_head_without_import_permission_is_refused(session) -> None:
    class Guest:
        id = None
        username = "guest"
        role = "nobody"

    with pytest.raises(PermissionDenied):
        import_payment_file(session, Guest(), FILE.encode(), "x.csv")


def test_contract_tokens() -> None:
    assert "ДЗ-777001" in contract_tokens("Оплата по договору №ДЗ-777001 от 01.09.2023.")
    assert "12345/2023" in contract_tokens("дог. N12345/2023")
    assert not contract_tokens("Перевод другу")


def test_future_dated_match_goes_to_the_queue(session, two_cases) -> None:
    clerk = make_user(session, "clerk")
    future = (dt.date.today() + dt.timedelta(days=5)).strftime("%d.%m.%Y")
    report = import_payment_file(session, clerk, f"Дата;Сумма;Назначение\n{future};10,00;ДЗ-777001\n".encode(), "f.csv")
    session.commit()
    assert report.rows[0].status == "unmatched"
    assert "future" in report.rows[0].note
    assert len(queued_rows(session, clerk)) == 1


def test_import_reports_progress_row_by_row(session, two_cases) -> None:
    clerk = make_user(session, "clerk")
    seen: list[tuple[int, int]] = []
    import_payment_file(
        session, clerk, FILE.encode("utf-8"), "statement.csv", progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]

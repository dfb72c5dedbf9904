"""Issue #19 items 7 and 8 for the ledger: what an entry may do follows from the actor, and a bank
file with a byte no encoding knows gives a clear error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import PermissionDenied, ValidationFailed
from core.ledger.payments_import import read_payment_file
from core.ledger.service import balance, post_entry
from tests.factories import make_user
from tests.ledger.helpers import SYSTEM, case_with_debt

D = Decimal
DAY = dt.date(2024, 3, 1)


def test_clerk_cannot_book_negative_state_fee_by_naming_the_system_source(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00", state_fee="400.00")
    for source in ("system", "accrual", "manual"):
        with pytest.raises((PermissionDenied, ValidationFailed)):
            post_entry(session, clerk, case.id, "state_fee", D("-400.00"), DAY, source)
    assert balance(session, case.id).state_fee == D("400.00")


def test_person_cannot_claim_the_machines_sources(session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, "1000.00")
    with pytest.raises(ValidationFailed) as err:
        post_entry(session, lawyer, case.id, "interest", D("10.00"), DAY, "accrual")
    assert err.value.problems == {"source": "reserved"}
    # the machine itself still may (the nightly accrual, the importers)
    post_entry(session, SYSTEM, case.id, "interest", D("10.00"), DAY, "accrual")
    assert balance(session, case.id).interest == D("10.00")


def test_bank_file_with_byte_0x98_is_refused_with_its_place() -> None:
    content = (
        "Дата;Сумма;Плательщик;Назначение платежа\n01.03.2024;1000,00;Иванов;по договору 1\n".encode("cp1251")
        + b"02.03.2024;500,00;\x98;x\n"
    )
    with pytest.raises(ValidationFailed) as err:
        read_payment_file(content)
    assert "0x98" in str(err.value)
    assert "3" in str(err.value)  # line 3

"""Court papers in correct Russian and true by construction (issue #18 items 3 and 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.cases.models import Debtor
from core.documents.context import date_in_words
from core.documents.service import generate_documents
from core.errors import ValidationFailed
from core.files.service import read_file
from core.ledger.service import post_entry
from tests.documents.builders import case_with_debt, pdf_text
from tests.factories import make_user

AS_OF = dt.date(2026, 11, 2)


def _rename(session: Session, case, full_name: str) -> None:  # type: ignore[no-untyped-def]
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    debtor.full_name = full_name
    session.flush()


def test_application_declines_the_debtors_name(session: Session) -> None:
    """ "о взыскании с должника Никифоровой Светланы Сергеевны" (genitive), "между … и
    Никифоровой Светланой Сергеевной" (instrumental); the header keeps the nominative."""
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer)
    _rename(session, case, "Никифорова Светлана Сергеевна")
    result = generate_documents(
        session, lawyer, [case.id], ["court_order_application", "register_extract", "debt_calculation"], as_of=AS_OF
    )
    session.commit()
    texts = {d.doc_type: " ".join(pdf_text(read_file(d.file_id, session)).split()) for d in result.documents}
    application = texts["court_order_application"]
    assert "Должник: Никифорова Светлана Сергеевна" in application
    assert "о взыскании с должника Никифоровой Светланы Сергеевны" in application
    assert "и Никифоровой Светланой Сергеевной заключён договор займа" in application
    assert "с должника Никифорова Светлана" not in application
    assert "к должнику Никифоровой Светлане Сергеевне" in texts["register_extract"]
    # a 2023 consumer loan: the payments were allocated by 353-FZ, not art. 319
    assert "353-ФЗ" in texts["debt_calculation"] and "ст. 319" not in texts["debt_calculation"]


def test_application_refused_over_500000(session: Session) -> None:
    """Principal 30,000 + interest 45,000.50 + penalty 1,250 + another 423,749.51 of penalty =
    500,000.01: the template's "не превышает пятисот тысяч рублей" would be false, so no paper."""
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer)
    post_entry(session, lawyer, case.id, "penalty", Decimal("423749.51"), dt.date(2026, 10, 1), "manual")
    with pytest.raises(ValidationFailed, match="art. 121"):
        generate_documents(session, lawyer, [case.id], ["court_order_application"], as_of=AS_OF)


def test_dates_in_words() -> None:
    assert date_in_words(dt.date(2026, 12, 1)) == "1 декабря 2026 г."
    assert date_in_words(dt.date(2024, 3, 8)) == "8 марта 2024 г."

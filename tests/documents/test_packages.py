"""Print packages: merged in mailing order with bookmarks and the register; marking mailed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.documents.models import GeneratedDocument, PrintPackage
from core.documents.packages import build_package, mark_mailed, package_items, package_registers
from core.errors import ValidationFailed
from core.files.service import read_file
from core.ledger.service import balance
from tests.documents.builders import case_with_debt, page_count, pdf_text, tracking
from tests.factories import make_user

AS_OF = dt.date(2026, 11, 2)


def _package(session: Session, n: int = 3) -> tuple[list[Case], int]:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    names = ["Иванов", "Петров", "Сидорова", "Smith", "Кузнецов"]
    cases = [case_with_debt(session, lawyer, stage="claim_prepared", last_name=names[i % 5]) for i in range(n)]
    report = build_package(session, clerk, [c.id for c in cases], as_of=AS_OF, postage=Decimal("142.00"))
    session.commit()
    return cases, report.package_id


def test_package_pages_are_the_sum_of_its_parts_and_bookmarks_point_at_each_case(session: Session) -> None:
    cases, package_id = _package(session)
    package = session.get(PrintPackage, package_id)
    assert package is not None and package.file_id is not None and package.case_count == 3
    merged = read_file(package.file_id, session)
    reader = PdfReader(io.BytesIO(merged))
    docs = session.scalars(select(GeneratedDocument).where(GeneratedDocument.package_id == package_id)).all()
    case_docs = [d for d in docs if d.case_id is not None]
    register = [d for d in docs if d.doc_type == "mailing_register"]
    assert len(case_docs) == 3 * 4 and len(register) == 1
    part_pages = sum(page_count(read_file(d.file_id, session)) for d in docs)
    cover_pages = 1
    assert len(reader.pages) == package.page_count == cover_pages + part_pages
    assert "ПАКЕТ ДОКУМЕНТОВ" in pdf_text(merged, range(0, 1))
    # one bookmark per case (in mailing order) with its documents beneath, the register last
    outline = reader.outline
    titles = [o.title for o in outline if not isinstance(o, list)]
    assert titles[0].startswith(f"Пакет № {package_id}")
    assert titles[-1].startswith("Список внутренних почтовых отправлений")
    items = package_items(session, make_user(session, "clerk"), package_id)
    assert [i.case_id for i in items] == [c.id for c in cases]
    for item in items:
        top = next(o for o in outline if not isinstance(o, list) and o.title.startswith(item.number))
        page_index = reader.get_destination_page_number(top)
        assert page_index == item.first_page - 1
        first_page_text = pdf_text(merged, range(page_index, page_index + 1))
        assert item.number in first_page_text and "ЗАЯВЛЕНИЕ" in first_page_text
        assert item.debtor in first_page_text
        # the case's last page is its form-107 inventory; the next page belongs to the next envelope
        last_text = pdf_text(merged, range(page_index + item.page_count - 1, page_index + item.page_count))
        assert "ОПИСЬ ВЛОЖЕНИЯ" in last_text and item.number in last_text
    register_text = pdf_text(merged, range(len(reader.pages) - register[0].pages, len(reader.pages)))
    assert "Всего отправлений: 3" in register_text and "426,00" in register_text


def test_a_package_holds_one_stage(session: Session) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    a = case_with_debt(session, lawyer, stage="claim_prepared")
    b = case_with_debt(session, lawyer, stage="new")
    with pytest.raises(ValidationFailed, match="one stage; the selection is at: Claim prepared, New"):
        build_package(session, clerk, [a.id, b.id], as_of=AS_OF)


def test_marking_mailed_moves_cases_books_postage_and_reports_bad_numbers(session: Session) -> None:
    cases, package_id = _package(session)
    clerk = make_user(session, "clerk")
    good = {cases[0].id: tracking(1), cases[1].id: tracking(2)}
    report = mark_mailed(session, clerk, package_id, {**good, cases[2].id: "80081234567890"}, dt.date(2026, 11, 3))
    session.commit()
    assert {o.case_id for o in report.mailed} == set(good)
    (bad,) = report.failed
    assert bad.case_id == cases[2].id and "check digit" in bad.reason
    for case in cases:
        session.refresh(case)
    assert [c.stage for c in cases] == ["claim_mailed", "claim_mailed", "claim_prepared"]
    assert cases[0].tracking_number == good[cases[0].id]
    assert balance(session, cases[0].id).postage == Decimal("142.00")
    assert balance(session, cases[2].id).postage == Decimal("0.00")
    package = session.get(PrintPackage, package_id)
    assert package is not None and package.status == "partly_mailed"
    registers = package_registers(session, clerk, package_id)
    assert len(registers) == 2 and report.register_file_id == registers[0][1]
    mailed_register = pdf_text(read_file(registers[0][1], session))
    assert good[cases[0].id] in mailed_register and "Всего отправлений: 2" in mailed_register
    # the rest later; an envelope is never mailed (nor its postage booked) twice
    again = mark_mailed(session, clerk, package_id, {cases[0].id: tracking(1), cases[2].id: tracking(3)})
    session.commit()
    assert [o.case_id for o in again.mailed] == [cases[2].id]
    assert "already mailed" in again.failed[0].reason
    assert balance(session, cases[0].id).postage == Decimal("142.00")
    session.refresh(package)
    assert package.status == "mailed"


def test_same_tracking_number_twice_is_refused(session: Session) -> None:
    cases, package_id = _package(session, 2)
    clerk = make_user(session, "clerk")
    report = mark_mailed(session, clerk, package_id, {cases[0].id: tracking(7), cases[1].id: tracking(7)})
    assert len(report.mailed) == 1 and "same tracking number" in report.failed[0].reason

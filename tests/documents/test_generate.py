"""Generated documents: the content the law asks for, amounts from the ledger, edge data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import CaseEvent, Debtor
from core.documents.catalog import CASE_DOC_TYPES
from core.documents.defaults import DEFAULT_TEMPLATES
from core.documents.models import GeneratedDocument
from core.documents.service import case_documents, document_data, generate_documents, save_template
from core.errors import PermissionDenied, ValidationFailed
from core.files.service import read_file
from core.ledger.service import post_entry
from tests.documents.builders import case_with_debt, page_count, pdf_text
from tests.factories import make_case, make_user

AS_OF = dt.date(2026, 11, 2)


def _texts(session: Session, result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d.doc_type: pdf_text(read_file(d.file_id, session)) for d in result.documents}


def test_application_has_the_content_of_cpc_article_124(session: Session) -> None:
    lawyer = make_user(session, "lawyer", full_name="Петрова Анна Сергеевна")
    case = case_with_debt(session, lawyer)
    result = generate_documents(session, lawyer, [case.id], ["court_order_application"], as_of=AS_OF)
    session.commit()
    text = _texts(session, result)["court_order_application"]
    # the court, the claimant with its details, the debtor with birth date, place and identifier
    assert "Судебный участок № 1 Тверского района г. Москвы" in text
    assert "Взыскатель: ООО ПКО Цессио" in text and "ИНН 77" in text and "ОГРН 1" in text
    assert "Должник: Иванов Иван Иванович" in text and "14.03.1985" in text and "Место рождения: г. Москва" in text
    assert "паспорт 4510" in text
    # the contract and the chain of assignment
    assert "договор займа № ДЗ-" in text and "По договору уступки прав (требований) № Ц-" in text
    # the claim by component, as of the date, in figures and words; the state fee
    assert "По состоянию на 02.11.2026" in text
    assert "30 000,00" in text and "45 000,50" in text and "1 250,00" in text
    assert "76 250,50 руб. (Семьдесят шесть тысяч двести пятьдесят рублей 50 копеек)" in text
    # Tax Code art. 333.19 (from 09.09.2024): 4 000 rubles for a claim up to 100 000, half for a court order
    assert "Государственная пошлина: 2 000,00 руб." in text
    assert "в размере 2 000,00 руб. (Две тысячи рублей 00 копеек) уплачена" in text
    assert "всего 78 250,50 руб. (Семьдесят восемь тысяч двести пятьдесят рублей 50 копеек)" in text
    assert "Приложения:" in text and "Копия договора займа" in text
    assert "Петрова Анна Сергеевна" in text


def test_amounts_come_from_the_ledger_when_generated(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer)
    first = generate_documents(session, lawyer, [case.id], ["court_order_application"], as_of=AS_OF)
    post_entry(session, lawyer, case.id, "penalty", Decimal("749.50"), dt.date(2026, 10, 1), source="manual")
    second = generate_documents(session, lawyer, [case.id], ["court_order_application"], as_of=AS_OF)
    session.commit()
    assert "76 250,50" in _texts(session, first)["court_order_application"]
    assert "77 000,00" in _texts(session, second)["court_order_application"]
    snapshot = document_data(session, lawyer, second.documents[0].id)
    assert snapshot["values"]["claim.total"].replace("\u00a0", " ") == "77 000,00"


def test_debt_calculation_lists_the_ledger(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, lawyer)
    post_entry(session, clerk, case.id, "payment", Decimal("1000.00"), dt.date(2025, 1, 10), source="manual")
    result = generate_documents(session, clerk, [case.id], ["debt_calculation"], as_of=AS_OF)
    session.commit()
    text = _texts(session, result)["debt_calculation"]
    assert "РАСЧЁТ ЗАДОЛЖЕННОСТИ" in text and "01.09.2023" in text and "10.01.2025" in text
    assert "Платёж должника" in text and "Оплачено должником: 1 000,00 руб." in text
    assert "Итого задолженность: 75 250,50 руб." in text


def test_register_extract_and_inventory(session: Session) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer)
    result = generate_documents(session, clerk, [case.id], ["register_extract", "mail_inventory"], as_of=AS_OF)
    session.commit()
    texts = _texts(session, result)
    assert "ВЫПИСКА" in texts["register_extract"] and "Иванов Иван Иванович" in texts["register_extract"]
    assert "Тридцать тысяч рублей 00 копеек" in texts["register_extract"]
    assert "ОПИСЬ ВЛОЖЕНИЯ" in texts["mail_inventory"] and "Форма 107" in texts["mail_inventory"]
    assert "Кому: Судебный участок № 1" in texts["mail_inventory"]


def test_every_template_renders_edge_data(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    long_name = "Константинопольская-Святополк-Четвертинская-Оболенская-Долгорукова-Трубецкая"
    long_address = (
        "123456, Российская Федерация, Ханты-Мансийский автономный округ — Югра, г. Нижневартовск, "
        "ул. Героев Самотлора, д. 100500, корп. 7, стр. 3, кв. 999, "
    ) * 3
    edge = [
        case_with_debt(session, lawyer, last_name=long_name, first_name="Анна-Мария", middle_name="Ивановна"),
        case_with_debt(session, lawyer, last_name="Smith", first_name="John", middle_name=None, birth_date=None),
    ]
    for case in edge:
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None
        debtor.address = long_address
        debtor.birth_place = None
        debtor.passport = None
    session.flush()
    result = generate_documents(session, lawyer, [c.id for c in edge], CASE_DOC_TYPES, as_of=AS_OF)
    session.commit()
    assert result.failures == {}
    assert len(result.documents) == 2 * len(CASE_DOC_TYPES)
    for doc in result.documents:
        data = read_file(doc.file_id, session)
        assert page_count(data) == doc.pages >= 1
    texts = {(d.case_id, d.doc_type): pdf_text(read_file(d.file_id, session)) for d in result.documents}
    application = texts[(edge[0].id, "court_order_application")]
    assert "Константинопольская" in application and "Анна-Мария" in application and "Нижневартовск" in application
    latin = texts[(edge[1].id, "court_order_application")]
    assert "Smith John" in latin and "Идентификаторы: взыскателю неизвестны" in latin
    assert "Дата рождения: —" in latin


def test_a_case_that_cannot_be_claimed_is_reported_and_the_rest_made(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    good = case_with_debt(session, lawyer)
    nothing_owed = make_case(session)
    no_court = case_with_debt(session, lawyer)
    no_court.court_name = None
    session.flush()
    result = generate_documents(
        session, lawyer, [good.id, nothing_owed.id, no_court.id], ["court_order_application"], as_of=AS_OF
    )
    assert [c.case_id for c in result.cases] == [good.id]
    assert "nothing to claim" in result.failures[nothing_owed.id]
    assert "the court" in result.failures[no_court.id]
    with pytest.raises(ValidationFailed, match="No document could be generated"):
        generate_documents(session, lawyer, [nothing_owed.id], ["court_order_application"], as_of=AS_OF)


def test_documents_are_stored_on_the_case_with_template_version_and_event(session: Session) -> None:
    admin = make_user(session, "admin")
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer)
    body = DEFAULT_TEMPLATES["register_extract"].replace("Выписка верна.", "Выписка верна (ред. 1).")
    save_template(session, admin, "register_extract", body)
    generate_documents(session, clerk, [case.id], ["register_extract"], as_of=AS_OF)
    session.commit()
    docs = case_documents(session, clerk, case.id)
    assert [(d.doc_type, d.template_version) for d in docs] == [("register_extract", 1)]
    assert "Выписка верна (ред. 1)." in pdf_text(read_file(docs[0].file_id, session))
    stored = session.scalars(select(GeneratedDocument)).one()
    assert stored.data["values"]["debtor.full_name"] == "Иванов Иван Иванович"
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "document")).one()
    assert "Выписка из реестра" in (event.comment or "")


def test_generation_needs_the_permission(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer)

    class Visitor:
        id = None
        username = "visitor"
        role = "nobody"

    with pytest.raises(PermissionDenied):
        generate_documents(session, Visitor(), [case.id])

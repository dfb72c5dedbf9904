"""Documents go to Russian courts: an English interface changes nothing in them."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy.orm import Session

from core.documents.catalog import CASE_DOC_TYPES
from core.documents.packages import build_package
from core.documents.service import generate_documents
from core.files.service import read_file
from core.i18n import _, use_language
from tests.documents.builders import case_with_debt, pdf_text
from tests.factories import make_user

AS_OF = dt.date(2026, 11, 2)
# words in Latin letters a Russian document may hold: none but the case number's prefix
_LATIN_WORD = re.compile(r"(?<![0-9A-Za-z_-])[A-Za-z]{2,}")


def _texts(session: Session, lawyer, case_id: int, language: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with use_language(language):
        result = generate_documents(session, lawyer, [case_id], list(CASE_DOC_TYPES), as_of=AS_OF)
    return {d.doc_type: pdf_text(read_file(d.file_id, session)) for d in result.documents}


def test_an_english_interface_user_gets_the_same_russian_documents(session: Session) -> None:
    lawyer = make_user(session, "lawyer", full_name="Петрова Анна Сергеевна")
    lawyer.language = "en"
    case = case_with_debt(session, lawyer)
    with use_language("en"):
        assert _("Case card") == "Case card"  # the interface this user sees is English
    english_ui = _texts(session, lawyer, case.id, "en")
    russian_ui = _texts(session, lawyer, case.id, "ru")
    assert set(english_ui) == set(CASE_DOC_TYPES)
    for doc_type, text in english_ui.items():
        assert text == russian_ui[doc_type], f"{doc_type} differs between an English and a Russian interface"
        assert not _LATIN_WORD.findall(text), f"{doc_type} holds Latin words: {_LATIN_WORD.findall(text)[:10]}"
    calculation = english_ui["debt_calculation"]
    assert "Основной долг" in calculation and "руб." in calculation
    assert "Principal" not in calculation and "Interest" not in calculation


def test_a_print_package_built_from_an_english_interface_is_russian(session: Session) -> None:
    clerk = make_user(session, "clerk", full_name="Кузнецова Ольга Ивановна")
    lawyer = make_user(session, "lawyer", full_name="Петрова Анна Сергеевна")
    cases = [case_with_debt(session, lawyer, stage="claim_prepared", last_name=n) for n in ("Иванов", "Петрова")]
    with use_language("en"):
        report = build_package(session, clerk, [c.id for c in cases], as_of=AS_OF, postage=Decimal("142.00"))
    session.commit()
    reader = PdfReader(io.BytesIO(read_file(report.file_id, session)))
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "Заявление подготовлено" in cover  # the stage, named in Russian on the cover sheet
    assert "Claim prepared" not in cover
    assert not _LATIN_WORD.findall(cover)

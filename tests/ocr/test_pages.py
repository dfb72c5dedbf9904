"""The inbox and the review page in Streamlit's AppTest (SQLite)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.ocr import models as m
from core.ocr import service
from tests.app.conftest import _navigation_only, app_db, open_as, signed_in  # noqa: F401 (fixtures)
from tests.factories import make_case, make_user
from tests.ocr.court_acts import RenderedAct, make_act, truth_values
from tests.ocr.test_service import ORDER, TextEngine, _scan


def test_inbox_lists_the_queue_and_says_which_engine_and_languages_are_active(app_db: Session, open_as) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    service.upload_scans(app_db, clerk, [("order.png", _scan())])
    app_db.commit()
    at = open_as(clerk, "pages/ocr_inbox.py")
    assert not at.exception
    assert any("OCR engine: Tesseract 5" in c.value and "languages: Russian, English" in c.value for c in at.caption)
    assert not at.error
    table = at.dataframe[0].value
    assert list(table["File"]) == ["order.png"] and list(table["State"]) == ["Queued"]


def test_inbox_says_plainly_when_no_engine_reads_russian(
    app_db: Session,  # noqa: F811
    open_as,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from core.config import get_settings

    monkeypatch.setenv("CESSIO_OCR_ENGINE", "easyocr")
    monkeypatch.setenv("CESSIO_OCR_MODEL_DIR", str(tmp_path))  # no Cyrillic model there
    get_settings.cache_clear()
    try:
        clerk = make_user(app_db, "clerk")
        app_db.commit()
        at = open_as(clerk, "pages/ocr_inbox.py")
    finally:
        get_settings.cache_clear()
    assert not at.exception
    assert any(
        "No OCR engine that reads Russian is present" in e.value and "cyrillic_g2.pth" in e.value for e in at.error
    )
    assert any("OCR engine: EasyOCR · languages: English" in c.value for c in at.caption)


def _russian_order() -> RenderedAct:
    """A generated court order whose operative part carries every amount (principal, interest,
    penalty, fee) and the debtor's birth date."""
    for seed in range(600, 700):
        act = make_act(seed, doc_type="court_order", noise=False)
        if act.truth["interest"] and act.truth["penalty"] and act.truth["contract_number"].startswith("ДЗ"):
            return act
    raise AssertionError("no such act among the seeds")


def test_review_shows_a_russian_court_order_with_every_field_prefilled(app_db: Session, open_as) -> None:  # noqa: F811
    act = _russian_order()
    truth = truth_values(act.truth)
    person = act.extra["person"]
    surname, first, middle = person.nominative.split()
    clerk = make_user(app_db, "clerk")
    case = make_case(
        app_db,
        stage="claim_delivered",
        last_name=surname,
        first_name=first,
        middle_name=middle,
        birth_date=person.birth_date,
        claim_amount=act.truth["total"],
    )
    service.upload_scans(app_db, clerk, [("приказ.jpg", act.jpeg_bytes())])
    app_db.commit()
    service.process_next(TextEngine(act.text), worker="test")
    at = open_as(clerk, "pages/ocr_review.py")
    assert not at.exception
    # proposed by the debtor's name (declined in the act) and birth date
    assert any(ti.value == case.number for ti in at.text_input)
    by_field = {ti.key.rsplit(".", 1)[1]: ti for ti in at.text_input if ti.key and ".extra." not in ti.key}
    empty = [name for name in service.REVIEW_FIELDS if name != "document_type" and not by_field[name].value]
    assert empty == []
    assert at.selectbox[0].value == "court_order"
    assert by_field["debtor_name"].value == person.nominative
    assert by_field["case_number"].value == truth["case_number"]
    assert by_field["debtor_birth_date"].value == f"{person.birth_date:%d.%m.%Y}"
    assert by_field["total"].value == service.display_value("total", truth["total"])
    assert by_field["state_fee"].value == service.display_value("state_fee", truth["state_fee"])
    # nothing the clerk must check: every field read with confidence
    assert not [ti.label for ti in by_field.values() if ti.label.startswith(":orange[")]
    at.button[0].click().run()
    assert not at.exception, at.exception
    app_db.expire_all()
    moved = app_db.get(Case, case.id)
    assert moved is not None and moved.stage == "order_issued" and moved.court_case_number == truth["case_number"]


def test_review_confirms_with_the_form_and_the_case_moves(app_db: Session, open_as) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    case = make_case(app_db, stage="claim_delivered", court_case_number="2-1078/2024", claim_amount=Decimal("45300.50"))
    service.upload_scans(app_db, clerk, [("order.png", _scan())])
    app_db.commit()
    service.process_next(TextEngine(ORDER), worker="test")
    at = open_as(clerk, "pages/ocr_review.py")
    assert not at.exception
    assert any(ti.value == case.number for ti in at.text_input)  # the proposed case
    uid = next(ti for ti in at.text_input if ti.key and ti.key.endswith(".case_uid"))
    assert uid.label.startswith(":orange[")  # not read from the scan: highlighted for the clerk
    assert any("Court order issued" in i.value for i in at.info)
    total = next(ti for ti in at.text_input if ti.key and ti.key.endswith(".total"))
    assert total.value == "45 300,50"
    total.set_value("45 300,60")
    at.button[0].click().run()  # the form's submit button comes first
    assert not at.exception, at.exception
    assert any("confirmed" in s.value for s in at.success)
    app_db.expire_all()
    moved = app_db.get(Case, case.id)
    assert moved is not None and moved.stage == "order_issued" and moved.awarded_amount == Decimal("45300.60")
    assert app_db.query(m.OcrCorrection).count() == 1
    assert any("Nothing waits for review" in i.value for i in at.info)

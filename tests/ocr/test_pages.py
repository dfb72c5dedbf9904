"""The inbox and the review page in Streamlit's AppTest (SQLite)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from core.cases.models import Case
from core.ocr import models as m
from core.ocr import service
from tests.app.conftest import _navigation_only, app_db, open_as, signed_in  # noqa: F401 (fixtures)
from tests.factories import make_case, make_user
from tests.ocr.test_service import ORDER, TextEngine, _scan


def test_inbox_lists_the_queue_and_says_which_languages_are_active(app_db: Session, open_as) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    service.upload_scans(app_db, clerk, [("order.png", _scan())])
    app_db.commit()
    at = open_as(clerk, "pages/ocr_inbox.py")
    assert not at.exception
    assert any("English: active" in c.value for c in at.caption)
    assert any("Russian: not active" in c.value and "cyrillic_g2.pth" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["File"]) == ["order.png"] and list(table["State"]) == ["Queued"]


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

"""The documents screens in Streamlit's AppTest: the card section, print packages, templates."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.documents.models import PrintPackage, TemplateVersion
from tests.app.conftest import _navigation_only, app_db, open_as, signed_in  # noqa: F401 (fixtures)
from tests.documents.builders import case_with_debt, tracking
from tests.factories import make_user


def test_card_section_lists_generated_documents_and_generates_new(app_db: Session) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    lawyer = make_user(app_db, "lawyer")
    case = case_with_debt(app_db, lawyer)
    app_db.commit()
    at = signed_in(clerk)
    at.query_params["case"] = case.number
    at.run()
    assert not at.exception
    assert any("No documents generated yet" in c.value for c in at.caption)
    assert any("No scans attached yet" in c.value for c in at.caption)
    at.button(key=f"card_docs.go.{case.id}").click().run()
    assert not at.exception
    assert any("Generated 2 document(s)" in s.value for s in at.success)
    table = next(d for d in at.dataframe if "Template version" in d.value.columns)
    assert set(table.value["Document"]) == {"Заявление о вынесении судебного приказа", "Расчёт задолженности"}


def test_print_package_page_builds_and_records_mailing(app_db: Session, open_as) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    lawyer = make_user(app_db, "lawyer")
    cases = [case_with_debt(app_db, lawyer, stage="claim_prepared") for _ in range(2)]
    app_db.commit()
    at = open_as(clerk, "pages/documents.py")
    assert not at.exception
    assert at.radio(key="documents.which").value == "all"
    at.button(key="documents.build").click().run()
    assert not at.exception, at.exception
    assert any("2 envelopes" in s.value for s in at.success)
    package = app_db.scalars(select(PrintPackage)).one()
    assert package.case_count == 2 and package.file_id is not None
    # the second tab lists it; enter one tracking number and record it
    editor = at.data_editor[0]
    assert list(editor.value["Case"]) == [c.number for c in cases]
    at.session_state[f"documents.tracking_{package.id}_0"] = {
        "edited_rows": {0: {"Tracking number": tracking(11)}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="documents.mail").click().run()
    assert not at.exception, at.exception
    assert any("1 envelopes recorded as mailed" in s.value for s in at.success)
    app_db.expire_all()
    assert app_db.get(PrintPackage, package.id).status == "partly_mailed"  # type: ignore[union-attr]
    # the rest by scanning barcodes in envelope order
    at.text_area(key=f"documents.scanned_{package.id}_1").set_value(f"{tracking(12)}\n").run()
    at.button(key="documents.mail").click().run()
    assert not at.exception, at.exception
    assert any("1 envelopes recorded as mailed" in s.value for s in at.success)
    app_db.expire_all()
    assert app_db.get(PrintPackage, package.id).status == "mailed"  # type: ignore[union-attr]
    assert app_db.get(type(cases[1]), cases[1].id).tracking_number == tracking(12)  # type: ignore[union-attr]


def test_template_editor_previews_refuses_unknown_placeholders_and_saves(app_db: Session, open_as) -> None:  # noqa: F811
    admin = make_user(app_db, "admin")
    app_db.commit()
    at = open_as(admin, "pages/templates.py")
    assert not at.exception
    assert at.image, "the live preview shows the rendered page"
    area = at.text_area(key="templates.body.court_order_application")
    area.set_value(area.value + "\nЛишнее {debtor.nickname}\n").run()
    assert any("{debtor.nickname}" in e.value for e in at.error)
    area = at.text_area(key="templates.body.court_order_application")
    area.set_value(area.value.replace("\nЛишнее {debtor.nickname}\n", "\nДополнение.\n")).run()
    at.button(key="templates.save").click().run()
    assert not at.exception
    assert any("Saved as version 1" in s.value for s in at.success)
    assert app_db.scalar(select(func.count()).select_from(TemplateVersion)) == 1

"""The documents screens in Streamlit's AppTest: the card section, print packages, templates."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.documents.models import PrintPackage, TemplateVersion
from core.documents.tasks import queue_print_package
from core.tasks.models import QueuedTask
from core.tasks.service import run_queued_tasks
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
    assert any("Generated 2 documents" in s.value for s in at.success)
    table = next(d for d in at.dataframe if "Template version" in d.value.columns)
    assert set(table.value["Document"]) == {"Заявление о вынесении судебного приказа", "Расчёт задолженности"}


def _progress_texts(at: AppTest) -> list[str]:
    return [str(p.proto.text) for p in at.get("progress")]


def test_print_package_page_builds_and_records_mailing(app_db: Session, open_as) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    lawyer = make_user(app_db, "lawyer")
    cases = [case_with_debt(app_db, lawyer, stage="claim_prepared") for _ in range(2)]
    app_db.commit()
    at = open_as(clerk, "pages/packages.py")
    assert not at.exception
    assert at.radio(key="documents.which").value == "all"
    at.button(key="documents.build").click().run()
    assert not at.exception, at.exception
    assert any("Print package: 2 cases at Claim prepared: queued" in t for t in _progress_texts(at))
    assert app_db.scalars(select(PrintPackage)).all() == []  # the page only queued it
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "1 done, 0 failed"
    at.run()
    assert not at.exception, at.exception
    assert any("Package № " in s.value and "2 envelopes" in s.value for s in at.success)
    package = app_db.scalars(select(PrintPackage)).one()
    assert package.case_count == 2 and package.file_id is not None
    assert at.get("download_button")[0].proto.label == "Download the package (PDF)"
    queued = next(d.value for d in at.dataframe if "Work" in d.value.columns)  # the Packages tab's queue list
    assert list(queued["Work"]) == ["Print package: 2 cases at Claim prepared"]
    assert list(queued["Status"]) == ["✅ done"]
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
    assert any("1 envelope recorded as mailed" in s.value for s in at.success)
    app_db.expire_all()
    assert app_db.get(PrintPackage, package.id).status == "partly_mailed"  # type: ignore[union-attr]
    # the rest by scanning barcodes in envelope order
    at.text_area(key=f"documents.scanned_{package.id}_1").set_value(f"{tracking(12)}\n").run()
    at.button(key="documents.mail").click().run()
    assert not at.exception, at.exception
    assert any("1 envelope recorded as mailed" in s.value for s in at.success)
    app_db.expire_all()
    assert app_db.get(PrintPackage, package.id).status == "mailed"  # type: ignore[union-attr]
    assert app_db.get(type(cases[1]), cases[1].id).tracking_number == tracking(12)  # type: ignore[union-attr]


def test_print_package_of_handed_over_cases_refuses_a_mixed_stage_at_once(app_db: Session, open_as) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    lawyer = make_user(app_db, "lawyer")
    prepared = [case_with_debt(app_db, lawyer, stage="claim_prepared") for _ in range(2)]
    new = case_with_debt(app_db, lawyer, stage="new")
    app_db.commit()
    at = open_as(clerk, "pages/packages.py")
    at.session_state["documents.preselected"] = [prepared[0].id, new.id]
    at.run()
    at.radio(key="documents.which").set_value("handed").run()
    at.button(key="documents.build").click().run()
    assert not at.exception, at.exception
    assert any("the selection is at: Claim prepared, New. Narrow it down." in e.value for e in at.error)
    assert app_db.scalar(select(func.count()).select_from(QueuedTask)) == 0
    # handed over again, at one stage: queued, built, and the handed-over selection is used up
    at.session_state["documents.preselected"] = [c.id for c in prepared]
    at.run()
    at.button(key="documents.build").click().run()
    assert any("Print package: 2 cases at Claim prepared: queued" in t for t in _progress_texts(at))
    assert any("2 cases were handed over" in i.value for i in at.info)
    run_queued_tasks(app_db.get_bind(), "test-runner")
    at.run()
    assert not at.exception, at.exception
    assert any("2 envelopes" in s.value for s in at.success)
    assert not any("handed over" in i.value for i in at.info)
    assert at.radio(key="documents.which").options == ["All 2 matching cases", "Only the rows I select below"]


def test_print_package_queued_before_a_browser_refresh_is_followed_and_its_failure_shown(
    app_db: Session,  # noqa: F811
    open_as,  # noqa: F811
) -> None:
    clerk = make_user(app_db, "clerk")
    lawyer = make_user(app_db, "lawyer")
    cases = [case_with_debt(app_db, lawyer, stage="claim_prepared") for _ in range(2)]
    queue_print_package(app_db, clerk, [c.id for c in cases])
    app_db.commit()
    at = open_as(clerk, "pages/packages.py")  # a new browser session: nothing in session state
    assert not at.exception, at.exception
    assert any("Print package: 2 cases at Claim prepared: queued" in t for t in _progress_texts(at))
    cases[1].stage = "new"  # moved on by someone else before the jobs process got to it
    app_db.commit()
    run_queued_tasks(app_db.get_bind(), "test-runner")
    at.run()
    assert not at.exception, at.exception
    assert any(
        e.value.startswith("Print package: 2 cases at Claim prepared: A package holds cases at one stage")
        for e in at.error
    )
    assert not _progress_texts(at)


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

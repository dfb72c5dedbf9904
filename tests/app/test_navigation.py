"""Navigation follows the role: a page left out cannot be reached, and the service refuses too."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.service import create_user, list_users, set_active
from core.errors import PermissionDenied
from tests.app.conftest import new_app, signed_in
from tests.factories import make_case, make_user


def _page_titles(at: AppTest) -> set[str]:
    return {info.get("page_name", "") for info in at._registered_pages.values()}


def test_clerk_gets_work_pages_but_not_admin(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(clerk).run()
    titles = _page_titles(at)
    assert {"Case search", "Case card", "Stage board"} <= titles
    assert "Users & audit" not in titles
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/admin.py")


def test_admin_reaches_the_admin_page(app_db: Session) -> None:
    admin = make_user(app_db, "admin")
    app_db.commit()
    at = signed_in(admin).run()
    assert "Users & audit" in _page_titles(at)
    at.switch_page("pages/admin.py").run()
    assert [h.value for h in at.header] == ["Users & audit"]
    assert not at.exception


def test_clerk_calling_the_admin_services_directly_is_refused(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    other = make_user(app_db, "clerk")
    with pytest.raises(PermissionDenied, match="user.admin"):
        list_users(app_db, clerk)
    with pytest.raises(PermissionDenied):
        create_user(app_db, clerk, "intruder", "Intruder", "admin", "long-password-1")
    with pytest.raises(PermissionDenied):
        set_active(app_db, clerk, other.id, False)


def test_signed_out_visitor_sees_only_the_sign_in_form_on_every_address(app_db: Session) -> None:
    make_case(app_db)
    app_db.commit()
    at = new_app()
    at.query_params["case"] = "C-000001"
    at.run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.dataframe and not at.header


def test_deep_link_opens_the_case_card(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = make_case(app_db, last_name="Петров", first_name="Пётр", responsible=clerk)
    app_db.commit()
    at = signed_in(clerk)
    at.query_params["case"] = case.number
    at.run()
    assert not at.exception
    assert any(case.number in m.value and "Петров Пётр" in m.value for m in at.markdown)


def test_unknown_case_number_says_so(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(clerk)
    at.query_params["case"] = "C-999999"
    at.run()
    assert [e.value for e in at.error] == ["There is no case “C-999999”. Check the number."]


def test_every_page_is_addressed_by_its_file_name() -> None:
    """Right after a server start Streamlit finds a deep link's page by file name (the old
    ``pages/`` way) until ``app.py`` has run once; an address that differs from the file name
    would meet "Page not found" there, e.g. a bookmarked page after a restart."""
    from pathlib import Path

    from ui.nav import all_pages

    assert {spec.url_path: Path(spec.path).stem for spec in all_pages()} == {
        spec.url_path: spec.url_path for spec in all_pages()
    }


def test_a_deep_link_handed_over_by_its_page_opens_that_page(app_db: Session) -> None:
    head = make_user(app_db, "head")
    head.language = "ru"
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = signed_in(head)
    at.query_params["open"] = "kpi"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Показатели отдела"]  # the KPI page, in the head's own language
    assert "open" not in at.query_params

    at = signed_in(clerk)
    at.query_params["open"] = "admin"  # not a page of the clerk's: the start page instead
    at.run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Case search"]

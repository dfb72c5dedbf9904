"""The key-rate table's warning and the admin's decision form; the fee's life on the Money tab."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.errors import PermissionDenied, ValidationFailed
from core.i18n import use_language
from core.ledger.fee_life import record_fee_paid
from core.ledger.key_rates import add_key_rate, key_rate_warning
from core.ledger.rates import key_rate_on, rate_table_status, use_added_rates
from core.ledger.service import post_entry
from tests.app.conftest import _navigation_only, app_db, signed_in  # noqa: F401
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal


@pytest.fixture(autouse=True)
def _forget_added_rates():  # type: ignore[no-untyped-def]
    yield
    use_added_rates({})


def test_table_is_stale_after_the_next_scheduled_meeting() -> None:
    """The last decision in the table took effect on 22.12.2025 (meeting of 19.12.2025); the next
    scheduled meeting was 13.02.2026: current on that day, out of date from 14.02.2026."""
    assert not rate_table_status(dt.date(2026, 2, 13)).stale
    status = rate_table_status(dt.date(2026, 2, 14))
    assert status.stale and status.next_meeting == dt.date(2026, 2, 13)
    with use_language("en"):
        assert "13.02.2026" in status.message()


def test_admin_adds_a_decision_and_clerk_may_not(session: Session) -> None:
    admin = make_user(session, "admin")
    clerk = make_user(session, "clerk")
    with pytest.raises(ValidationFailed):
        add_key_rate(session, admin, dt.date(2026, 2, 16), "160")
    with pytest.raises(PermissionDenied):
        add_key_rate(session, clerk, dt.date(2026, 2, 16), "15.5")
    add_key_rate(session, admin, dt.date(2026, 2, 16), "15,50", "test decision")
    session.commit()
    assert key_rate_on(dt.date(2026, 2, 20)) == D("15.50")
    assert key_rate_on(dt.date(2026, 2, 15)) == D("16.00")
    # the decision of the 13.02 meeting is known: current until the next scheduled one (20.03)
    assert key_rate_warning(session, dt.date(2026, 3, 20)) == ""
    assert key_rate_warning(session, dt.date(2026, 3, 21)) != ""


def test_money_tab_warns_and_shows_the_fee_life(app_db: Session) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "48000.00", interest="2000.00", stage="order_issued")
    record_fee_paid(app_db, clerk, case.id, "court_order", D("2000.00"), dt.date(2024, 10, 1))
    post_entry(app_db, clerk, case.id, "state_fee", D("2000.00"), dt.date(2024, 11, 10), "court_order")
    app_db.commit()
    at = signed_in(clerk)
    at.query_params["case"] = case.number
    at.run()
    assert not at.exception
    assert any("22.12.2025" in w.value for w in at.warning)
    life = next(df.value for df in at.dataframe if "What happened" in df.value.columns)
    assert life["What happened"].tolist() == ["paid by the creditor", "awarded to the creditor: the debtor's debt"]
    assert life["Court act"].tolist() == ["Court order", "Court order"]

"""The money tab of the case card and the Payments page, run in-process with AppTest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.config import PROJECT_ROOT, reset_settings_cache
from core.ledger.service import balance, post_entry
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt
from ui.context import SignedInUser

APP = str(PROJECT_ROOT / "app.py")
D = Decimal


def _run_entry_script(main_script_path: str) -> None:
    import runpy

    runpy.run_path(main_script_path, run_name="__main__")


@pytest.fixture
def app_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.setattr(script_runner, "_mpa_v1", _run_entry_script)
    monkeypatch.setenv("CESSIO_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    reset_settings_cache()
    st.cache_resource.clear()
    st.cache_data.clear()
    s = sessionmaker(bind=sqlite_engine, expire_on_commit=False)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()
        st.cache_resource.clear()
        st.cache_data.clear()


def _as(user: User) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = SignedInUser(user.id, user.username, user.full_name, user.role)
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_money_tab_shows_balance_and_books_a_payment_with_its_allocation(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "10000.00", interest="1500.00", state_fee="200.00")
    app_db.commit()
    at = _as(clerk)
    at.query_params["case"] = case.number
    at.run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Total owed"] == "11\u00a0700,00 руб."
    assert metrics["Interest"] == "1\u00a0500,00"
    at.text_input(key=f"money.amount.{case.id}").input("2 000,00")
    at.date_input(key=f"money.date.{case.id}").set_value(dt.date(2024, 3, 1))
    next(b for b in at.button if b.label == "Book").click()
    at.run()
    assert not at.exception
    assert any("Booked payment 2\u00a0000,00 руб." in s.value for s in at.success)
    assert _metrics(at)["Total owed"] == "9\u00a0700,00 руб."
    table = next(df.value for df in at.dataframe if "Paid off / applied to" in df.value.columns)
    allocations = table["Paid off / applied to"].tolist()
    assert "State fee 200,00 · Interest 1\u00a0500,00 · Principal 300,00" in allocations
    assert balance(app_db, case.id).principal == D("9700.00")


def test_overpayment_is_highlighted_and_clerk_cannot_adjust(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "100.00")
    post_entry(app_db, clerk, case.id, "payment", D("150.00"), dt.date(2024, 3, 1), "manual")
    app_db.commit()
    at = _as(clerk)
    at.query_params["case"] = case.number
    at.run()
    assert not at.exception
    assert any("Overpayment of 50,00 руб." in w.value for w in at.warning)
    kinds = at.selectbox(key=f"money.kind.{case.id}").options
    assert "Payment" in kinds and "Adjustment" not in kinds


def test_payments_page_previews_imports_and_queues(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "1000.00", contract_number="ДЗ-55501")
    app_db.commit()
    at = _as(clerk).run()
    at.switch_page("pages/payments.py").run()
    assert not at.exception
    assert any("The queue is empty" in s.value for s in at.success)
    assert any("No payments yet" in c.value for c in at.caption)
    content = (
        "Дата;Сумма;Плательщик;Назначение платежа\n01.03.2024;400,00;Иванов;Оплата ДЗ-55501\n02.03.2024;50,00;X;?\n"
    )
    at.file_uploader(key="payments.file").set_value(("bank.csv", content.encode("cp1251"), "text/csv"))
    at.run()
    assert not at.exception
    assert balance(app_db, case.id).total == D("1000.00")  # a preview books nothing
    preview = at.dataframe[0].value
    assert preview["result"].tolist() == ["✅ will be booked", "🟡 to the queue: no case"]
    at.button(key="payments.go").click()
    at.run()
    assert not at.exception
    assert any("1 booked, 1 to the queue" in s.value for s in at.success)
    app_db.expire_all()
    assert balance(app_db, case.id).total == D("600.00")
    queue = next(df.value for df in at.dataframe if "Why queued" in df.value.columns)
    assert queue["Purpose"].tolist() == ["?"]


def test_plan_editor_generates_and_saves_a_schedule(app_db: Session) -> None:
    from core.ledger.plans import plan_status

    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "900.00")
    app_db.commit()
    at = _as(clerk)
    at.query_params["case"] = case.number
    at.run()
    assert any("No payment plan." in c.value for c in at.caption)
    at.number_input(key=f"money.plan.n.{case.id}").set_value(3)
    at.button(key=f"money.plan.gen.{case.id}").click()
    at.run()
    assert not at.exception
    at.button(key=f"money.plan.save.{case.id}").click()
    at.run()
    assert not at.exception
    assert any("Payment plan saved." in s.value for s in at.success)
    view = plan_status(app_db, clerk, case.id, dt.date.today())
    assert view is not None
    assert [i.amount for i in view.instalments] == [D("300.00")] * 3

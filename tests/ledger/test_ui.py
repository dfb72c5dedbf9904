"""The money tab of the case card and the Payments page, run in-process with AppTest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.cases.models import Case
from core.ledger.service import balance, post_entry
from core.tasks.service import run_queued_tasks
from tests.app.conftest import _navigation_only, app_db, signed_in  # noqa: F401 - fixtures shared with the app tests
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal


def _case_card(user: User, case: Case) -> AppTest:
    """The card of ``case`` as ``user`` sees it, with its money section."""
    at = signed_in(user)
    at.query_params["case"] = case.number
    return at.run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_money_tab_shows_balance_and_books_a_payment_with_its_allocation(app_db: Session) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "10000.00", interest="1500.00", state_fee="200.00")
    app_db.commit()
    at = _case_card(clerk, case)
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Total owed"] == "11,700.00\u00a0₽"
    assert metrics["Interest"] == "1,500.00"
    at.text_input(key=f"money.amount.{case.id}").input("2 000,00")
    at.date_input(key=f"money.date.{case.id}").set_value(dt.date(2024, 3, 1))
    next(b for b in at.button if b.label == "Book").click()
    at.run()
    assert not at.exception
    assert any("Booked payment 2,000.00\u00a0₽" in s.value for s in at.success)
    assert _metrics(at)["Total owed"] == "9,700.00\u00a0₽"
    table = next(df.value for df in at.dataframe if "Paid off / applied to" in df.value.columns)
    allocations = table["Paid off / applied to"].tolist()
    # A consumer loan of 2023: 353-FZ art. 5 p. 20 pays interest, then principal; the state fee
    # (an "other payment", item 6) waits.
    assert "Interest 1,500.00 · Principal 500.00" in allocations
    assert balance(app_db, case.id).principal == D("9500.00")
    assert balance(app_db, case.id).state_fee == D("200.00")


def test_overpayment_is_highlighted_and_clerk_cannot_adjust(app_db: Session) -> None:  # noqa: F811
    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "100.00")
    post_entry(app_db, clerk, case.id, "payment", D("150.00"), dt.date(2024, 3, 1), "manual")
    app_db.commit()
    at = _case_card(clerk, case)
    assert not at.exception
    assert any("Overpayment of 50.00\u00a0₽" in w.value for w in at.warning)
    kinds = at.selectbox(key=f"money.kind.{case.id}").options
    assert "Payment" in kinds and "Adjustment" not in kinds


BANK_FILE = (
    "Дата;Сумма;Плательщик;Назначение платежа\n01.03.2024;400,00;Иванов;Оплата ДЗ-55501\n02.03.2024;50,00;X;?\n"
).encode("cp1251")


def _payments_page(user: User) -> AppTest:
    at = signed_in(user).run()
    at.switch_page("pages/payments.py").run()
    assert not at.exception
    return at


def _clerk_and_the_case_the_bank_file_pays(session: Session) -> tuple[User, Case]:
    """A clerk and a case owing 1,000.00 under contract ДЗ-55501, which BANK_FILE's first line pays 400.00 to."""
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "1000.00", contract_number="ДЗ-55501")
    session.commit()
    return clerk, case


def _upload(at: AppTest, content: bytes = BANK_FILE, name: str = "bank.csv") -> None:
    at.file_uploader(key="payments.file").set_value((name, content, "text/csv"))
    at.run()
    assert not at.exception


def _press_import(at: AppTest) -> None:
    """Press the page's Import button (the page queues the import of the uploaded file)."""
    at.button(key="payments.go").click()
    at.run()


def _recent_imports(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "Work" in df.value.columns)


def test_payments_page_previews_queues_the_import_and_shows_its_report(app_db: Session, sqlite_engine: Engine) -> None:  # noqa: F811
    clerk, case = _clerk_and_the_case_the_bank_file_pays(app_db)
    at = _payments_page(clerk)
    assert any("The queue is empty" in s.value for s in at.success)
    assert any("No payments yet" in c.value for c in at.caption)
    assert any("Nothing queued yet." in c.value for c in at.caption)
    _upload(at)
    assert balance(app_db, case.id).total == D("1000.00")  # a preview books nothing
    preview = at.dataframe[0].value
    assert preview["Result"].tolist() == ["✅ will be booked", "🟡 to the queue: no case"]

    _press_import(at)
    assert not at.exception
    assert any("Bank file bank.csv: 2 payments: queued" in p.text for p in at.progress)
    assert not [b for b in at.button if b.key == "payments.go"]  # no second import of the same file
    app_db.expire_all()
    assert balance(app_db, case.id).total == D("1000.00")  # the jobs process books it, not the page
    assert _recent_imports(at)["Status"].tolist() == ["⏳ queued"]

    assert run_queued_tasks(sqlite_engine, "test-runner") == "1 done, 0 failed"
    at.run()
    assert not at.exception
    assert any("Imported bank.csv: 1 booked (400.00\u00a0₽), 1 to the queue." in s.value for s in at.success)
    assert _metrics(at) == {"Rows": "2", "Booked": "1", "To the queue": "1", "Already imported": "0"}
    report = next(df.value for df in at.dataframe if "Result" in df.value.columns)
    assert report["Result"].tolist() == ["✅ booked", "🟡 to the queue: no case"]
    assert report["Amount"].tolist() == ["400.00", "50.00"]
    assert report["Case"].tolist() == [f"case?case={case.number}", ""]
    app_db.expire_all()
    assert balance(app_db, case.id).total == D("600.00")
    queue = next(df.value for df in at.dataframe if "Why queued" in df.value.columns)
    assert queue["Purpose"].tolist() == ["?"]
    recent = _recent_imports(at)
    assert recent[["Work", "Status"]].values.tolist() == [["Bank file bank.csv: 2 payments", "✅ done"]]

    at.file_uploader(key="payments.file").set_value(None)  # the file is gone (e.g. back from another page)
    at.run()
    assert not at.exception
    assert any("Your last bank file import:** bank.csv" in m.value for m in at.markdown)
    assert any("Imported bank.csv: 1 booked" in s.value for s in at.success)


def test_the_same_bank_file_cannot_be_queued_twice_while_it_waits(app_db: Session, sqlite_engine: Engine) -> None:  # noqa: F811
    clerk, case = _clerk_and_the_case_the_bank_file_pays(app_db)
    first_tab = _payments_page(clerk)
    _upload(first_tab)
    _press_import(first_tab)
    assert not first_tab.exception

    second_tab = _payments_page(clerk)  # another browser tab, or a colleague
    _upload(second_tab, name="bank-copy.csv")
    assert second_tab.button(key="payments.go").label == "Import 2 rows"
    _press_import(second_tab)
    assert not second_tab.exception
    assert any("This bank file is already queued for import" in e.value for e in second_tab.error)
    assert _recent_imports(second_tab)["Status"].tolist() == ["⏳ queued"]

    run_queued_tasks(sqlite_engine, "test-runner")
    app_db.expire_all()
    assert balance(app_db, case.id).total == D("600.00")  # booked once


def test_a_failed_bank_file_import_says_why_and_offers_the_import_again(app_db: Session, sqlite_engine: Engine) -> None:  # noqa: F811
    clerk, case = _clerk_and_the_case_the_bank_file_pays(app_db)
    at = _payments_page(clerk)
    _upload(at)
    _press_import(at)
    clerk_row = app_db.get(User, clerk.id)
    assert clerk_row is not None
    clerk_row.role = "nobody"  # the right to book payments was taken away meanwhile
    app_db.commit()
    assert run_queued_tasks(sqlite_engine, "test-runner") == "0 done, 1 failed"
    clerk_row.role = "clerk"
    app_db.commit()
    at.run()
    assert not at.exception
    assert any("Bank file bank.csv: 2 payments: " in e.value and "ledger.import" in e.value for e in at.error)
    assert at.button(key="payments.go").label == "Import 2 rows"
    app_db.expire_all()
    assert balance(app_db, case.id).total == D("1000.00")


def test_plan_editor_generates_and_saves_a_schedule(app_db: Session) -> None:  # noqa: F811
    from core.ledger.plans import plan_status

    clerk = make_user(app_db, "clerk")
    case = case_with_debt(app_db, "900.00")
    app_db.commit()
    at = _case_card(clerk, case)
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

"""Accrual within the 353-FZ caps, penalties, leap years, court acts, art. 395 at the key rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.cases.models import Case
from core.config import reset_settings_cache
from core.ledger.accrual import Terms, accrue, compute_art395, compute_contractual
from core.ledger.models import LedgerEntry
from core.ledger.rates import cap_for, key_rate_on, statutory_interest
from core.ledger.service import balance, post_entry
from tests.factories import make_user
from tests.ledger.helpers import case_with_debt

D = Decimal


def terms(**kw: object) -> Terms:
    base: dict[str, object] = {
        "contract_date": dt.date(2023, 9, 1),
        "loan_amount": D("10000.00"),
        "daily_rate": D("0.8"),
        "penalty_annual": D("20"),
        "term_days": 30,
        "due_date": dt.date(2023, 10, 1),
        "opening_date": dt.date(2023, 9, 1),
    }
    base.update(kw)
    return Terms(**base)  # type: ignore[arg-type]


PRINCIPAL = [(dt.date(2023, 9, 1), D("10000.00"))]


def test_daily_interest_before_the_due_date() -> None:
    got = compute_contractual(terms(), PRINCIPAL, dt.date(2023, 9, 11))
    assert (got.interest, got.penalty) == (D("800.00"), D("0.00"))


def test_daily_rate_capped_by_the_contract_date() -> None:
    after = compute_contractual(terms(daily_rate=D("1")), PRINCIPAL, dt.date(2023, 9, 11))
    assert after.daily_rate == D("0.8") and after.interest == D("800.00")
    before = compute_contractual(
        terms(daily_rate=D("1"), contract_date=dt.date(2023, 6, 30)), PRINCIPAL, dt.date(2023, 9, 11)
    )
    assert before.daily_rate == D("1") and before.interest == D("1000.00")


def test_penalty_after_due_date_is_at_most_20_percent_a_year_while_interest_accrues() -> None:
    got = compute_contractual(terms(penalty_annual=D("36.5")), PRINCIPAL, dt.date(2023, 10, 11))
    # 40 days of interest; 10 days of penalty at 20%/365 (the contract's 36.5% is capped)
    assert got.interest == D("3200.00")
    assert got.penalty == D("54.79")  # 10000 * 0.20 / 365 * 10 = 54.794...


def test_penalty_is_at_most_0_1_percent_a_day_when_no_interest_accrues() -> None:
    got = compute_contractual(terms(daily_rate=D("0"), penalty_annual=D("73")), PRINCIPAL, dt.date(2023, 10, 11))
    assert got.interest == D("0.00")
    assert got.penalty == D("100.00")  # 0.1% a day of 10,000 for 10 days, not 0.2%


@pytest.mark.parametrize(
    ("contract_date", "multiple"),
    [(dt.date(2023, 7, 1), D("1.3")), (dt.date(2023, 6, 30), D("1.5")), (dt.date(2019, 8, 1), D("2"))],
)
def test_total_cap_by_contract_date(contract_date: dt.date, multiple: D) -> None:
    t = terms(contract_date=contract_date, daily_rate=D("0.8"), opening_date=contract_date)
    got = compute_contractual(t, [(contract_date, D("10000.00"))], contract_date + dt.timedelta(days=2000))
    assert got.interest + got.penalty == D("10000.00") * multiple
    assert got.capped_on is not None
    assert cap_for(contract_date).total_multiple == multiple  # type: ignore[union-attr]


def test_cap_counts_what_was_charged_before() -> None:
    got = compute_contractual(terms(), PRINCIPAL, dt.date(2026, 1, 1), charged_before=D("4000.00"))
    assert got.interest + got.penalty == D("9000.00")  # 13,000 cap - 4,000 booked by the cedent
    nothing = compute_contractual(terms(), PRINCIPAL, dt.date(2026, 1, 1), charged_before=D("13500.00"))
    assert (nothing.interest, nothing.penalty) == (D("0.00"), D("0.00"))


def test_loans_over_a_year_have_no_total_cap() -> None:
    got = compute_contractual(terms(term_days=400, due_date=dt.date(2024, 10, 5)), PRINCIPAL, dt.date(2024, 9, 1))
    assert got.cap is None
    assert got.interest == D("29280.00")  # 366 days * 80


def test_leap_year_day_count_for_penalties() -> None:
    t = terms(
        daily_rate=D("0"),
        penalty_annual=D("20"),
        due_date=dt.date(2023, 12, 29),
        contract_date=dt.date(2023, 11, 29),
        opening_date=dt.date(2023, 11, 29),
    )
    got = compute_contractual(t, [(dt.date(2023, 11, 29), D("36600.00"))], dt.date(2024, 1, 2))
    # 30-31 Dec 2023: 36600 * 0.2 / 365 each; 1-2 Jan 2024: 36600 * 0.2 / 366 = 20.00 each
    assert got.penalty == D("80.11")


def test_payment_lowers_the_interest_base_from_the_next_day() -> None:
    changes = [*PRINCIPAL, (dt.date(2023, 9, 6), D("-5000.00"))]
    got = compute_contractual(terms(), changes, dt.date(2023, 9, 11))
    assert got.interest == D("600.00")  # 5 days on 10,000 (80) + 5 days on 5,000 (40)


def test_court_act_stops_contractual_accrual() -> None:
    got = compute_contractual(terms(stop_date=dt.date(2023, 9, 6)), PRINCIPAL, dt.date(2024, 1, 1))
    assert got.interest == D("400.00")


def test_key_rate_table_and_art395_across_a_rate_change() -> None:
    assert key_rate_on(dt.date(2024, 7, 28)) == D("16.00")
    assert key_rate_on(dt.date(2024, 7, 29)) == D("18.00")
    # 21-28 Jul 2024: 8 days at 16%; 29 Jul - 10 Aug: 13 days at 18%; 2024 has 366 days
    assert statutory_interest(D("10000"), dt.date(2024, 7, 21), dt.date(2024, 8, 10)) == D("98.91")
    assert compute_art395(D("10000"), dt.date(2024, 7, 20), [], dt.date(2024, 8, 10)) == D("98.91")
    # a payment of 5,000 on 28 Jul halves the base from 29 Jul
    assert compute_art395(
        D("10000"), dt.date(2024, 7, 20), [(dt.date(2024, 7, 28), D("5000"))], dt.date(2024, 8, 10)
    ) == D("66.94")


def test_art395_across_the_new_year() -> None:
    # 30-31 Dec 2023 at 16% / 365, 1-2 Jan 2024 at 16% / 366
    expected = D("100000") * D("0.16") * 2 / 365 + D("100000") * D("0.16") * 2 / 366
    assert statutory_interest(D("100000"), dt.date(2023, 12, 30), dt.date(2024, 1, 2)) == expected.quantize(D("0.01"))


# ---------------------------------------------------------------- the service, on both databases


def _accrual_rows(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.source == "accrual")) or 0


def test_accrue_is_idempotent_and_books_only_the_difference(session) -> None:
    case = case_with_debt(
        session, "10000.00", opened=dt.date(2023, 9, 1), contract_date=dt.date(2023, 9, 1), accruing=True
    )
    session.commit()
    first = accrue(session, dt.date(2023, 9, 11), [case.id])
    session.commit()
    assert first.entries == 1 and first.interest == D("800.00")
    again = accrue(session, dt.date(2023, 9, 11), [case.id])
    session.commit()
    assert again.entries == 0 and _accrual_rows(session) == 1
    accrue(session, dt.date(2023, 9, 12), [case.id])
    session.commit()
    assert balance(session, case.id).interest == D("880.00")
    # re-running an earlier day changes nothing either
    assert accrue(session, dt.date(2023, 9, 11), [case.id]).entries == 0
    assert balance(session, case.id, dt.date(2023, 9, 11)).interest == D("800.00")


def test_accrual_stops_at_130_percent_including_register_interest(session) -> None:
    case = case_with_debt(
        session,
        "10000.00",
        interest="2500.00",
        opened=dt.date(2023, 9, 1),
        contract_date=dt.date(2023, 9, 1),
        accruing=True,
    )
    session.commit()
    accrue(session, dt.date(2025, 1, 1), [case.id])
    session.commit()
    bal = balance(session, case.id)
    assert bal.interest + bal.penalty == D("13000.00")
    assert accrue(session, dt.date(2025, 6, 1), [case.id]).entries == 0


def test_backdated_payment_corrects_the_accrual(session) -> None:
    clerk = make_user(session, "clerk")
    case = case_with_debt(
        session, "10000.00", opened=dt.date(2023, 9, 1), contract_date=dt.date(2023, 9, 1), accruing=True
    )
    session.commit()
    accrue(session, dt.date(2023, 9, 11), [case.id])
    session.commit()
    # a bank file brings a payment of 6 Sep after the 11 Sep accrual: 400 of interest was owed that day
    post_entry(session, clerk, case.id, "payment", D("5400.00"), dt.date(2023, 9, 6), "manual")
    session.commit()
    bal = balance(session, case.id)
    assert bal.principal == D("5000.00")
    # interest: 5 days on 10,000 + 5 days on 5,000 = 600; 400 of it was paid
    assert bal.interest == D("200.00")
    assert balance(session, case.id, dt.date(2023, 9, 6)).interest == D("0.00")
    assert accrue(session, dt.date(2023, 9, 11), [case.id]).entries == 0


def test_court_order_fixes_the_amount_and_art395_follows_when_enabled(session, monkeypatch) -> None:
    case = case_with_debt(
        session, "10000.00", opened=dt.date(2024, 6, 1), contract_date=dt.date(2024, 6, 1), accruing=True
    )
    row = session.get(Case, case.id)
    row.stage = "order_in_force"
    row.court_act_date = dt.date(2024, 7, 20)
    row.awarded_amount = D("10000.00")
    session.commit()
    accrue(session, dt.date(2024, 8, 10), [case.id])
    session.commit()
    # contractual accrual stopped on the act date: 1 Jun -> 20 Jul is 49 days
    assert balance(session, case.id).interest == D("3920.00")
    monkeypatch.setenv("CESSIO_LEDGER_ART395_AFTER_COURT_ACT", "1")
    reset_settings_cache()
    summary = accrue(session, dt.date(2024, 8, 10), [case.id])
    session.commit()
    assert summary.statutory == D("98.91")
    assert balance(session, case.id).interest == D("4018.91")


def test_closed_cases_and_cases_without_principal_are_skipped(session) -> None:
    closed = case_with_debt(session, "1000.00", stage="repaid", accruing=True)
    empty = case_with_debt(session, "0")
    session.commit()
    summary = accrue(session, dt.date(2024, 6, 1), [closed.id, empty.id])
    assert summary.entries == 0
    assert summary.skipped == {"closed": 1, "no principal": 1}


def test_nightly_job_accrues_in_chunks_and_is_idempotent(engine) -> None:
    from sqlalchemy.orm import sessionmaker

    from jobs.accrual import JOB, run_accrual

    assert JOB.daily_at == "accrual_job_time"
    s = sessionmaker(bind=engine, expire_on_commit=False)()
    ids = [
        case_with_debt(s, "1000.00", opened=dt.date(2023, 9, 1), contract_date=dt.date(2023, 9, 1), accruing=True).id
        for _ in range(3)
    ]
    s.commit()
    first = run_accrual(dt.date(2023, 9, 11), chunk=2)
    assert "3 cases, 3 entries" in first
    second = run_accrual(dt.date(2023, 9, 11), chunk=2)
    assert "3 cases, 0 entries" in second
    assert [balance(s, i).interest for i in ids] == [D("80.00")] * 3
    s.close()


def test_accrual_starts_after_the_register_interest_date(session) -> None:
    from tests.ledger.helpers import SYSTEM

    case = case_with_debt(
        session, "10000.00", opened=dt.date(2023, 9, 1), contract_date=dt.date(2023, 9, 1), accruing=True
    )
    # the cedent's register: interest accrued up to 21 Sep
    post_entry(session, SYSTEM, case.id, "interest", D("1600.00"), dt.date(2023, 9, 21), "import", "register")
    session.commit()
    accrue(session, dt.date(2023, 9, 26), [case.id])
    session.commit()
    assert balance(session, case.id).interest == D("2000.00")  # 1600 + 5 days * 80

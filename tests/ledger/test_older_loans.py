"""Older loans and edge cases of the accrual (issue #18 item 6), each vector computed by hand.

Sources: 353-FZ art. 5 p. 24 (one-year loans), Civil Code art. 192 (a year ends on the same date),
Supreme Court ruling 7-КГ17-4 (loans before 29.03.2016), 151-FZ art. 12 / 12.1 (caps of 2016-2018
for microfinance organisations, penalties excluded), Government Decree 497 (moratorium
01.04.2022-01.10.2022), Civil Code art. 395 p. 5 (no interest on interest).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.cases.models import Case
from core.config import reset_settings_cache
from core.ledger.accrual import Terms, accrue, compute_art395, compute_contractual, pre2016_rate_after_due
from core.ledger.rates import KeyRateUnknown, key_rate_on, within_one_year
from core.ledger.service import balance
from tests.ledger.helpers import case_with_debt

D = Decimal


def terms(**kw: object) -> Terms:
    base: dict[str, object] = {
        "contract_date": dt.date(2023, 9, 1),
        "loan_amount": D("10000.00"),
        "daily_rate": D("0.8"),
        "penalty_annual": D("0"),
        "term_days": 30,
        "due_date": dt.date(2023, 10, 1),
        "opening_date": dt.date(2023, 9, 1),
    }
    base.update(kw)
    return Terms(**base)  # type: ignore[arg-type]


def principal(day: dt.date) -> list[tuple[dt.date, Decimal]]:
    return [(day, D("10000.00"))]


def test_one_year_loan_over_29_february_gets_its_total_cap() -> None:
    """01.09.2023 -> 01.09.2024 is one year and 366 days (it holds 29.02.2024). 0.8%/day on
    10,000 = 80 a day; the cap of 1.3 x 10,000 = 13,000 is reached after 162.5 days, so to
    31.12.2024 the interest is 13,000.00, not 80 x 487 days = 38,960.00."""
    assert within_one_year(dt.date(2023, 9, 1), 366)
    assert not within_one_year(dt.date(2023, 9, 1), 367)
    assert not within_one_year(dt.date(2022, 9, 1), 366)  # no 29 February in that year
    assert within_one_year(dt.date(2024, 2, 29), 365)  # to 28.02.2025
    t = terms(term_days=366, due_date=dt.date(2024, 9, 1))
    result = compute_contractual(t, principal(dt.date(2023, 9, 1)), dt.date(2024, 12, 31))
    assert (result.interest, result.penalty) == (D("13000.00"), D("0.00"))


def test_loan_before_29_march_2016_stops_contract_rate_at_due_date() -> None:
    """Contract 01.06.2015, 2%/day for 30 days (due 01.07.2015): 30 x 200 = 6,000.00 of interest.
    Default setting (no average market rate known): nothing after the due date. With 17.5% a year
    configured: 183 days (02.07-31.12.2015) x 10,000 x 17.5% / 365 = 877.40 more = 6,877.40."""
    base = dict(
        contract_date=dt.date(2015, 6, 1),
        daily_rate=D("2"),
        due_date=dt.date(2015, 7, 1),
        opening_date=dt.date(2015, 6, 1),
    )
    changes = principal(dt.date(2015, 6, 1))
    through = dt.date(2015, 12, 31)
    default = compute_contractual(terms(**base, rate_after_due=pre2016_rate_after_due(None)), changes, through)
    assert default.interest == D("6000.00")
    configured = compute_contractual(terms(**base, rate_after_due=pre2016_rate_after_due(D("17.5"))), changes, through)
    assert configured.interest == D("6877.40")
    contract_rate = compute_contractual(terms(**base), changes, through)
    assert contract_rate.interest == D("42600.00")  # 213 days x 200: what the old code charged


def test_2016_microloan_cap_is_on_interest_only_and_leaves_the_penalty() -> None:
    """Contract 01.06.2016 (407-FZ: interest <= 4 x loan, microfinance organisations only),
    2%/day, 30 days, penalty 20% a year from 02.07.2016. To 30.06.2017: interest stops at 40,000.00
    (day 200); the penalty runs on: 183 days of 2016 x 2,000/366 = 1,000.00 and 181 days of 2017 x
    2,000/365 = 991.78, in all 1,991.78 (the old code cut interest + penalty at 40,000)."""
    t = terms(
        contract_date=dt.date(2016, 6, 1),
        daily_rate=D("2"),
        penalty_annual=D("20"),
        due_date=dt.date(2016, 7, 1),
        opening_date=dt.date(2016, 6, 1),
    )
    result = compute_contractual(t, principal(dt.date(2016, 6, 1)), dt.date(2017, 6, 30))
    assert (result.interest, result.penalty) == (D("40000.00"), D("1991.78"))
    # a bank's consumer loan of 2016 was not under 151-FZ: no multiple cap (2%/day x 394 days, 02.06.2016-30.06.2017)
    bank = compute_contractual(
        Terms(**{**t.__dict__, "is_microloan": False}), principal(dt.date(2016, 6, 1)), dt.date(2017, 6, 30)
    )
    assert bank.interest == D("78800.00")


def test_2017_microloan_interest_stops_at_twice_the_unpaid_principal() -> None:
    """Contract 01.03.2017 (230-FZ: 151-FZ art. 12.1 p. 1): interest at most 2 x unpaid principal
    = 20,000.00, below the 3 x 10,000 multiple; penalty outside the cap (none here)."""
    t = terms(
        contract_date=dt.date(2017, 3, 1),
        daily_rate=D("2"),
        due_date=dt.date(2017, 3, 31),
        opening_date=dt.date(2017, 3, 1),
    )
    result = compute_contractual(t, principal(dt.date(2017, 3, 1)), dt.date(2018, 3, 1))
    assert result.interest == D("20000.00")


def test_no_penalty_through_the_2022_moratorium() -> None:
    """Contract 01.10.2021, no interest, penalty 20% a year from 02.01.2022 to 31.12.2022 = 364
    days, less the 184 days 01.04-01.10.2022 (Decree 497) = 180 days x 2,000/365 = 986.30."""
    t = terms(
        contract_date=dt.date(2021, 10, 1),
        daily_rate=D("0"),
        penalty_annual=D("20"),
        due_date=dt.date(2022, 1, 1),
        opening_date=dt.date(2021, 10, 1),
    )
    result = compute_contractual(t, principal(dt.date(2021, 10, 1)), dt.date(2022, 12, 31))
    assert result.penalty == D("986.30")
    # a loan taken during the moratorium is not covered by it: 364 days x 2,000/365 = 1,994.52
    later = compute_contractual(
        terms(**{**t.__dict__, "contract_date": dt.date(2022, 5, 1)}),
        principal(dt.date(2021, 10, 1)),
        dt.date(2022, 12, 31),
    )
    assert later.penalty == D("1994.52")


def test_art395_only_on_the_principal_part_of_an_award() -> None:
    """Award of 10.01.2024: 15,000 = principal 10,000 + interest 5,000. 11-31.01.2024, 21 days at
    16%: 10,000 x 16% x 21/366 = 91.80 (on the whole 15,000 it would be 137.70)."""
    changes = principal(dt.date(2023, 9, 1))
    assert compute_art395(D("15000"), dt.date(2024, 1, 10), [], dt.date(2024, 1, 31), changes) == D("91.80")
    assert compute_art395(D("15000"), dt.date(2024, 1, 10), [], dt.date(2024, 1, 31)) == D("137.70")


def test_art395_pauses_for_the_moratorium() -> None:
    """Act 01.03.2022 on a 2021 loan, to 31.10.2022: 30 days of March at 20% = 164.38, then
    nothing 01.04-01.10, then 30 days of October at 7.5% = 61.64; in all 226.03."""
    changes = principal(dt.date(2021, 10, 1))
    got = compute_art395(
        D("10000"), dt.date(2022, 3, 1), [], dt.date(2022, 10, 31), changes, obligation_from=dt.date(2021, 10, 1)
    )
    assert got == D("226.03")


def test_day_before_the_key_rate_table_gives_a_clear_message() -> None:
    with pytest.raises(KeyRateUnknown, match="13.09.2013"):
        key_rate_on(dt.date(2012, 5, 1))


def test_nightly_accrual_survives_an_act_before_the_rate_table(session, monkeypatch) -> None:
    """A judgment of 2012 on an old loan: art. 395 cannot be computed from the key-rate table;
    the job books the contractual part, names the case and does not stop."""
    monkeypatch.setenv("CESSIO_LEDGER_ART395_AFTER_COURT_ACT", "1")
    reset_settings_cache()
    try:
        case = case_with_debt(
            session, "10000.00", opened=dt.date(2011, 6, 1), contract_date=dt.date(2011, 6, 1), accruing=True
        )
        row = session.get(Case, case.id)
        row.stage = "judgment"
        row.court_act_date = dt.date(2012, 1, 10)
        row.awarded_amount = D("10000.00")
        session.commit()
        summary = accrue(session, dt.date(2024, 8, 10), [case.id])
        session.commit()
        assert summary.skipped["no key rate"] == 1
        assert "13.09.2013" in summary.text()
        assert balance(session, case.id).principal == D("10000.00")
    finally:
        monkeypatch.delenv("CESSIO_LEDGER_ART395_AFTER_COURT_ACT")
        reset_settings_cache()

"""Rate tables the ledger computes with, kept as data with their sources.

- ``CAPS``: the consumer-credit caps of Federal Law No. 353-FZ "On consumer credit (loans)"
  by the date the contract was concluded: the daily interest rate cap (art. 6 para. 23) and the
  cap on interest, penalties and other charges for loans of up to one year, as a multiple of the
  loan amount (art. 5 para. 24; before 2019-01-28, Federal Law No. 151-FZ art. 12 / 12.1 for
  microloans): 4x from 2016-03-29 (407-FZ), 3x from 2017-01-01 (230-FZ); 554-FZ of 27.12.2018:
  2.5x and 1.5%/day from 2019-01-28, 2x and 1%/day from 2019-07-01, 1.5x from 2020-01-01;
  601-FZ of 29.12.2022: 1.3x and 0.8%/day from 2023-07-01.
- ``KEY_RATES``: the Bank of Russia key rate by period (``data/key_rates.csv``), used for
  interest under Civil Code art. 395 para. 1.
"""

from __future__ import annotations

import csv
import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from core.money import to_kopecks

D = Decimal


@dataclass(frozen=True)
class ConsumerLoanCap:
    """Caps for contracts concluded on or after ``effective_from``."""

    effective_from: dt.date
    daily_rate_percent: Decimal | None  # None: no daily cap in force
    total_multiple: Decimal | None  # interest + penalties + charges <= multiple x loan amount
    source: str


CAPS: tuple[ConsumerLoanCap, ...] = (
    ConsumerLoanCap(dt.date(2016, 3, 29), None, D("4"), "151-FZ art. 12 para. 1 subpara. 9 (407-FZ)"),
    ConsumerLoanCap(dt.date(2017, 1, 1), None, D("3"), "151-FZ art. 12.1 (230-FZ)"),
    ConsumerLoanCap(dt.date(2019, 1, 28), D("1.5"), D("2.5"), "353-FZ art. 5 para. 24, art. 6 para. 23 (554-FZ)"),
    ConsumerLoanCap(dt.date(2019, 7, 1), D("1"), D("2"), "554-FZ art. 3 para. 2"),
    ConsumerLoanCap(dt.date(2020, 1, 1), D("1"), D("1.5"), "554-FZ art. 3 para. 3"),
    ConsumerLoanCap(dt.date(2023, 7, 1), D("0.8"), D("1.3"), "353-FZ art. 5 para. 24, art. 6 para. 23 (601-FZ)"),
)

# Penalty caps, 353-FZ art. 5 para. 21: at most 20% a year while interest accrues on the
# overdue amount, or 0.1% a day of the overdue amount when no interest accrues for that period.
PENALTY_CAP_ANNUAL_WITH_INTEREST = D("20")
PENALTY_CAP_DAILY_WITHOUT_INTEREST = D("0.1")
SHORT_LOAN_DAYS = 365  # "up to one year": the total cap applies to these


def cap_for(contract_date: dt.date) -> ConsumerLoanCap | None:
    """The caps in force when the contract was concluded (None before any cap)."""
    current: ConsumerLoanCap | None = None
    for cap in CAPS:
        if contract_date >= cap.effective_from:
            current = cap
    return current


@dataclass(frozen=True)
class KeyRate:
    effective_from: dt.date
    rate: Decimal  # percent per year


_DATA = Path(__file__).with_name("data") / "key_rates.csv"


@lru_cache(maxsize=1)
def key_rates() -> tuple[KeyRate, ...]:
    rows: list[KeyRate] = []
    with _DATA.open(encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    for rec in csv.DictReader(lines):
        rows.append(KeyRate(dt.date.fromisoformat(rec["effective_from"]), Decimal(rec["rate"])))
    rows.sort(key=lambda r: r.effective_from)
    return tuple(rows)


def key_rate_on(day: dt.date) -> Decimal:
    rates = key_rates()
    idx = bisect_right([r.effective_from for r in rates], day) - 1
    if idx < 0:
        raise ValueError(f"no key rate is known for {day:%d.%m.%Y} (the table starts {rates[0].effective_from})")
    return rates[idx].rate


def days_in_year(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


@dataclass(frozen=True)
class RatePeriod:
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)
    days: int
    rate: Decimal
    year_days: int
    amount: Decimal  # unrounded interest of the period


def statutory_interest_periods(principal: Decimal, first_day: dt.date, last_day: dt.date) -> list[RatePeriod]:
    """Civil Code art. 395 interest on ``principal`` for the days ``first_day``..``last_day``
    inclusive, split where the key rate changes and at each new year (a day is 1/365 or 1/366
    of the year it falls in, as the courts compute it)."""
    if last_day < first_day or principal <= 0:
        return []
    cuts = {first_day, last_day + dt.timedelta(days=1)}
    cuts.update(r.effective_from for r in key_rates() if first_day < r.effective_from <= last_day)
    cuts.update(dt.date(y, 1, 1) for y in range(first_day.year + 1, last_day.year + 1))
    points = sorted(cuts)
    periods: list[RatePeriod] = []
    for a, b in pairwise(points):
        days = (b - a).days
        rate = key_rate_on(a)
        ydays = days_in_year(a.year)
        periods.append(
            RatePeriod(a, b - dt.timedelta(days=1), days, rate, ydays, principal * rate / 100 * days / ydays)
        )
    return periods


def statutory_interest(principal: Decimal, first_day: dt.date, last_day: dt.date) -> Decimal:
    """Total art. 395 interest, rounded half-up to kopecks once at the end."""
    return to_kopecks(sum((p.amount for p in statutory_interest_periods(principal, first_day, last_day)), D("0")))

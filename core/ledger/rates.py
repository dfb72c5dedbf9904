"""Rate tables the ledger computes with, kept as data with their sources.

- ``CAPS``: the consumer-credit caps of Federal Law No. 353-FZ "On consumer credit (loans)"
  by the date the contract was concluded: the daily interest rate cap (art. 6 para. 23) and the
  cap on interest, penalties and other charges for loans of up to one year, as a multiple of the
  loan amount (art. 5 para. 24; before 2019-01-28, Federal Law No. 151-FZ art. 12 / 12.1 for
  microloans): 4x from 2016-03-29 (407-FZ), 3x from 2017-01-01 (230-FZ); 554-FZ of 27.12.2018:
  2.5x and 1.5%/day from 2019-01-28, 2x and 1%/day from 2019-07-01, 1.5x from 2020-01-01;
  601-FZ of 29.12.2022: 1.3x and 0.8%/day from 2023-07-01.
- ``KEY_RATES``: the Bank of Russia key rate by period (``data/key_rates.csv``, plus decisions
  an admin added later with ``cessio rates add``, kept in ``key_rate_decisions``), used for
  interest under Civil Code art. 395 para. 1. ``rate_table_status`` says whether the table is
  out of date: the last known decision is older than the next scheduled board meeting
  (``data/key_rate_meetings.csv``).
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

from core.errors import ValidationFailed
from core.i18n import _
from core.money import to_kopecks

D = Decimal


@dataclass(frozen=True)
class ConsumerLoanCap:
    """Caps for contracts concluded on or after ``effective_from``."""

    effective_from: dt.date
    daily_rate_percent: Decimal | None  # None: no daily cap in force
    total_multiple: Decimal | None  # capped charges <= multiple x loan amount
    source: str
    microloan_only: bool = False  # the cap bound microfinance organisations only (151-FZ)
    includes_penalty: bool = True  # the penalty counts toward the multiple
    interest_to_unpaid_principal: Decimal | None = None  # interest <= this x unpaid principal


CAPS: tuple[ConsumerLoanCap, ...] = (
    # 151-FZ art. 12 p. 1 subp. 9 (407-FZ of 29.12.2015): a microfinance organisation may not
    # accrue *interest* once it reaches four times the loan (penalties and paid services excluded).
    ConsumerLoanCap(
        dt.date(2016, 3, 29),
        None,
        D("4"),
        "151-FZ art. 12 p. 1 subp. 9 (407-FZ)",
        microloan_only=True,
        includes_penalty=False,
    ),
    # 151-FZ art. 12 p. 1 subp. 9 (230-FZ of 03.07.2016): interest and other payments up to three
    # times the loan, "за исключением неустойки (штрафа, пени)"; art. 12.1 p. 1: after the
    # delinquency interest runs only until it reaches twice the unpaid principal.
    ConsumerLoanCap(
        dt.date(2017, 1, 1),
        None,
        D("3"),
        "151-FZ art. 12 p. 1 subp. 9, art. 12.1 (230-FZ)",
        microloan_only=True,
        includes_penalty=False,
        interest_to_unpaid_principal=D("2"),
    ),
    # From 28.01.2019 every consumer lender, penalties included (353-FZ art. 5 p. 24 and the
    # transitional caps of 554-FZ art. 3).
    ConsumerLoanCap(dt.date(2019, 1, 28), D("1.5"), D("2.5"), "353-FZ art. 5 para. 24, art. 6 para. 23 (554-FZ)"),
    ConsumerLoanCap(dt.date(2019, 7, 1), D("1"), D("2"), "554-FZ art. 3 para. 2"),
    ConsumerLoanCap(dt.date(2020, 1, 1), D("1"), D("1.5"), "554-FZ art. 3 para. 3"),
    ConsumerLoanCap(dt.date(2023, 7, 1), D("0.8"), D("1.3"), "353-FZ art. 5 para. 24, art. 6 para. 23 (601-FZ)"),
)
# Before the first cap (407-FZ), courts limit a short loan's contract rate to its term:
# Supreme Court ruling No. 7-КГ17-4 of 22.08.2017 (see ``Terms.rate_after_due``).
FIRST_CAP_DATE = dt.date(2016, 3, 29)
# Moratorium on bankruptcy claims, Government Decree No. 497 of 28.03.2022, in force 01.04.2022
# for six months (to 01.10.2022 inclusive): no penalties and no art. 395 interest for the period
# on obligations that arose before it (Bankruptcy Law art. 9.1 p. 3 subp. 2 with art. 63 p. 1
# subp. 2; Supreme Court Plenum No. 44 of 24.12.2020, p. 7).
MORATORIUM_2022 = (dt.date(2022, 4, 1), dt.date(2022, 10, 1))


def in_moratorium(day: dt.date, obligation_from: dt.date) -> bool:
    """No penalty or art. 395 interest accrues on ``day`` for an obligation that arose on
    ``obligation_from`` (Decree 497: obligations that arose before 01.04.2022)."""
    start, end = MORATORIUM_2022
    return obligation_from < start and start <= day <= end


def within_one_year(contract_date: dt.date, term_days: int) -> bool:
    """353-FZ art. 5 p. 24 "срок возврата ... не превышает одного года": a year counted from the
    contract date to the same date next year (Civil Code art. 192 p. 1; 29 February -> 28 February),
    so a one-year loan over 29 February (366 days) is a short loan."""
    try:
        year_later = contract_date.replace(year=contract_date.year + 1)
    except ValueError:
        year_later = dt.date(contract_date.year + 1, 2, 28)
    return term_days <= (year_later - contract_date).days


# Penalty caps, 353-FZ art. 5 para. 21: at most 20% a year while interest accrues on the
# overdue amount, or 0.1% a day of the overdue amount when no interest accrues for that period.
PENALTY_CAP_ANNUAL_WITH_INTEREST = D("20")
PENALTY_CAP_DAILY_WITHOUT_INTEREST = D("0.1")


def cap_for(contract_date: dt.date, is_microloan: bool = True) -> ConsumerLoanCap | None:
    """The caps in force when the contract was concluded (None before any cap, or for a bank's
    loan while the caps bound microfinance organisations only)."""
    current: ConsumerLoanCap | None = None
    for cap in CAPS:
        if contract_date >= cap.effective_from:
            current = cap
    if current is not None and current.microloan_only and not is_microloan:
        return None
    return current


@dataclass(frozen=True)
class KeyRate:
    effective_from: dt.date
    rate: Decimal  # percent per year


_DATA = Path(__file__).with_name("data") / "key_rates.csv"


@lru_cache(maxsize=1)
def shipped_key_rates() -> tuple[KeyRate, ...]:
    rows: list[KeyRate] = []
    with _DATA.open(encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    for rec in csv.DictReader(lines):
        rows.append(KeyRate(dt.date.fromisoformat(rec["effective_from"]), Decimal(rec["rate"])))
    rows.sort(key=lambda r: r.effective_from)
    return tuple(rows)


_added: dict[dt.date, Decimal] = {}


def use_added_rates(rows: dict[dt.date, Decimal]) -> None:
    """Decisions added by an admin (from ``key_rate_decisions``), merged over the shipped table."""
    _added.clear()
    _added.update(rows)


def key_rates() -> tuple[KeyRate, ...]:
    """The shipped table with the admin's added decisions (an added date overrides the shipped)."""
    if not _added:
        return shipped_key_rates()
    merged = {r.effective_from: r.rate for r in shipped_key_rates()} | _added
    return tuple(KeyRate(d, merged[d]) for d in sorted(merged))


class KeyRateUnknown(ValidationFailed):
    """A day before the first key rate of the table: art. 395 interest cannot be computed."""


def key_rate_on(day: dt.date) -> Decimal:
    rates = key_rates()
    idx = bisect_right([r.effective_from for r in rates], day) - 1
    if idx < 0:
        raise KeyRateUnknown(
            _(
                "No key rate is known for {day}: the table starts on {start}. Art. 395 interest before that day "
                "is computed by hand (the refinancing rate or the average bank deposit rate of the time)."
            ).format(day=f"{day:%d.%m.%Y}", start=f"{rates[0].effective_from:%d.%m.%Y}"),
            {"date": "before the key-rate table"},
        )
    return rates[idx].rate


_MEETINGS = Path(__file__).with_name("data") / "key_rate_meetings.csv"
LONGEST_MEETING_GAP = dt.timedelta(days=56)


@lru_cache(maxsize=1)
def board_meetings() -> tuple[dt.date, ...]:
    """Scheduled key-rate meetings of the Bank of Russia's board (announcement days)."""
    with _MEETINGS.open(encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return tuple(sorted(dt.date.fromisoformat(rec["meeting"]) for rec in csv.DictReader(lines)))


@dataclass(frozen=True)
class RateTableStatus:
    last_decision: dt.date  # effective date of the last decision known to the table
    next_meeting: dt.date  # the first meeting after it (scheduled, or by the longest gap)
    stale: bool

    def message(self) -> str:
        if not self.stale:
            return ""
        return _(
            "The key-rate table may be out of date: its last decision took effect on {last}, and the Bank of "
            "Russia's board was due to decide again on {meeting}. Art. 395 interest after that day uses the last "
            "known rate. An admin adds the decision with `cessio rates add DATE RATE`."
        ).format(last=f"{self.last_decision:%d.%m.%Y}", meeting=f"{self.next_meeting:%d.%m.%Y}")


def rate_table_status(today: dt.date) -> RateTableStatus:
    """Out of date when the first board meeting after the last known decision has passed (the
    decision is announced on the meeting day and takes effect on the next working day)."""
    last = key_rates()[-1].effective_from
    upcoming = [m for m in board_meetings() if m >= last]
    meeting = upcoming[0] if upcoming else last + LONGEST_MEETING_GAP
    return RateTableStatus(last, meeting, today > meeting)


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

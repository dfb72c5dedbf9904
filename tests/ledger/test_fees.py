"""State fee vectors at every band boundary (Tax Code art. 333.19), old and new scale by date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.ledger.fees import FilingKind, state_fee

NEW = dt.date(2024, 9, 9)
OLD = dt.date(2024, 9, 8)
D = Decimal

NEW_VECTORS = [
    ("1.00", "4000"),
    ("100000.00", "4000"),
    ("100000.01", "4000"),  # 4000 + 3% of 0.01 = 4000.0003
    ("100016.67", "4001"),  # 4000.5001 -> rounds up
    ("100016.66", "4000"),  # 4000.4998 -> dropped
    ("300000.00", "10000"),
    ("300000.01", "10000"),
    ("500000.00", "15000"),
    ("500000.01", "15000"),
    ("1000000.00", "25000"),
    ("1000000.01", "25000"),
    ("3000000.00", "45000"),
    ("3000000.01", "45000"),
    ("8000000.00", "80000"),
    ("8000000.01", "80000"),
    ("24000000.00", "136000"),
    ("24000000.01", "136000"),
    ("50000000.00", "214000"),
    ("50000000.01", "214000"),
    ("100000000.00", "314000"),
    ("100000000.01", "314000"),
    ("200000000.00", "464000"),
    ("500000000.00", "900000"),  # 314000 + 600000 -> capped at 900,000
]

OLD_VECTORS = [
    ("5000.00", "400"),  # 4% = 200, at least 400
    ("10000.00", "400"),
    ("20000.00", "800"),
    ("20000.01", "800"),  # 800 + 3% of 0.01
    ("30000.00", "1100"),
    ("100000.00", "3200"),
    ("100000.01", "3200"),
    ("200000.00", "5200"),
    ("200000.01", "5200"),
    ("1000000.00", "13200"),
    ("1000000.01", "13200"),
    ("10000000.00", "58200"),
    ("20000000.00", "60000"),  # capped at 60,000
    ("45312.50", "1559"),  # 800 + 759.375 = 1559.375 -> 1559
]


@pytest.mark.parametrize(("amount", "fee"), NEW_VECTORS)
def test_new_scale_claim(amount: str, fee: str) -> None:
    assert state_fee(D(amount), NEW, FilingKind.CLAIM) == D(fee)


@pytest.mark.parametrize(("amount", "fee"), OLD_VECTORS)
def test_old_scale_claim(amount: str, fee: str) -> None:
    assert state_fee(D(amount), OLD, FilingKind.CLAIM) == D(fee)


@pytest.mark.parametrize(
    ("amount", "filed", "fee"),
    [
        ("30000.00", NEW, "2000"),  # half of 4000
        ("150000.00", NEW, "2750"),  # half of 5500
        ("100016.67", NEW, "2000"),  # half of 4000.5001 = 2000.25 -> 2000 (rounded once, at the end)
        ("30000.00", OLD, "550"),  # half of 1100
        ("10000.00", OLD, "200"),  # half of the 400 minimum
        ("45312.50", OLD, "780"),  # half of 1559.375 = 779.6875 -> 780
        ("20000000.00", OLD, "30000"),
    ],
)
def test_court_order_is_half_of_the_claim_fee(amount: str, filed: dt.date, fee: str) -> None:
    assert state_fee(D(amount), filed, FilingKind.COURT_ORDER) == D(fee)
    assert state_fee(D(amount), filed, "court_order") == D(fee)


def test_filing_date_picks_the_scale() -> None:
    amount = D("30000.00")
    assert state_fee(amount, dt.date(2024, 9, 8), FilingKind.CLAIM) == D("1100")
    assert state_fee(amount, dt.date(2024, 9, 9), FilingKind.CLAIM) == D("4000")


def test_result_is_whole_rubles_decimal() -> None:
    fee = state_fee(D("123456.78"), NEW, FilingKind.CLAIM)
    assert isinstance(fee, Decimal)
    assert fee == fee.to_integral_value()
    assert fee == D("4704")  # 4000 + 703.7034


@pytest.mark.parametrize("bad", [0.0, 100.5, D("0"), D("-5")])
def test_bad_amounts_are_refused(bad: object) -> None:
    with pytest.raises(ValidationFailed):
        state_fee(bad, NEW, FilingKind.CLAIM)  # type: ignore[arg-type]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="claim or court_order"):
        state_fee(D("1000"), NEW, "appeal")

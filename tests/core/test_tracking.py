"""Tracking numbers: UPU S10 and the Russian 14-digit identifier, with the rule that failed."""

from __future__ import annotations

import pytest

from core.postal.tracking import domestic_check_digit, s10_check_digit, tracking_problem


@pytest.mark.parametrize("valid", ["RA123456785RU", "ra 123456785 ru", "EE123456785RU"])
def test_valid_s10(valid: str) -> None:
    assert tracking_problem(valid) is None


def test_s10_weights_and_special_values() -> None:
    assert s10_check_digit("12345678") == 5
    # sum mod 11 == 1 -> 10 -> 0 ; sum mod 11 == 0 -> 11 -> 5
    assert s10_check_digit("00000000") == 5
    assert s10_check_digit("00000001") == 4


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("RA123456784RU", "check digit"),
        ("RA12345678RU", "13 characters"),
        ("R1123456785RU", "2 letters"),
        ("", "empty"),
        ("1234567890123", "14 digits"),
    ],
)
def test_invalid_numbers_say_why(bad: str, why: str) -> None:
    problem = tracking_problem(bad)
    assert problem is not None and why in problem


def test_domestic_identifier() -> None:
    first13 = "1010000100001"
    number = first13 + str(domestic_check_digit(first13))
    assert tracking_problem(number) is None
    wrong = first13 + str((domestic_check_digit(first13) + 1) % 10)
    assert "check digit" in (tracking_problem(wrong) or "")
    # (10 - ((3 * odd) + even) mod 10) mod 10 computed by hand for 8010201000001:
    # odd positions 8,1,2,1,0,0,1 = 13 -> 39; even 0,0,0,0,0,0 = 0 -> 39 mod 10 = 9 -> 1
    assert domestic_check_digit("8010201000001") == 1

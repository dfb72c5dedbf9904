"""Tracking-number rules: UPU S10 and the Russian 14-digit identifier, with the failed rule named."""

from __future__ import annotations

import pytest

from core.postal.tracking import (
    domestic_check_digit,
    is_valid_tracking,
    normalize_tracking,
    s10_check_digit,
    tracking_problem,
)


@pytest.mark.parametrize("number", ["RA123456785RU", "ra 123 456 785 ru", "RR000000005RU", "EE123456785CN"])
def test_valid_s10_numbers(number: str) -> None:
    assert tracking_problem(number) is None


def test_s10_check_digit_special_cases() -> None:
    # sum mod 11 == 1 -> 11 - 1 = 10 -> 0; sum mod 11 == 0 -> 11 -> 5
    assert s10_check_digit("00000000") == 5
    serial_ten = next(
        f"{n:08d}"
        for n in range(1000)
        if sum(int(d) * w for d, w in zip(f"{n:08d}", (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11 == 1
    )
    assert s10_check_digit(serial_ten) == 0
    assert is_valid_tracking(f"RA{serial_ten}0RU")


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("RA123456784RU", "S10 check digit is wrong: 4 where 5 is expected"),
        ("RA12345678RU", "13 characters"),
        ("R1123456785RU", "2 letters, 9 digits"),
        ("", "empty"),
    ],
)
def test_invalid_s10_numbers_say_which_rule(number: str, words: str) -> None:
    problem = tracking_problem(number)
    assert problem is not None and words in problem


def test_domestic_number_check_digit() -> None:
    first13 = "1010001100010"
    # odd positions 1,1,0,1,0,0,0 -> 3 x 3 = 9; even positions 0,0,0,1,0,1 -> 2; (10 - 11 % 10) % 10 = 9
    assert domestic_check_digit(first13) == 9
    assert is_valid_tracking(first13 + "9")
    assert domestic_check_digit("0000000000000") == 0


def test_invalid_domestic_numbers_say_which_rule() -> None:
    assert "check digit of the 14-digit number is wrong: 8 where 9 is expected" in (
        tracking_problem("10100011000108") or ""
    )
    assert "14 digits, this one has 13" in (tracking_problem("1010001100010") or "")


def test_normalize_strips_spaces_and_dashes() -> None:
    assert normalize_tracking(" 101000-11 00010 9 ") == "10100011000109"

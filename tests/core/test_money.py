"""Parsing the ways amounts are written, rounding, and amounts in Russian words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.money import MoneyParseError, amount_in_words, format_amount, parse_amount, to_rubles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45 300,50", "45300.50"),
        ("45300.50", "45300.50"),
        ("45 300-50 руб.", "45300.50"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("12 руб. 30 коп.", "12.30"),
        ("100", "100.00"),
        ("7\u00a0000,5", "7000.50"),
        ("-15,00", "-15.00"),
        ("(15,00)", "-15.00"),
        ("3 000 ₽", "3000.00"),
        ("12,345", "12345.00"),
        ("1.234.567", "1234567.00"),
        ("0,5", "0.50"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("bad", ["", "abc", "12,345,6", "1.2.3,4,5", "12.345", "1,2,3"])
def test_parse_amount_refuses_garbage(bad: str) -> None:
    with pytest.raises(MoneyParseError):
        parse_amount(bad)


def test_float_is_refused() -> None:
    with pytest.raises(MoneyParseError):
        parse_amount(1.5)  # type: ignore[arg-type]


def test_tax_code_rounding_to_rubles() -> None:
    assert to_rubles(Decimal("4000.49")) == Decimal("4000")
    assert to_rubles(Decimal("4000.50")) == Decimal("4001")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("45300.50", "Сорок пять тысяч триста рублей 50 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("21000", "Двадцать одна тысяча рублей 00 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("111", "Сто одиннадцать рублей 00 копеек"),
        ("2542001.99", "Два миллиона пятьсот сорок две тысячи один рубль 99 копеек"),
        ("0", "Ноль рублей 00 копеек"),
    ],
)
def test_amount_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


def test_format_amount() -> None:
    assert format_amount(Decimal("1234567.8")) == "1\u00a0234\u00a0567,80 руб."


def test_format_amount_short_for_tiles() -> None:
    from core.money import format_amount_short

    assert format_amount_short(Decimal("23684068.40")) == "23,68 млн руб."
    assert format_amount_short(Decimal("-353575.69")) == "-353\u00a0575,69 руб."
    assert format_amount_short(Decimal("2500000000")) == "2,50 млрд руб."

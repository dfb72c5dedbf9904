"""The parsers of messy cell values (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.importer import values as v
from core.importer.mapping import detect_mapping, mapping_problems
from core.importer.read import read_table
from tests.importer.builders import HEADERS_RU, csv_bytes, good_row, tracking


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("31.01.2024", dt.date(2024, 1, 31)),
        ("1.2.2024", dt.date(2024, 2, 1)),
        ("31.01.24", dt.date(2024, 1, 31)),
        ("2024-01-31", dt.date(2024, 1, 31)),
        ("31.01.2024 г.", dt.date(2024, 1, 31)),
        ("2024-01-31 00:00:00", dt.date(2024, 1, 31)),
        ("45322", dt.date(2024, 1, 31)),
        (45322, dt.date(2024, 1, 31)),
        (45322.0, dt.date(2024, 1, 31)),
        (dt.datetime(2024, 1, 31, 0, 0), dt.date(2024, 1, 31)),
    ],
)
def test_dates_in_every_format(cell: object, expected: dt.date) -> None:
    assert v.parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["31.02.2024", "завтра", "99999999", "2024/31/01"])
def test_bad_dates_say_how_to_write_one(cell: str) -> None:
    with pytest.raises(v.ValueProblem) as exc:
        v.parse_date(cell)
    assert cell in str(exc.value) or "date" in str(exc.value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("45 300,50 руб.", Decimal("45300.50")),
        ("45\u00a0300,5", Decimal("45300.50")),
        ("45300.50", Decimal("45300.50")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("12 руб. 30 коп.", Decimal("12.30")),
        (30000, Decimal("30000.00")),
        (15300.5, Decimal("15300.50")),
        (0.1 + 0.2, Decimal("0.30")),
    ],
)
def test_amounts_in_every_format(cell: object, expected: Decimal) -> None:
    assert v.parse_money(cell) == expected


@pytest.mark.parametrize("cell", ["сорок тысяч", "-100", 12.3456])
def test_bad_amounts_are_refused(cell: object) -> None:
    with pytest.raises(v.ValueProblem):
        v.parse_money(cell)


def test_names_in_any_case_and_spacing() -> None:
    assert v.parse_person_name("  иВАНОВ  иван ивановИЧ ") == ("Иванов Иван Иванович", "Иванов", "Иван", "Иванович")
    assert v.parse_person_name("петрова-водкина мария")[0] == "Петрова-Водкина Мария"
    with pytest.raises(v.ValueProblem, match="first name"):
        v.parse_person_name("Иванов")
    with pytest.raises(v.ValueProblem, match="not a person"):
        v.parse_person_name("Иванов 123")


def test_tracking_numbers_are_checked() -> None:
    good = tracking(12345678)
    assert v.parse_tracking(good.lower()[:4] + " " + good[4:]) == good
    with pytest.raises(v.ValueProblem, match="check digit"):
        v.parse_tracking("RA123456789RU")


@pytest.mark.parametrize(("encoding", "delimiter"), [("cp1251", ";"), ("utf-8", ","), ("utf-8-sig", ";")])
def test_csv_encodings_and_separators(encoding: str, delimiter: str) -> None:
    data = csv_bytes([good_row(1)], encoding=encoding, delimiter=delimiter)
    table = read_table(data, "реестр.csv")
    assert table.headers == HEADERS_RU
    assert table.rows[0][2].strip() == "иВАНОВ  иван ивановИЧ"
    assert table.rows[0][5] == "45 300,50 руб."
    assert table.delimiter == delimiter


def test_russian_and_english_headers_are_recognised() -> None:
    mapping = detect_mapping(HEADERS_RU)
    assert mapping["№ договора"] == "contract_number"
    assert mapping["ФИО должника"] == "debtor_name"
    assert mapping["Трек-номер"] == "tracking_number"
    assert mapping["Госпошлина"] == "state_fee"
    english = detect_mapping(
        ["Contract No", "Contract date", "Debtor", "Total debt", "Status", "Tracking number", "Notes"]
    )
    assert english == {
        "Contract No": "contract_number",
        "Contract date": "contract_date",
        "Debtor": "debtor_name",
        "Total debt": "debt_total",
        "Status": "stage",
        "Tracking number": "tracking_number",
        "Notes": "",
    }
    assert mapping_problems(english) == []


def test_a_remembered_choice_wins_and_gaps_are_named() -> None:
    mapping = detect_mapping(["Номер", "Клиент", "Дата", "Долг"], {"клиент": "debtor_name", "Номер": "contract_number"})
    assert mapping["Клиент"] == "debtor_name" and mapping["Номер"] == "contract_number"
    problems = " ".join(mapping_problems(mapping))
    assert "Contract date" in problems


def test_both_xlsx_readers_read_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-calamine when installed, openpyxl's streaming reader otherwise: same parsed rows."""
    import datetime as dt

    from core.importer import read
    from core.importer.mapping import detect_mapping, stage_lookup
    from core.importer.validate import validate_rows
    from tests.importer.builders import xlsx_bytes

    rows = [
        good_row(1, **{"Дата договора": dt.datetime(2023, 5, 4), "Дата рождения": 31048, "Основной долг": 30000}),
        good_row(2, **{"Сумма долга": 45300.5, "Проценты": 15300.5, "№ договора": 123456}),
    ]
    data = xlsx_bytes(rows)
    fast = read.read_table(data, "f.xlsx")
    slow = read.read_xlsx(data, engine="openpyxl")
    assert fast.headers == slow.headers == HEADERS_RU and fast.lines == slow.lines == [2, 3]
    mapping = detect_mapping(HEADERS_RU)
    parsed = [
        [
            r.values
            for r in validate_rows(
                t, mapping, stage_lookup({"Отправлено в суд": "claim_mailed"}), {}, dt.date(2026, 1, 1)
            )
        ]
        for t in (fast, slow)
    ]
    assert parsed[0] == parsed[1]
    assert parsed[0][1]["contract_number"] == "123456" and parsed[0][0]["birth_date"] == dt.date(1985, 1, 1)

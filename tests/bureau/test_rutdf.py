"""The report file: writes the bureau's format, reads back equal, and bad records are caught."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from core.bureau import rutdf
from core.bureau.validation import inn_problem, snils_problem, validate_record

SUBJECT = rutdf.Subject(
    last_name="Ёлкина-Щербакова",
    first_name="Анна",
    middle_name="Сергеевна",
    birth_date=dt.date(1985, 3, 14),
    birth_place="г. Москва",
    passport_series="4510",
    passport_number="123456",
    inn="500100732259",
    snils="11223344595",
)
OBLIGATION = rutdf.Obligation(str(uuid.uuid4()), "ДЗ-0000042", dt.date(2023, 9, 1), Decimal("30000.00"))


def _records() -> tuple[rutdf.Record, ...]:
    base = rutdf.Record(str(uuid.uuid4()), "2.3", dt.date(2026, 11, 20), SUBJECT, OBLIGATION)
    return (
        replace(base, payment=rutdf.Payment(dt.date(2026, 11, 20), Decimal("1234.56"))),
        replace(
            base,
            uid=str(uuid.uuid4()),
            event_code="2.6",
            court=rutdf.CourtAct(
                "order_issued",
                True,
                "Судебный участок № 1 Тверского района",
                dt.date(2026, 11, 10),
                "2-1234/2026",
                False,
                None,
                Decimal("45300.50"),
            ),
        ),
        replace(
            base,
            uid=str(uuid.uuid4()),
            event_code="2.5",
            termination=rutdf.Termination(dt.date(2026, 11, 21), "5", Decimal("28765.44")),
        ),
        replace(
            base,
            uid=str(uuid.uuid4()),
            event_code="2.11",
            assignment=rutdf.Assignment(
                "Ц-7/2024", dt.date(2024, 1, 15), "МФК Пример", "7701234567", "ООО ПКО Цессио", "7707654321"
            ),
            subject=replace(SUBJECT, middle_name=None, inn=None, snils=None),
        ),
        replace(base, uid=str(uuid.uuid4()), event_code="1.9", changed_fields=("passport", "address")),
    )


def _file() -> rutdf.ReportFile:
    header = rutdf.Header("7707654321", "1027700000001", "ООО ПКО Цессио", dt.date(2026, 11, 23), "CESSIO-00000001")
    return rutdf.ReportFile(header, _records())


def test_round_trip_write_then_parse_gives_the_same_report() -> None:
    report = _file()
    assert rutdf.parse(rutdf.write(report)) == report


def test_the_file_is_windows_1251_tab_separated_with_russian_dates_and_decimal_comma() -> None:
    content = rutdf.write(_file())
    assert "Ёлкина".encode("cp1251") in content
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    lines = content.decode("cp1251").split("\r\n")
    assert lines[0].split("\t")[:3] == ["HEADER", "RUTDF", rutdf.FORMAT_VERSION]
    payment = next(line.split("\t") for line in lines if line.startswith("C28_PAYMT"))
    assert payment[2:] == ["20.11.2026", "1234,56"]
    trailer = [line for line in lines if line][-1].split("\t")
    assert trailer[0] == "TRAILER" and trailer[1] == "5"


def test_a_tampered_file_is_refused_with_the_line() -> None:
    text = rutdf.write(_file()).decode("cp1251")
    broken = text.replace("1234,56", "1234.56")
    with pytest.raises(rutdf.RutdfError, match=r"line \d+: payment '1234.56' must use a decimal comma"):
        rutdf.parse(broken.encode("cp1251"))
    lines = text.split("\r\n")
    dropped = "\r\n".join(line for line in lines if not line.startswith("C19_ACCOUNTAMT"))
    with pytest.raises(rutdf.RutdfError, match="no C19_ACCOUNTAMT"):
        rutdf.parse(dropped.encode("cp1251"))


def test_valid_records_have_no_problems() -> None:
    for record in _records():
        assert validate_record(record, dt.date(2026, 11, 23)) == [], record.event_code


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"subject": replace(SUBJECT, passport_number="12")}, "Passport '4510 12' must be a 4-digit series"),
        ({"subject": replace(SUBJECT, inn="500100732258")}, "INN '500100732258' has wrong check digits"),
        ({"subject": replace(SUBJECT, snils="11223344596")}, "SNILS '11223344596' has a wrong check number"),
        ({"subject": replace(SUBJECT, last_name="Ивано😀в")}, "cannot carry"),
        ({"subject": replace(SUBJECT, birth_date=None)}, "Birth date of the debtor is missing"),
        ({"subject": replace(SUBJECT, birth_date=dt.date(2020, 1, 1))}, "gives age 6"),
        ({"event_date": dt.date(2026, 12, 1)}, "is in the future"),
        ({"payment": rutdf.Payment(dt.date(2026, 11, 20), Decimal("0.00"))}, "payment amount must be more than zero"),
    ],
)
def test_invalid_records_are_held_with_a_reason_naming_the_field(change: dict[str, object], expected: str) -> None:
    record = replace(_records()[0], **change)  # type: ignore[arg-type]
    problems = validate_record(record, dt.date(2026, 11, 23))
    assert any(expected in p for p in problems), problems


def test_a_court_order_without_its_act_is_held() -> None:
    court = _records()[1]
    assert court.court is not None
    broken = replace(court, court=replace(court.court, act_date=None, act_number=None))
    problems = validate_record(broken, dt.date(2026, 11, 23))
    assert any("date of the court act is missing" in p for p in problems)
    assert any("number of the court act" in p for p in problems)


def test_check_digits_of_inn_and_snils() -> None:
    assert inn_problem("500100732259") is None
    assert inn_problem("12345") is not None
    assert snils_problem("112-233-445 95") is None
    assert snils_problem("112-233-445 94") is not None

"""Messy legacy spreadsheets, generated: both encodings, both separators, every date and
amount format the department typed over the years. The import benchmark (bench/import.py) writes
its large workbook with the same headers and tracking numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook

from core.postal.tracking import s10_check_digit

HEADERS_RU = [
    "№ договора",
    "Дата договора",
    "ФИО должника",
    "Дата рождения",
    "Кредитор",
    "Сумма долга",
    "Основной долг",
    "Проценты",
    "Госпошлина",
    "Почтовые расходы",
    "Стадия",
    "Ответственный",
    "Суд",
    "Номер дела",
    "Трек-номер",
    "Дата отправки",
]


def tracking(n: int) -> str:
    serial = f"{n:08d}"
    return f"RA{serial}{s10_check_digit(serial)}RU"


def good_row(n: int, **over: Any) -> list[Any]:
    row = {
        "№ договора": f"ДЗ-{n:05d}",
        "Дата договора": "15.03.2023",
        "ФИО должника": "  иВАНОВ  иван ивановИЧ ",
        "Дата рождения": "1985-07-02",
        "Кредитор": "МФК Быстроденьги",
        "Сумма долга": "45 300,50 руб.",
        "Основной долг": "30 000",
        "Проценты": "15300.50",
        "Госпошлина": "775,00",
        "Почтовые расходы": "",
        "Стадия": "Отправлено в суд",
        "Ответственный": "Петрова А.С.",
        "Суд": "Судебный участок № 3 Тверского района",
        "Номер дела": "",
        "Трек-номер": tracking(n),
        "Дата отправки": "01.02.2024",
    }
    row.update(over)
    return [row[h] for h in HEADERS_RU]


def csv_bytes(
    rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ";", headers: list[str] | None = None
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(headers or HEADERS_RU)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers or HEADERS_RU)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def messy_rows() -> list[list[Any]]:
    """Lines 2..: good rows in every format, bad rows of every kind, a duplicate."""
    return [
        good_row(1),  # 2 good
        good_row(
            2,
            **{
                "Дата договора": "2023-04-01",
                "Сумма долга": "12 000",
                "Основной долг": "10000,00",
                "Проценты": "2 000 руб.",
                "Стадия": "новый",
                "Трек-номер": "",
                "Дата отправки": "",
                "ФИО должника": "петрова-водкина мария сергеевна",
            },
        ),  # 3 good
        good_row(3, **{"Дата договора": "45000", "Стадия": "приказ вынесен", "Номер дела": "2-123/2024"}),  # 4 serial
        good_row(4, **{"Дата договора": "31.02.2023"}),  # 5 bad date
        good_row(5, **{"Сумма долга": "сорок тысяч"}),  # 6 bad amount
        good_row(6, **{"ФИО должника": "Иванов"}),  # 7 no first name
        good_row(7, **{"Стадия": "в космосе"}),  # 8 unknown stage word
        good_row(8, **{"Трек-номер": "RA123456789RU"}),  # 9 bad check digit
        good_row(9, **{"№ договора": ""}),  # 10 missing contract number
        good_row(1),  # 11 exact duplicate of line 2
        good_row(10, **{"Дата рождения": "01.01.2030"}),  # 12 birth date in the future
        good_row(11, **{"Ответственный": "Сидоров С.С."}),  # 13 good, unknown responsible (warning)
    ]


def today() -> dt.date:
    return dt.date.today()

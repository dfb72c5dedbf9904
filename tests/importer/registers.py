"""Registers as departments keep them, generated with the truth about every line.

The shapes come from the registers departments send (issue #15): a summary sheet before the
register, a bold title merged across the sheet and an "exported by" line above the header, a
header over two rows under a merged "Задолженность", a `№ п/п` column, a hidden column, the
department's status words (abbreviations, typos), responsible people by surname and initials
(and one nobody knows), dates as `12.03.23г.`, amounts as `15 000,00 р.`, numbers stored as
text with an apostrophe, 14-digit tracking numbers that Excel stored as numbers, blank rows, a
note typed across the sheet, the header repeated at a page break, an `ИТОГО:` row and a row of
sums at the bottom, contracts typed twice (the same, and with another amount), and about 1% of
rows with a real mistake. ``Truth`` says what each line is, so the benchmark and the tests can
check that no line is lost or imported twice and that every mistake is reported where it is.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.postal.tracking import domestic_check_digit, s10_check_digit

# (word as the department types it, the stage it means); the weights give the mix of a register.
STATUS_WORDS: list[tuple[str, str, int]] = [
    ("Подано в суд", "claim_mailed", 14),
    ("отправленно в суд", "claim_mailed", 3),
    ("Направлено в суд", "claim_mailed", 4),
    ("СП вынесен", "order_issued", 12),
    ("Судебный приказ вынесен", "order_issued", 8),
    ("отмена СП", "order_cancelled", 5),
    ("Исп. производство", "enforcement", 10),
    ("ИП возбуждено", "enforcement", 3),
    ("погашено полностью", "repaid", 4),
    ("Подготовка документов", "claim_prepared", 10),
    ("новый", "new", 6),
    ("Отказ в выдаче СП", "order_refused", 2),
    ("Вступил в законную силу", "order_in_force", 3),
    ("Иск подан", "lawsuit_filed", 2),
    ("ФССП", "enforcement", 3),
]
# A word nobody can guess: a person decides it (it stays invalid after only accepting proposals).
UNGUESSABLE = ("Передано в КА", "new")
MAILED = {"claim_mailed", "order_issued", "order_cancelled", "order_refused", "order_in_force", "enforcement"}
LAST = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков"]
FIRST = ["Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Андрей", "Николай", "Олег"]
MIDDLE = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Дмитриевич", "Андреевич"]
CREDITORS = ["МФК Быстроденьги", "ООО МКК Займер", "МФК Мани Мен", "ООО МФК Конга"]
# Users of the department the register names by surname and initials, with a typo, or unknown.
USERS = ["Петрова Анна Сергеевна", "Смирнова Ольга Павловна"]
RESPONSIBLE = ["Петрова А.С.", "Петрова А. С.", "Смирнова О.П.", "Петрва А.С.", "Сидоров С.С.", ""]

TOP = [
    "№ п/п",
    "№ дог.",
    "Дата договора",
    "ФИО должника",
    "Дата рождения",
    "Кредитор",
    "Задолженность",
    None,
    None,
    None,
    None,
    "Статус",
    "Ответственный",
    "ШПИ",
    "Дата отправки",
    "ID 1С",
    "Примечание",
]
BOTTOM = [None] * 6 + ["Сумма ОД", "%", "Пени", "ГП", "Итого задолженность"] + [None] * 6
ONE_ROW = [*TOP[:6], "Сумма ОД", "%", "Пени", "ГП", "Итого задолженность", *TOP[11:]]
WIDTH = len(TOP)
COL = {name: i for i, name in enumerate(ONE_ROW)}


@dataclass
class Truth:
    """What each line of the register is."""

    header_line: int = 0
    good: dict[str, tuple[int, str]] = field(default_factory=dict)  # contract -> (line, stage)
    undecidable: set[str] = field(default_factory=set)  # good contracts whose word nobody can guess
    bad: dict[int, str] = field(default_factory=dict)  # line -> the column its problem is in
    skipped: set[int] = field(default_factory=set)  # lines that are not cases
    duplicates: dict[int, int] = field(default_factory=dict)  # line -> first line (identical)
    conflicts: dict[int, int] = field(default_factory=dict)  # line -> first line (other values)

    def to_json(self) -> str:
        return json.dumps(
            {
                "header_line": self.header_line,
                "good": self.good,
                "undecidable": sorted(self.undecidable),
                "bad": self.bad,
                "skipped": sorted(self.skipped),
                "duplicates": self.duplicates,
                "conflicts": self.conflicts,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Truth:
        d = json.loads(text)
        return cls(
            d["header_line"],
            {k: (int(v[0]), str(v[1])) for k, v in d["good"].items()},
            set(d["undecidable"]),
            {int(k): v for k, v in d["bad"].items()},
            set(d["skipped"]),
            {int(k): int(v) for k, v in d["duplicates"].items()},
            {int(k): int(v) for k, v in d["conflicts"].items()},
        )


def domestic_tracking(n: int) -> int:
    first13 = f"1010{n:09d}"
    return int(first13 + str(domestic_check_digit(first13)))


def s10_tracking(n: int) -> str:
    serial = f"{n % 10**8:08d}"
    return f"RA{serial}{s10_check_digit(serial)}RU"


def _date_cell(day: dt.date, style: int) -> Any:
    return [
        f"{day:%d.%m.%y}г.",
        dt.datetime(day.year, day.month, day.day),
        (day - dt.date(1899, 12, 30)).days,
        f"{day:%d.%m.%Y} г.",
        f"{day:%Y-%m-%d}",
    ][style % 5]


def _money_cell(amount: int, kop: int, style: int) -> Any:
    text = f"{amount:,}".replace(",", " ") + f",{kop:02d}"
    return [f"{text} р.", amount + kop / 100 if kop else amount, f"'{amount}.{kop:02d}", text, f"{text} руб."][
        style % 5
    ]


def _case_row(n: int, rnd: random.Random, word: str, stage: str) -> list[Any]:
    contract_day = dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(900))
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(14000))
    principal = rnd.randrange(5000, 90000)
    interest, penalty, fee = rnd.randrange(0, principal), rnd.randrange(0, 3000), 400 + rnd.randrange(0, 800)
    kop = rnd.randrange(100)
    name = f"{rnd.choice(LAST)} {rnd.choice(FIRST)} {rnd.choice(MIDDLE)}"
    name = name.upper() if n % 5 == 0 else (name.lower() if n % 7 == 0 else name)
    mailed = stage in MAILED
    track: Any = ""
    if mailed:
        track = domestic_tracking(n) if n % 3 else s10_tracking(n)
    contract = f"ДЗ-{n:07d}"
    row: list[Any] = [None] * WIDTH
    row[COL["№ п/п"]] = n
    row[COL["№ дог."]] = f"'{contract}" if n % 11 == 0 else (f"№ {contract}" if n % 13 == 0 else contract)
    row[COL["Дата договора"]] = _date_cell(contract_day, n)
    row[COL["ФИО должника"]] = name
    row[COL["Дата рождения"]] = _date_cell(birth, n + 1)
    row[COL["Кредитор"]] = rnd.choice(CREDITORS)
    row[COL["Сумма ОД"]] = _money_cell(principal, kop, n)
    row[COL["%"]] = _money_cell(interest, 0, n + 2)
    row[COL["Пени"]] = _money_cell(penalty, 0, n + 3) if n % 4 else None
    row[COL["ГП"]] = _money_cell(fee, 0, n + 4)
    row[COL["Итого задолженность"]] = _money_cell(principal + interest + penalty * (n % 4 != 0) + fee, kop, n + 1)
    row[COL["Статус"]] = word
    row[COL["Ответственный"]] = RESPONSIBLE[n % len(RESPONSIBLE)]
    row[COL["ШПИ"]] = track
    row[COL["Дата отправки"]] = _date_cell(contract_day + dt.timedelta(days=200), n + 2) if mailed else None
    row[COL["ID 1С"]] = f"00-{n:08d}"
    row[COL["Примечание"]] = "звонил, обещал оплатить" if n % 17 == 0 else None
    return row


# Mistakes a register really has, and the column each one is in.
def _spoil(row: list[Any], kind: int) -> str:
    if kind == 0:
        row[COL["Дата договора"]] = "31.02.2023"
        return "Дата договора"
    if kind == 1:
        row[COL["Сумма ОД"]] = "сорок тысяч"
        return "Сумма ОД"
    if kind == 2:
        row[COL["ФИО должника"]] = str(row[COL["ФИО должника"]]).split()[0]
        return "ФИО должника"
    if kind == 3:
        row[COL["ШПИ"]] = "RA123456789RU"
        return "ШПИ"
    if kind == 4:
        row[COL["Дата рождения"]] = "01.01.2090"
        return "Дата рождения"
    row[COL["№ дог."]] = None
    return "№ дог."


def build_register(cases: int, seed: int = 15, two_row_header: bool = True, page: int = 5000) -> tuple[bytes, Truth]:
    """A department's workbook with ``cases`` case lines (plus the lines that are not cases)."""
    rnd = random.Random(seed)
    truth = Truth()
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Сводка")
    summary.append(["Сводка по реестру"])
    summary.append(["Всего дел", cases])
    summary.append(["Сумма ОД", "—"])
    summary.append(["Подготовил", "Иванова И.И."])
    ws = wb.create_sheet("Реестр")
    ws.column_dimensions["P"].hidden = True  # "ID 1С", the accounting system's key
    line = 0

    def put(cells: list[Any]) -> int:
        nonlocal line
        ws.append(cells)
        line += 1
        return line

    title = WriteOnlyCell(ws, value="Реестр должников ООО «ПКО Цессия» по договору цессии № 12/2023")
    title.font = Font(bold=True, size=14)
    put([title])
    put(["Выгружено: Иванова И.И., 01.12.2026 10:15"])
    put([])
    truth.header_line = put(TOP if two_row_header else ONE_ROW)
    if two_row_header:
        put(BOTTOM)
    header_repeat = TOP if two_row_header else ONE_ROW
    truth.skipped.add(put([None, "Дела, переданные по дополнительному соглашению № 2 от 01.03.2023"]))
    weights = [w for _w, _s, w in STATUS_WORDS]
    rows_by_contract: dict[str, tuple[int, list[Any]]] = {}
    sums = [0.0, 0.0]
    for n in range(1, cases + 1):
        if n % 250 == 0:
            put([])  # a blank line: not a row at all
        if n % page == 0:
            truth.skipped.add(put(list(header_repeat)))  # the header repeated at a page break
        if n % 331 == 0:
            word, stage = UNGUESSABLE
        else:
            word, stage, _w = rnd.choices(STATUS_WORDS, weights)[0]
        row = _case_row(n, rnd, word, stage)
        contract = f"ДЗ-{n:07d}"
        if n % 100 == 7:
            column = _spoil(row, (n // 100) % 6)
            truth.bad[put(row)] = column
            continue
        at = put(row)
        truth.good[contract] = (at, stage)
        if stage == UNGUESSABLE[1] and word == UNGUESSABLE[0]:
            truth.undecidable.add(contract)
        rows_by_contract[contract] = (at, row)
        sums[0] += 1
        if n % 200 == 50:  # the same contract typed again, exactly
            truth.duplicates[put(list(row))] = at
        if n % 200 == 150:  # and typed again with another amount
            other = list(row)
            other[COL["Сумма ОД"]] = "1 000,00 р."
            truth.conflicts[put(other)] = at
    totals = [None] * WIDTH
    totals[0] = "ИТОГО:"
    totals[COL["Сумма ОД"]] = 1234567.89  # what Excel keeps of =SUM(G6:G…)
    truth.skipped.add(put(totals))
    sums_row: list[Any] = [None] * WIDTH
    sums_row[COL["Итого задолженность"]] = 2345678.9  # a subtotal typed under the register
    truth.skipped.add(put(sums_row))
    sheet3 = wb.create_sheet("Справочник")
    sheet3.append(["Статус", "Что значит"])
    for word, _stage, _w in STATUS_WORDS:
        sheet3.append([word, ""])
    out = io.BytesIO()
    wb.save(out)
    merges = ["A1:Q1", "A2:Q2"] + (["G4:K4"] if two_row_header else [])
    return _with_merges(out.getvalue(), "xl/worksheets/sheet2.xml", merges), truth


def _with_merges(data: bytes, member: str, refs: list[str]) -> bytes:
    """openpyxl's streaming writer cannot merge cells: add ``<mergeCells>`` to the sheet's XML."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                cells = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
                merged = f'</sheetData><mergeCells count="{len(refs)}">{cells}</mergeCells>'.encode()
                body = body.replace(b"</sheetData>", merged, 1)
            dst.writestr(info, body)
    return out.getvalue()


def score(report: Any, truth: Truth, stored: dict[str, str]) -> dict[str, Any]:
    """How an import of the register went against the truth. ``stored`` is contract number ->
    stage of every case in Cessio after the import (one entry per case: a contract imported
    twice shows up in ``cases_per_contract``)."""
    by_line = {r.line: r for r in report.rows}
    good_total = len(truth.good)
    imported = sum(1 for c, (_line, stage) in truth.good.items() if stored.get(c) == stage)
    wrong_stage = sorted(c for c, (_line, stage) in truth.good.items() if c in stored and stored[c] != stage)
    bad_reported = [
        line
        for line, column in truth.bad.items()
        if line in by_line and by_line[line].status == "invalid" and any(column in e for e in by_line[line].errors)
    ]
    skipped_ok = [line for line in truth.skipped if line in by_line and by_line[line].status == "skipped"]
    dup_ok = [
        line
        for line, first in truth.duplicates.items()
        if by_line.get(line) is not None and by_line[line].status == "duplicate" and not by_line[line].errors
    ]
    conflict_ok = [
        line
        for line, first in truth.conflicts.items()
        if by_line.get(line) is not None
        and by_line[line].status == "duplicate"
        and any("Сумма ОД" in e and str(first) in e for e in by_line[line].errors)
    ]
    expected_lines = {*(line for line, _s in truth.good.values()), *truth.bad, *truth.skipped}
    expected_lines |= {*truth.duplicates, *truth.conflicts}
    reported = set(by_line)
    return {
        "good_rows": good_total,
        "good_imported": imported,
        "good_imported_share": round(imported / good_total, 4) if good_total else 1.0,
        "good_not_imported_undecidable": len(truth.undecidable),
        "good_imported_at_a_wrong_stage": len(wrong_stage),
        "bad_rows": len(truth.bad),
        "bad_reported_with_column": len(bad_reported),
        "not_case_rows": len(truth.skipped),
        "not_case_rows_skipped_with_a_note": len(skipped_ok),
        "duplicates": len(truth.duplicates),
        "duplicates_reported": len(dup_ok),
        "conflicting_duplicates": len(truth.conflicts),
        "conflicts_reported_with_the_differing_cell": len(conflict_ok),
        "lines_lost": len(expected_lines - reported),
        "lines_reported_that_are_not_in_the_file": len(reported - expected_lines),
        "contracts_with_more_than_one_case": sum(1 for c in stored if stored[c] == "__twice__"),
    }

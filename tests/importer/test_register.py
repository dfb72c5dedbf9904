"""A register as departments keep it (issue #15): found header, department words, decisions once
per value, rows that are not cases, duplicates inside the file, a partial --mapping."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases.models import Case, Contract
from core.cli import main
from core.i18n import use_language
from core.importer.decisions import Decisions, propose_stage
from core.importer.mapping import DEFAULT_STAGE_WORDS, guess_field, stage_lookup
from core.importer.read import read_table
from core.importer.service import (
    Options,
    dry_run,
    invalid_rows_file,
    name_decisions,
    run_import,
    save_decisions,
    stage_words,
)
from tests.factories import make_user
from tests.importer.builders import HEADERS_RU, csv_bytes, good_row
from tests.importer.registers import USERS, build_register, score


def _users(session: Session) -> list[int]:
    ids = [make_user(session, "clerk", full_name=name, username=f"clerk{i}").id for i, name in enumerate(USERS)]
    session.commit()
    return ids


def _stored(session: Session) -> dict[str, str]:
    rows = session.execute(select(Contract.number, Case.stage).join(Case, Case.contract_id == Contract.id)).all()
    twice = Counter(n for n, _s in rows)
    return {n: ("__twice__" if twice[n] > 1 else s) for n, s in rows}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("ОД", "principal"),
        ("Сумма ОД", "principal"),
        ("Остаток ОД", "principal"),
        ("%", "interest"),
        ("Проценты", "interest"),
        ("Пени", "penalty"),
        ("Штрафы", "penalty"),
        ("Неустойка", "penalty"),
        ("ГП", "state_fee"),
        ("Гос. пошлина", "state_fee"),
        ("Итого", "debt_total"),
        ("ИТОГО задолженность", "debt_total"),
        ("Сумма к взысканию", "debt_total"),
        ("ШПИ", "tracking_number"),
        ("РПО", "tracking_number"),
        ("Трек", "tracking_number"),
        ("N договора", "contract_number"),
        ("№ дог.", "contract_number"),
        ("No. договора", "contract_number"),
        ("№договора", "contract_number"),
        ("№ п/п", ""),
        ("N п/п", ""),
        ("Задолженность / Сумма ОД", "principal"),
        ("Задолженность / %", "interest"),
    ],
)
def test_the_departments_words_for_columns(header: str, field: str) -> None:
    assert guess_field(header) == field


@pytest.mark.parametrize(
    ("word", "stage"),
    [
        ("Подано в суд", "claim_mailed"),
        ("СП вынесен", "order_issued"),
        ("Судебный приказ вынесен", "order_issued"),
        ("отмена СП", "order_cancelled"),
        ("Исп. производство", "enforcement"),
        ("ИП возбуждено", "enforcement"),
        ("направлено в ФССП", "enforcement"),
        ("погашено полностью", "repaid"),
        ("Подготовка документов", "claim_prepared"),
        ("отправленно в суд", "claim_mailed"),
        ("Отказ в выдаче СП", "order_refused"),
        ("Передано в КА", None),
    ],
)
def test_stage_proposals(word: str, stage: str | None) -> None:
    assert propose_stage(word, stage_lookup(DEFAULT_STAGE_WORDS)) == stage


def test_the_header_is_found_under_the_title_over_two_rows_on_the_second_sheet() -> None:
    data, truth = build_register(40, page=20)
    table = read_table(data, "реестр.xlsx")
    assert (table.sheet, table.header_line, table.header_rows) == ("Реестр", truth.header_line, 2)
    assert "Задолженность / Сумма ОД" in table.headers and "Задолженность / Итого задолженность" in table.headers
    assert [s.name for s in table.sheets] == ["Сводка", "Реестр", "Справочник"]
    summary = read_table(data, "реестр.xlsx", sheet="Сводка")  # the user may pick another sheet
    assert summary.sheet == "Сводка" and summary.header_fields < 3
    forced = read_table(data, "реестр.xlsx", header_line=truth.header_line + 1)
    assert forced.header_line == truth.header_line + 1 and "Сумма ОД" in forced.headers


def test_a_department_register_goes_in_after_only_accepting_the_proposals(session: Session) -> None:
    """Issue #15, "Done when": title above the header, the department's own status words, one
    screen of decisions (here: accepting them as proposed) and no hand edit of the file."""
    petrova, _smirnova = _users(session)
    data, truth = build_register(700, page=300)
    head = make_user(session, "head")
    session.commit()
    report = dry_run(session, head, data, "реестр.xlsx")
    decided = {d.value: (d.count, d.proposal) for d in report.decisions}
    assert decided["СП вынесен"][1] == "order_issued" and decided["СП вынесен"][0] > 50
    assert decided["отправленно в суд"][1] == "claim_mailed"
    assert decided["Петрва А.С."][1] == petrova  # a typo of a user's name
    assert decided["Сидоров С.С."][1] is None  # nobody: proposed to leave unassigned
    assert decided["Передано в КА"][1] is None  # no guess: a person decides
    assert report.counts()["decisions"] == len(report.decisions)
    assert session.scalar(select(func.count()).select_from(Case)) == 0

    imported = run_import(session, head, data, "реестр.xlsx", options=Options(accept_proposals=True))
    session.commit()
    result = score(imported, truth, _stored(session))
    assert result["good_imported_share"] >= 0.98
    assert result["good_imported_at_a_wrong_stage"] == 0
    assert result["bad_reported_with_column"] == result["bad_rows"] > 0
    assert result["not_case_rows_skipped_with_a_note"] == result["not_case_rows"] >= 4
    assert result["duplicates_reported"] == result["duplicates"] > 0
    assert result["conflicts_reported_with_the_differing_cell"] == result["conflicting_duplicates"] > 0
    assert result["lines_lost"] == result["lines_reported_that_are_not_in_the_file"] == 0
    assert result["contracts_with_more_than_one_case"] == 0
    # the decisions were kept: the next register with the same words needs none of them again
    words = stage_words(session)
    assert words["сп вынесен"] == "order_issued" and words["отправлено в суд"] == "claim_mailed"  # built-in kept
    assert name_decisions(session)["сидоров с с"] is None
    again = dry_run(session, head, data, "реестр.xlsx")
    assert [d.value for d in again.decisions] == ["Передано в КА"]
    assert again.counts()["unchanged"] == imported.counts()["new"]


def test_decisions_saved_from_the_screen_apply_to_every_row(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    rows = [
        good_row(1, Стадия="СП вынесен", Ответственный="Сидоров С.С."),
        good_row(2, Стадия="Передано в КА", Ответственный="Сидоров С.С."),
        good_row(3, Стадия="сп  вынесен", Ответственный="Сидоров С. С."),
    ]
    data = csv_bytes(rows)
    report = dry_run(session, head, data, "r.csv")
    assert [(d.value, d.count) for d in report.decisions] == [
        ("СП вынесен", 2),
        ("Передано в КА", 1),
        ("Сидоров С.С.", 3),
    ]
    assert report.counts()["bad"] == 3 and "under Decisions" in report.rows[0].errors[0]
    save_decisions(
        session, head, Decisions({"СП вынесен": "order_issued", "Передано в КА": "new"}, {"Сидоров С.С.": head.id})
    )
    session.commit()
    report = dry_run(session, head, data, "r.csv")
    assert report.decisions == [] and report.counts()["good"] == 3 and not any(r.warnings for r in report.rows)
    run_import(session, head, data, "r.csv")
    session.commit()
    cases = session.execute(select(Contract.number, Case.stage, Case.responsible_id).join(Case)).all()
    assert sorted(cases) == [
        ("ДЗ-00001", "order_issued", head.id),
        ("ДЗ-00002", "new", head.id),
        ("ДЗ-00003", "order_issued", head.id),
    ]


def test_rows_that_are_not_cases_are_skipped_with_a_note(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    total = [""] * len(HEADERS_RU)
    total[0], total[5] = "ИТОГО:", "=SUM(F3:F4)"
    formulas = [""] * len(HEADERS_RU)
    formulas[5], formulas[6] = "=SUM(F3:F4)", "=SUM(G3:G4)"
    note = [""] * len(HEADERS_RU)
    note[2] = "Дела переданы по дополнительному соглашению"
    rows = [good_row(1), note, list(HEADERS_RU), good_row(2), formulas, total]
    report = dry_run(session, head, csv_bytes(rows), "r.csv")
    by_line = {r.line: r for r in report.rows}
    assert [by_line[n].status for n in (2, 3, 4, 5, 6, 7)] == ["new", "skipped", "skipped", "new", "skipped", "skipped"]
    assert "a note" in by_line[3].warnings[0] and "header repeated" in by_line[4].warnings[0]
    assert "formulas" in by_line[6].warnings[0] and "totals" in by_line[7].warnings[0]
    assert report.counts()["bad"] == 0 and report.counts()["skipped"] == 4 and not report.invalid


def test_a_contract_typed_twice(session: Session) -> None:
    """Identical: one case. Different: the later line is reported with the cells that differ and
    is not applied; it is in the invalid-rows file to be fixed."""
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    bad = good_row(3, **{"Дата договора": "31.02.2023"})
    rows = [good_row(1), good_row(2), good_row(1), good_row(2, **{"Основной долг": "31 000"}), bad, list(bad)]
    report = run_import(session, head, csv_bytes(rows), "r.csv")
    session.commit()
    by_line = {r.line: r for r in report.rows}
    assert by_line[4].status == "duplicate" and not by_line[4].errors and "repeats line 2" in by_line[4].warnings[0]
    assert by_line[5].status == "duplicate"
    assert "Основной долг: “30 000” on line 3, “31 000” here" in by_line[5].errors[0]
    assert "not applied" in by_line[5].errors[0]
    assert by_line[6].status == "invalid" and by_line[7].status == "duplicate" and not by_line[7].errors
    assert "repeats line 6, whose problems are reported there" in by_line[7].warnings[0]
    assert [line for line, _c, _e in report.invalid] == [5, 6]
    assert session.scalar(select(func.count()).select_from(Case)) == 2
    assert session.scalar(select(Contract.principal).where(Contract.number == "ДЗ-00002")) == 30000


def test_a_partial_mapping_changes_only_the_columns_it_names(session: Session, tmp_path: Path, capsys) -> None:
    make_user(session, "head", username="boss", full_name="Петрова Анна Сергеевна")
    session.commit()
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([good_row(1, Суд="2-77/2024")]))
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"Суд": "court_case_number", "Номер дела": ""}), encoding="utf-8")
    with use_language("en"):
        code = main(["import", str(path), "--mapping", str(mapping), "--user", "boss", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["new"] == 1
    case = session.scalar(select(Case))
    assert case is not None and case.court_case_number == "2-77/2024" and case.court_name is None
    assert case.stage == "claim_mailed" and case.tracking_number  # the other columns still recognised


def test_the_command_line_prints_proposals_and_accepts_them(session: Session, tmp_path: Path, capsys) -> None:
    make_user(session, "head", username="boss", full_name="Петрова Анна Сергеевна")
    session.commit()
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([good_row(1, Стадия="СП вынесен"), good_row(2, Стадия="Передано в КА"), good_row(3)]))
    decisions = tmp_path / "decisions.json"
    with use_language("en"):
        assert main(["import", str(path), "--dry-run", "--write-decisions", str(decisions)]) == 2
        out = capsys.readouterr().out
        assert "to decide: stage word “СП вынесен” (1 rows) → Court order issued" in out
        assert "“Передано в КА” (1 rows) → no proposal" in out
        assert json.loads(decisions.read_text(encoding="utf-8"))["stages"] == {
            "СП вынесен": "order_issued",
            "Передано в КА": None,
        }
        code = main(["import", str(path), "--dry-run", "--accept-proposals", "--json"])
        summary = json.loads(capsys.readouterr().out)
        assert code == 2 and (summary["good"], summary["bad"], summary["duplicate"], summary["skipped"]) == (2, 1, 0, 0)
        assert session.scalar(select(func.count()).select_from(Case)) == 0  # a dry run keeps nothing
        decisions.write_text(json.dumps({"stages": {"Передано в КА": "new"}}), encoding="utf-8")
        code = main(["import", str(path), "--accept-proposals", "--decisions", str(decisions), "--user", "boss"])
    assert code == 0
    session.expire_all()
    assert sorted(s for (s,) in session.execute(select(Case.stage))) == ["claim_mailed", "new", "order_issued"]


def test_the_invalid_rows_file_holds_no_live_formula(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    rows = [
        good_row(1, **{"ФИО должника": '=HYPERLINK("http://x","y")'}),
        good_row(2, **{"ФИО должника": " \u00a0=1+2", "Кредитор": "@SUM(A1)"}),
        good_row(3, **{"ФИО должника": "-2+3", "Дата договора": "31.02.2023"}),
    ]
    report = dry_run(session, head, csv_bytes(rows), "r.csv")
    book = load_workbook(io.BytesIO(invalid_rows_file(report)))
    cells = [c for row in book.active.iter_rows(min_row=2, values_only=True) for c in row]
    assert '\'=HYPERLINK("http://x","y")' in cells and "' \u00a0=1+2" in cells and "'@SUM(A1)" in cells
    assert "'-2+3" in cells
    assert not any(isinstance(c, str) and c.lstrip(" \u00a0").startswith(("=", "+", "-", "@")) for c in cells)
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)
    text = invalid_rows_file(report, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ";=" not in text


def test_the_header_is_found_in_a_csv_with_a_title_line(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    data = ("Реестр должников на 01.12.2026\nВыгружено: Иванова\n\n").encode() + csv_bytes([good_row(1)])
    report = dry_run(session, head, data, "r.csv")
    assert report.header_line == 4 and report.counts()["new"] == 1 and report.rows[0].line == 5


def test_an_xlsx_without_any_known_header_is_offered_for_mapping_by_hand() -> None:
    wb = Workbook()
    wb.active.append(["a", "b"])
    wb.active.append(["1", "2"])
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), "x.xlsx")
    assert table.headers == ["a", "b"] and table.header_fields == 0 and len(table) == 1

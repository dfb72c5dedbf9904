"""Dry run, import, idempotent re-import, updates with timeline entries, the invalid-rows round trip."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.models import AuditLog
from core.cases.models import Case, CaseEvent, Contract, Creditor, Debtor
from core.errors import PermissionDenied, ValidationFailed
from core.importer.mapping import detect_mapping
from core.importer.service import (
    dry_run,
    invalid_rows_file,
    remembered_mapping,
    run_import,
    save_stage_words,
    stage_words,
)
from core.ledger.models import LedgerEntry
from core.postal.models import Shipment, ShipmentCase
from tests.factories import make_user
from tests.importer.builders import HEADERS_RU, csv_bytes, good_row, messy_rows, tracking, xlsx_bytes


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_dry_run_reports_every_row_and_writes_nothing(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    data = csv_bytes(messy_rows(), encoding="cp1251", delimiter=";")
    report = dry_run(session, head, data, "реестр.csv")
    counts = report.counts()
    assert counts["good"] == 4 and counts["bad"] == 7 and counts["duplicate"] == 1 and counts["new"] == 4
    by_line = {r.line: r for r in report.rows}
    assert by_line[5].errors == ["Дата договора: '31.02.2023' is not a date (use dd.mm.yyyy, e.g. 31.01.2024)"]
    assert by_line[6].errors[0].startswith("Сумма долга: 'сорок тысяч' is not an amount")
    assert by_line[7].errors[0].startswith("ФИО должника:")
    assert "not decided yet" in by_line[8].errors[0] and by_line[8].errors[0].startswith("Стадия:")
    assert by_line[9].errors[0].startswith("Трек-номер:") and "check digit" in by_line[9].errors[0]
    assert by_line[10].errors == ["№ договора: empty; contract number is required"]
    assert by_line[11].status == "duplicate" and "repeats line 2" in by_line[11].warnings[0]
    assert by_line[12].errors[0].startswith("Дата рождения:") and "future" in by_line[12].errors[0]
    assert by_line[13].status == "new" and "not a Cessio user" in by_line[13].warnings[0]
    assert _count(session, Case) == 0 and _count(session, Contract) == 0


def test_import_creates_cases_at_their_stage_with_money_and_mail(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    session.commit()
    data = csv_bytes(messy_rows(), encoding="utf-8", delimiter=",")
    report = run_import(session, head, data, "реестр.csv")
    session.commit()
    assert report.counts()["new"] == 4 and report.written["cases_created"] == 4
    cases = {c.contract_id: c for c in session.scalars(select(Case))}
    contracts = {c.number: c for c in session.scalars(select(Contract))}
    assert set(contracts) == {"ДЗ-00001", "ДЗ-00002", "ДЗ-00003", "ДЗ-00011"}
    first = cases[contracts["ДЗ-00001"].id]
    assert first.number == f"C-{first.id:06d}"
    assert first.stage == "claim_mailed" and first.responsible_id == head.id
    assert first.claim_amount == Decimal("45300.50") and first.tracking_number == tracking(1)
    assert first.entered_stage_at.date() in (dt.date(2024, 1, 31), dt.date(2024, 2, 1))
    assert cases[contracts["ДЗ-00003"].id].stage == "order_issued"
    assert contracts["ДЗ-00003"].date == dt.date(2023, 3, 15)  # Excel serial 45000
    assert cases[contracts["ДЗ-00002"].id].stage == "new"
    assert cases[contracts["ДЗ-00011"].id].responsible_id is None
    debtor = session.get(Debtor, first.debtor_id)
    assert (
        debtor is not None
        and debtor.full_name == "Иванов Иван Иванович"
        and debtor.name_search == "иванов иван иванович"
    )
    # lines 2, 4 and 13 are the same person (same name and date of birth): one debtor
    assert _count(session, Debtor) == 2
    assert session.scalar(select(Creditor.id).where(Creditor.name == "МФК Быстроденьги"))
    entries = session.execute(
        select(LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.source).where(LedgerEntry.case_id == first.id)
    ).all()
    assert sorted((k, a) for k, a, _s in entries) == [
        ("interest", Decimal("15300.50")),
        ("principal", Decimal("30000.00")),
        ("state_fee", Decimal("775.00")),
    ]
    assert {s for *_x, s in entries} == {"import"}
    shipment = session.scalar(select(Shipment).where(Shipment.tracking_number == tracking(1)))
    assert shipment is not None and shipment.mailed_at.date() == dt.date(2024, 2, 1)
    assert session.scalar(select(ShipmentCase.case_id).where(ShipmentCase.shipment_id == shipment.id)) == first.id
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == first.id)).all()
    assert [(e.kind, e.source, e.to_stage) for e in events] == [("import", "import", "claim_mailed")]
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "import.run")).all()
    assert len(audits) == 1 and audits[0].details["new"] == 4 and audits[0].details["bad"] == 7
    assert remembered_mapping(session)["№ договора"] == "contract_number"


def test_reimport_of_the_same_file_changes_nothing(session: Session) -> None:
    head = make_user(session, "head")
    session.commit()
    data = xlsx_bytes([good_row(1), good_row(2, **{"Трек-номер": ""})])
    run_import(session, head, data, "реестр.xlsx")
    session.commit()
    before = (
        _count(session, Case),
        _count(session, CaseEvent),
        _count(session, LedgerEntry),
        _count(session, Debtor),
        sorted(session.scalars(select(Case.version))),
    )
    again = run_import(session, head, data, "реестр.xlsx")
    session.commit()
    assert again.counts()["unchanged"] == 2 and again.counts()["new"] == 0
    after = (
        _count(session, Case),
        _count(session, CaseEvent),
        _count(session, LedgerEntry),
        _count(session, Debtor),
        sorted(session.scalars(select(Case.version))),
    )
    assert after == before


def test_updated_file_updates_changed_cases_and_records_each_change(session: Session) -> None:
    head = make_user(session, "head", full_name="Петрова Анна Сергеевна")
    lawyer = make_user(session, "lawyer", full_name="Сидоров Семён Семёнович")
    session.commit()
    run_import(session, head, xlsx_bytes([good_row(1), good_row(2)]), "январь.xlsx")
    session.commit()
    updated = xlsx_bytes(
        [
            good_row(
                1,
                **{
                    "Стадия": "приказ вынесен",
                    "Номер дела": "2-555/2024",
                    "Ответственный": "Сидоров С.С.",
                    "Проценты": "16 300,50",
                    "Сумма долга": "46 300,50",
                },
            ),
            good_row(2),
        ]
    )
    preview = dry_run(session, head, updated, "февраль.xlsx")
    row = next(r for r in preview.rows if r.contract_number == "ДЗ-00001")
    assert row.status == "update"
    assert "Stage: Claim mailed → Court order issued" in row.changes
    assert "Responsible: Петрова Анна Сергеевна → Сидоров Семён Семёнович" in row.changes
    report = run_import(session, head, updated, "февраль.xlsx")
    session.commit()
    assert report.counts()["update"] == 1 and report.counts()["unchanged"] == 1
    contract = session.scalar(select(Contract).where(Contract.number == "ДЗ-00001"))
    case = session.scalar(select(Case).where(Case.contract_id == contract.id))
    assert case.stage == "order_issued" and case.court_case_number == "2-555/2024"
    assert case.responsible_id == lawyer.id and case.version == 2
    assert case.claim_amount == Decimal("46300.50")
    last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()[-1]
    assert (last.kind, last.source, last.from_stage, last.to_stage) == (
        "import",
        "import",
        "claim_mailed",
        "order_issued",
    )
    assert "Court case number: — → 2-555/2024" in last.comment
    assert last.data["changes"]["ledger_interest"] == ["15300.50", "16300.50"]
    interest = session.scalars(
        select(LedgerEntry.amount).where(LedgerEntry.case_id == case.id, LedgerEntry.kind == "interest")
    ).all()
    assert sorted(interest) == [Decimal("1000.00"), Decimal("15300.50")]


def test_invalid_rows_file_round_trip(session: Session) -> None:
    head = make_user(session, "head")
    session.commit()
    rows = [good_row(1), good_row(4, **{"Дата договора": "31.02.2023"}), good_row(5, **{"Сумма долга": "сорок"})]
    report = run_import(session, head, csv_bytes(rows, encoding="cp1251"), "реестр.csv")
    session.commit()
    assert report.counts()["bad"] == 2
    wb = load_workbook(io.BytesIO(invalid_rows_file(report)))
    ws = wb.active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0] == [*HEADERS_RU, "Ошибка / Error"]
    assert len(values) == 3 and "not a date" in values[1][-1] and "Сумма долга" in values[2][-1]
    # the user fixes the two cells and imports the file as it came back, error column included
    values[1][1] = "28.02.2023"
    values[2][5] = "40 000"
    fixed = io.BytesIO()
    wb2 = type(wb)()
    ws2 = wb2.active
    for r in values:
        ws2.append(r)
    wb2.save(fixed)
    again = run_import(session, head, fixed.getvalue(), "исправлено.xlsx")
    session.commit()
    assert again.counts()["new"] == 2 and again.counts()["bad"] == 0
    assert _count(session, Case) == 3
    assert invalid_rows_file(report, "csv").decode("utf-8-sig").splitlines()[0].endswith(";Ошибка / Error")


def test_xlsx_with_excel_dates_serials_and_number_cells(session: Session) -> None:
    head = make_user(session, "head")
    session.commit()
    row = good_row(
        7,
        **{
            "Дата договора": dt.datetime(2023, 5, 4),
            "Дата рождения": 31048,  # 01.01.1985 as an Excel serial in a number cell
            "Сумма долга": 45300.5,
            "Основной долг": 30000,
            "Проценты": 15300.5,
            "Госпошлина": None,
            "Дата отправки": dt.datetime(2024, 2, 1),
        },
    )
    report = run_import(session, head, xlsx_bytes([row]), "реестр.xlsx")
    session.commit()
    assert report.counts()["new"] == 1, report.as_rows()
    contract = session.scalar(select(Contract))
    debtor = session.get(Debtor, contract.debtor_id)
    assert contract.date == dt.date(2023, 5, 4) and debtor.birth_date == dt.date(1985, 1, 1)
    assert session.scalar(select(Case.claim_amount)) == Decimal("45300.50")


def test_stage_words_are_editable(session: Session) -> None:
    head = make_user(session, "head")
    session.commit()
    data = csv_bytes([good_row(1, **{"Стадия": "в космосе"})])
    assert dry_run(session, head, data, "f.csv").counts()["bad"] == 1
    words = stage_words(session) | {"В космосе": "hearing"}
    save_stage_words(session, head, words)
    session.commit()
    report = run_import(session, head, data, "f.csv")
    session.commit()
    assert report.counts()["new"] == 1
    assert session.scalar(select(Case.stage)) == "hearing"
    with pytest.raises(ValidationFailed):
        save_stage_words(session, head, {"где-то": "nowhere"})


def test_clerk_may_not_import_and_mapping_gaps_are_refused(session: Session) -> None:
    clerk = make_user(session, "clerk")
    head = make_user(session, "head")
    session.commit()
    with pytest.raises(PermissionDenied):
        run_import(session, clerk, csv_bytes([good_row(1)]), "f.csv")
    mapping = detect_mapping(HEADERS_RU) | {"Дата договора": ""}
    with pytest.raises(ValidationFailed, match="No column is mapped to 'Contract date'"):
        dry_run(session, head, csv_bytes([good_row(1)]), "f.csv", mapping=mapping)

"""Every search filter, sorting, keyset pagination stability, export escaping and audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditLog
from core.cases.models import CaseFlag
from core.cases.search import SORTABLE, CaseFilter, export_cases, matching_ids, search_cases, stage_board
from core.db import utcnow
from core.errors import PermissionDenied
from tests.factories import make_case, make_creditor, make_user


@pytest.fixture
def world(session):
    clerk = make_user(session, "clerk", full_name="Мария Клерк")
    other = make_user(session, "clerk")
    now = utcnow()
    bank = make_creditor(session, "Банк Тест")
    cases = {
        "ivanov": make_case(
            session, last_name="Иванов", region="Москва", principal=Decimal("10000"), responsible=clerk
        ),
        "pyotr": make_case(
            session,
            last_name="Пётрова",
            first_name="Алёна",
            region="Тверская область",
            principal=Decimal("50000"),
            birth_date=dt.date(1990, 1, 2),
            creditor=bank,
            stage="claim_mailed",
            entered_stage_at=now - dt.timedelta(days=20),
            court_case_number="2-1078/2021",
            contract_number="ZX-777",
        ),
        "smith": make_case(
            session,
            last_name="Smith",
            first_name="John",
            middle_name=None,
            region="Москва",
            principal=Decimal("90000"),
            opened_at=now - dt.timedelta(days=40),
            responsible=other,
        ),
    }
    session.add(CaseFlag(case_id=cases["smith"].id, kind="plan_broken", reason="instalment missed"))
    session.commit()
    return clerk, other, bank, cases


def _ids(session, actor, **kw) -> set[int]:
    return {r.id for r in search_cases(session, actor, CaseFilter(**kw), limit=100).rows}


def test_each_filter(session, world) -> None:
    clerk, other, bank, c = world
    today = utcnow().date()
    assert _ids(session, clerk, number=c["ivanov"].number) == {c["ivanov"].id}
    assert _ids(session, clerk, number=str(c["ivanov"].id)) == {c["ivanov"].id}
    assert _ids(session, clerk, contract_number="zx-7") == {c["pyotr"].id}
    assert _ids(session, clerk, creditor_ids=[bank.id]) == {c["pyotr"].id}
    assert _ids(session, clerk, agreement_ids=[c["smith"].agreement_id]) == {c["smith"].id}
    assert _ids(session, clerk, debtor_name="ПЕТРОВА АЛЕНА") == {c["pyotr"].id}  # case and ё-insensitive
    assert _ids(session, clerk, debtor_name="ванов иван") == {c["ivanov"].id}  # partial
    assert _ids(session, clerk, debtor_name="smi") == {c["smith"].id}  # Latin
    assert _ids(session, clerk, birth_date=dt.date(1990, 1, 2)) == {c["pyotr"].id}
    assert _ids(session, clerk, court_case_number="1078/2021") == {c["pyotr"].id}
    assert _ids(session, clerk, stages=["claim_mailed"]) == {c["pyotr"].id}
    assert _ids(session, clerk, responsible_ids=[other.id]) == {c["smith"].id}
    assert _ids(session, clerk, regions=["Москва"]) == {c["ivanov"].id, c["smith"].id}
    assert _ids(session, clerk, opened_from=today - dt.timedelta(days=1)) == {c["ivanov"].id, c["pyotr"].id}
    assert _ids(session, clerk, opened_to=today - dt.timedelta(days=30)) == {c["smith"].id}
    assert _ids(session, clerk, claim_min=Decimal("50000"), claim_max=Decimal("60000")) == {c["pyotr"].id}
    assert _ids(session, clerk, min_days_in_stage=15) == {c["pyotr"].id}
    assert _ids(session, clerk, over_sla=True) == {c["pyotr"].id}  # claim_mailed SLA is 14 days
    assert _ids(session, clerk, flags=["plan_broken"]) == {c["smith"].id}
    assert search_cases(session, clerk, CaseFilter(regions=["Москва"])).total == 2


@pytest.mark.parametrize("sort", list(SORTABLE))
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_and_pagination_are_stable(session, sort: str, descending: bool) -> None:
    clerk = make_user(session, "clerk")
    names = ["Яковлев", "Абрамов", "Мельник", "Борисов", "Абрамов", "Юдин", "Павлов"]
    ids = [make_case(session, last_name=n, principal=Decimal(1000 + i % 3)).id for i, n in enumerate(names)]
    session.commit()
    full = [r.id for r in search_cases(session, clerk, CaseFilter(), sort=sort, descending=descending, limit=100).rows]
    assert sorted(full) == sorted(ids)
    paged: list[int] = []
    cursor = None
    while True:
        page = search_cases(session, clerk, CaseFilter(), sort=sort, descending=descending, limit=2, after=cursor)
        paged.extend(r.id for r in page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert paged == full


def test_sort_by_debtor_orders_names(session) -> None:
    clerk = make_user(session, "clerk")
    for n in ["Яковлев", "Абрамов", "Мельник"]:
        make_case(session, last_name=n)
    session.commit()
    rows = search_cases(session, clerk, CaseFilter(), sort="debtor", descending=False).rows
    assert [r.debtor_name.split()[0] for r in rows] == ["Абрамов", "Мельник", "Яковлев"]


def test_export_escapes_formulas_and_is_audited(session) -> None:
    clerk = make_user(session, "clerk")
    make_case(session, last_name='=HYPERLINK("http://x")', contract_number="+7-ABC")
    make_case(session, last_name="@SUM(A1)", contract_number="-12")
    session.commit()
    data = export_cases(session, clerk, CaseFilter(), "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    wb = load_workbook(io.BytesIO(export_cases(session, clerk, CaseFilter(), "xlsx")))
    values = [v for row in wb.active.iter_rows(min_row=2, values_only=True) for v in row if isinstance(v, str)]
    assert "'@SUM(A1) Иван Иванович" in values and "'-12" in values
    session.commit()
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "case.export")).all()
    assert [a.details["format"] for a in audits] == ["csv", "xlsx"]
    assert audits[0].details["rows"] == 2


def test_export_needs_permission(session) -> None:
    from core.auth.permissions import SystemActor

    nobody = SystemActor("x")
    nobody.role = "nobody"
    with pytest.raises(PermissionDenied, match=r"case\.export"):
        export_cases(session, nobody, CaseFilter())


def test_matching_ids_and_board(session, world) -> None:
    clerk, _other, _bank, c = world
    assert set(matching_ids(session, clerk, CaseFilter(regions=["Москва"]))) == {c["ivanov"].id, c["smith"].id}
    board = {s.stage: s for s in stage_board(session, clerk)}
    assert board["new"].count == 2 and board["claim_mailed"].count == 1 and board["claim_mailed"].over_sla == 1
    assert board["repaid"].count == 0 and board["repaid"].oldest_entered_at is None


def test_filter_round_trips_through_query_params() -> None:
    f = CaseFilter(stages=["new", "claim_mailed"], creditor_ids=[3], over_sla=True, opened_from=dt.date(2025, 1, 1))
    params = f.to_query_params()
    assert params == {"stages": "new,claim_mailed", "creditor_ids": "3", "over_sla": "1", "opened_from": "2025-01-01"}
    assert CaseFilter.from_query_params(params) == f
    assert CaseFilter.from_query_params({"creditor_ids": "x", "birth_date": "bad"}) == CaseFilter()

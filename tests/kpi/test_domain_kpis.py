"""KPIs over the ledger, postal and bureau tables, on the hand-made department."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.bureau.models import BureauEvent
from core.kpi import service
from core.kpi.filters import KpiFilters
from core.kpi.sql import has_table
from core.ledger.models import LedgerEntry, PaymentPlan, PlanInstalment
from core.postal.models import Shipment, ShipmentCase
from tests.kpi.conftest import NOW, PERIOD, Department, at


def _pay(session: Session, case_id: int, amount: str, day: str, reverses: LedgerEntry | None = None) -> LedgerEntry:
    entry = LedgerEntry(
        case_id=case_id,
        kind="payment",
        amount=Decimal(amount),
        effective_date=dt.date.fromisoformat(day),
        source="manual",
        reverses_id=reverses.id if reverses else None,
    )
    session.add(entry)
    session.flush()
    return entry


@pytest.fixture
def payments(session: Session, dept: Department) -> Department:
    c1, c2 = dept.cases["c1"].id, dept.cases["c2"].id
    _pay(session, c1, "300.00", "2026-05-25")  # previous period
    _pay(session, c1, "1000.00", "2026-06-05")
    _pay(session, c2, "500.00", "2026-06-12")
    wrong = _pay(session, c2, "200.00", "2026-06-12")
    _pay(session, c2, "-200.00", "2026-06-12", reverses=wrong)  # a reversal nets the wrong payment out
    session.add(
        LedgerEntry(
            case_id=c2, kind="principal", amount=Decimal("9999.00"), effective_date=dt.date(2026, 6, 6), source="import"
        )
    )  # a charge is not collected money
    plan = PaymentPlan(case_id=c1, active=True, total=Decimal("3000.00"), starts_on=dt.date(2026, 6, 1))
    old = PaymentPlan(case_id=c2, active=False, total=Decimal("100.00"), starts_on=dt.date(2026, 6, 1))
    session.add_all([plan, old])
    session.flush()
    session.add_all(
        [
            PlanInstalment(plan_id=plan.id, seq=1, due_date=dt.date(2026, 6, 5), amount=Decimal("1000.00")),  # kept
            PlanInstalment(plan_id=plan.id, seq=2, due_date=dt.date(2026, 6, 12), amount=Decimal("1000.00")),  # missed
            PlanInstalment(plan_id=plan.id, seq=3, due_date=dt.date(2026, 6, 20), amount=Decimal("1000.00")),  # not due
            PlanInstalment(plan_id=old.id, seq=1, due_date=dt.date(2026, 6, 3), amount=Decimal("100.00")),  # replaced
        ]
    )
    session.commit()
    return dept


def test_collected_per_month_and_tile(session: Session, payments: Department) -> None:
    by_month = KpiFilters(PERIOD.date_from, PERIOD.date_to, granularity="month")
    r = service.kpi(session, payments.head, "claimed_collected", by_month, NOW)
    assert [tuple(x) for x in r.frame[["period", "claimed", "collected"]].itertuples(index=False)] == [
        (dt.date(2026, 6, 1), Decimal("30000.00"), Decimal("1500.00"))
    ]
    tiles = {t.key: t for t in service.headline(session, payments.head, PERIOD, NOW)}
    assert (tiles["collected"].value, tiles["collected"].previous) == (Decimal("1500.00"), Decimal("300.00"))


def test_recovery_rate_to_date(session: Session, payments: Department) -> None:
    by_month = KpiFilters(PERIOD.date_from, PERIOD.date_to, granularity="month")
    r = service.kpi(session, payments.head, "recovery_rate", by_month, NOW)
    # claimed by 14 June: all 8 cases, 53,000.00; collected: 300 + 1000 + 500 = 1,800.00
    assert r.stats == {"claimed": Decimal("53000.00"), "collected": Decimal("1800.00"), "rate": 0.034}
    assert list(r.frame["as_of"]) == [dt.date(2026, 6, 14)]
    by_week = service.kpi(
        session, payments.head, "recovery_rate", KpiFilters(PERIOD.date_from, PERIOD.date_to, granularity="week"), NOW
    )
    # one point per week, at its Sunday (the last one at the period's end): never an hourly axis
    assert list(by_week.frame["as_of"]) == [dt.date(2026, 6, 7), dt.date(2026, 6, 14)]
    assert list(by_week.frame["period"]) == [dt.date(2026, 6, 1), dt.date(2026, 6, 8)]


def test_payment_plan_adherence(session: Session, payments: Department) -> None:
    r = service.kpi(session, payments.head, "plan_adherence", PERIOD, NOW)
    assert r.stats == {"due": 2, "kept": 1, "adherence": 0.5}


@pytest.fixture
def mail(session: Session, dept: Department) -> Department:
    def ship(n: int, case: str, mailed: str, status: str, delivered: str | None = None) -> None:
        s = Shipment(
            tracking_number=f"RA{n:08d}RU",
            mailed_at=at(mailed),
            status=status,
            delivered_at=at(delivered) if delivered else None,
        )
        session.add(s)
        session.flush()
        session.add(ShipmentCase(shipment_id=s.id, case_id=dept.cases[case].id))

    ship(1, "c1", "2026-06-02", "delivered", "2026-06-06")
    ship(2, "c2", "2026-06-03", "delivered", "2026-06-10")
    ship(3, "c6", "2026-06-04", "returned")
    ship(4, "c7", "2026-06-05", "in_transit")
    ship(5, "c3", "2026-05-20", "delivered", "2026-05-21")  # previous period
    session.commit()
    return dept


def test_mail_delivery_time_and_returned_share(session: Session, mail: Department) -> None:
    d = service.kpi(session, mail.head, "mail_delivery", PERIOD, NOW)
    assert [tuple(x) for x in d.frame[["days", "letters"]].itertuples(index=False)] == [(4, 1), (7, 1)]
    assert d.stats["median_days"] == pytest.approx(5.5)
    o = service.kpi(session, mail.head, "mail_outcomes", PERIOD, NOW)
    assert dict(zip(o.frame["status"], o.frame["letters"], strict=True)) == {
        "in_transit": 1,
        "delivered": 2,
        "returned": 1,
    }
    assert o.stats == {"mailed": 4, "returned": 1, "returned_share": 0.3333}
    assert o.search == {"flags": "mail_returned"}
    narrowed = service.kpi(
        session,
        mail.head,
        "mail_outcomes",
        type(PERIOD)(PERIOD.date_from, PERIOD.date_to, creditor_ids=(mail.c1.id,)),
        NOW,
    )
    assert narrowed.stats["mailed"] == 2  # c1 and c6 belong to creditor one


def test_bureau_on_time_share_and_overdue(session: Session, dept: Department) -> None:
    if not has_table(session, "bureau_events"):
        pytest.skip("the bureau migration is not in this tree")
    c = dept.cases["c1"]

    def event(n: int, statutory: str, status: str, accepted: dt.datetime | None = None) -> BureauEvent:
        day = dt.date.fromisoformat(statutory)
        return BureauEvent(
            record_uid=f"uid-{n}",
            case_id=c.id,
            debtor_id=c.debtor_id,
            kind="payment",
            event_code="2.3",
            occurred_on=day,
            due_date=day,
            statutory_date=day,
            payload={},
            status=status,
            accepted_at=accepted,
            send_count=0,
            source="system",
        )

    session.add_all(
        [
            event(1, "2026-06-05", "accepted", at("2026-06-04")),  # on time
            event(2, "2026-06-08", "accepted", at("2026-06-09")),  # late
            event(3, "2026-06-10", "pending"),  # deadline passed, not reported
            event(4, "2026-06-20", "pending"),  # deadline still ahead
            event(5, "2026-05-20", "rejected"),  # overdue since May
        ]
    )
    session.commit()
    t = service.kpi(session, dept.head, "bureau_timeliness", PERIOD, NOW)
    assert dict(zip(t.frame["outcome"], t.frame["events"], strict=True)) == {"on_time": 1, "late": 1, "overdue": 1}
    assert t.stats == {"events": 3, "on_time_share": 0.3333}
    o = service.kpi(session, dept.head, "bureau_overdue", PERIOD, NOW)
    assert dict(zip(o.frame["status"], o.frame["events"], strict=True)) == {"pending": 1, "rejected": 1}
    assert o.stats == {"overdue": 2, "oldest_days": 26}


def test_ocr_share_of_fields_corrected(session: Session, dept: Department) -> None:
    if not has_table(session, "ocr_corrections"):
        pytest.skip("the OCR migration is not in this tree")
    from core.ocr.models import OcrCorrection, OcrDocument, OcrField

    def document(case: str, status: str, reviewed: dt.datetime, fields: dict[str, tuple[str, str]]) -> None:
        doc = OcrDocument(
            filename="order.pdf",
            content_type="pdf",
            size_bytes=1,
            sha256="0" * 64,
            status=status,
            case_id=dept.cases[case].id,
            reviewed_at=reviewed,
            attempts=1,
            lines=[],
        )
        session.add(doc)
        session.flush()
        for name, (read, final) in fields.items():
            session.add(OcrField(document_id=doc.id, name=name, value=read, confidence=0.9, final_value=final))
            if read != final:
                session.add(
                    OcrCorrection(document_id=doc.id, field=name, ocr_value=read, final_value=final, at=reviewed)
                )

    document(
        "c6",
        "confirmed",
        at("2026-06-08"),
        {"case_number": ("2-1O78/2026", "2-1078/2026"), "act_date": ("01.06.2026", "01.06.2026")},
    )
    document(
        "c7",
        "confirmed",
        at("2026-06-09"),
        {"case_number": ("2-55/2026", "2-55/2026"), "act_date": ("02.06.2026", "02.06.2026")},
    )
    document("c1", "confirmed", at("2026-05-20"), {"case_number": ("x", "y")})  # reviewed before the period
    document("c2", "needs_review", at("2026-06-10"), {"case_number": ("a", "b")})  # not confirmed
    session.commit()
    r = service.kpi(session, dept.head, "ocr_corrections", PERIOD, NOW)
    assert [tuple(x) for x in r.frame[["field", "reviewed", "corrected"]].itertuples(index=False)] == [
        ("act_date", 2, 0),
        ("case_number", 2, 1),
    ]
    assert r.stats == {"reviewed": 4, "corrected": 1, "corrected_share": 0.25}

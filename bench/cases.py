"""The plain population the domain benchmarks start from: N cases at "Enforcement", each with its
own debtor (valid name, birth date and passport, so bureau validation passes) and contract,
written set-based in batches. Returns the case ids (1..N)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert

from core import db as core_db
from core.cases.models import AssignmentAgreement, Case, Contract, Creditor, Debtor

BATCH = 5000


def build_enforcement_cases(n: int, principal: Decimal, contract_date: dt.date) -> list[int]:
    now = core_db.utcnow()
    with core_db.session_scope() as s:
        cred = Creditor(name="МФК Бенчмарк", short_name="МФК Бенчмарк", inn="7701234567", is_own=False)
        own = Creditor(name="ООО ПКО Цессио Бенчмарк", short_name="Цессио", inn="7707654321", is_own=True)
        s.add_all([cred, own])
        s.flush()
        agr = AssignmentAgreement(number="Б-1", date=dt.date(2024, 1, 15), cedent_id=cred.id, assignee_id=own.id)
        s.add(agr)
        s.flush()
        for start in range(0, n, BATCH):
            rows = range(start, min(n, start + BATCH))
            s.execute(
                insert(Debtor),
                [
                    {
                        "id": i + 1,
                        "last_name": "Иванов",
                        "first_name": "Иван",
                        "middle_name": "Иванович",
                        "full_name": "Иванов Иван Иванович",
                        "name_search": "иванов иван иванович",
                        "birth_date": dt.date(1980, 1, 1) + dt.timedelta(days=i % 5000),
                        "passport": f"45{i % 100:02d} {i:06d}",
                    }
                    for i in rows
                ],
            )
            s.execute(
                insert(Contract),
                [
                    {
                        "id": i + 1,
                        "number": f"ДЗ-{i:07d}",
                        "date": contract_date,
                        "original_creditor_id": cred.id,
                        "debtor_id": i + 1,
                        "principal": principal,
                        "interest_rate_daily": Decimal("0.8"),
                        "penalty_rate_annual": Decimal("20"),
                        "term_days": 30,
                        "due_date": contract_date + dt.timedelta(days=30),
                        "is_microloan": True,
                    }
                    for i in rows
                ],
            )
            s.execute(
                insert(Case),
                [
                    {
                        "id": i + 1,
                        "number": f"C-{i + 1:06d}",
                        "debtor_id": i + 1,
                        "contract_id": i + 1,
                        "creditor_id": cred.id,
                        "agreement_id": agr.id,
                        "stage": "enforcement",
                        "entered_stage_at": now,
                        "claim_amount": principal,
                        "opened_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                    for i in rows
                ],
            )
    return list(range(1, n + 1))

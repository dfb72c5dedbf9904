"""Benchmark: the ledger. Builds N cases with an opening principal, runs the nightly accrual
(first night, next night, the same night again), the balances of all cases, and the import of a
bank file of M payments (and its re-import). Prints JSON: seconds per phase.

    .venv/bin/python -m bench.ledger --cases 2000 --payments 1000 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from core import db as core_db
from core.auth.permissions import SystemActor
from core.cases.models import AssignmentAgreement, Case, Contract, Creditor, Debtor
from core.config import reset_settings_cache
from core.ledger.models import LedgerEntry
from core.ledger.payments_import import import_payment_file
from core.ledger.service import balances
from core.migrate import upgrade
from jobs.accrual import run_accrual

BATCH = 5000
OPENED = dt.date(2024, 1, 10)


def build(n: int) -> list[int]:
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
                        "full_name": "Иванов Иван",
                        "name_search": "иванов иван",
                    }
                    for i in rows
                ],
            )
            s.execute(
                insert(Contract),
                [
                    {
                        "id": i + 1,
                        "number": f"B-{i:07d}",
                        "date": OPENED,
                        "original_creditor_id": cred.id,
                        "debtor_id": i + 1,
                        "principal": Decimal("10000.00"),
                        "interest_rate_daily": Decimal("0.8"),
                        "penalty_rate_annual": Decimal("20"),
                        "term_days": 30,
                        "due_date": OPENED + dt.timedelta(days=30),
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
                        "claim_amount": Decimal("10000.00"),
                        "opened_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                    for i in rows
                ],
            )
            s.execute(
                insert(LedgerEntry),
                [
                    {
                        "case_id": i + 1,
                        "kind": "principal",
                        "amount": Decimal("10000.00"),
                        "effective_date": OPENED,
                        "booked_at": now,
                        "source": "import",
                    }
                    for i in rows
                ],
            )
    return list(range(1, n + 1))


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn(*args)
    return round(time.perf_counter() - t, 3), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="cessio-bench-ledger-")
    url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    os.environ["CESSIO_DATABASE_URL"] = url
    reset_settings_cache()
    engine = core_db.make_engine(url)
    upgrade(engine)
    core_db.set_engine(engine)
    out: dict[str, object] = {"cases": args.cases, "payments": args.payments, "backend": engine.dialect.name}
    out["build_s"], ids = timed(build, args.cases)
    out["accrual_first_night_s"], _ = timed(run_accrual, dt.date(2024, 3, 1))
    out["accrual_next_night_s"], _ = timed(run_accrual, dt.date(2024, 3, 2))
    out["accrual_same_night_again_s"], _ = timed(run_accrual, dt.date(2024, 3, 2))
    with core_db.session_scope() as s:
        out["balances_all_cases_s"], _ = timed(balances, s, ids)
    lines = [
        f"05.03.2024;100,00;Плательщик {i};Оплата по договору B-{i % args.cases:07d}" for i in range(args.payments)
    ]
    content = ("Дата;Сумма;Плательщик;Назначение платежа\n" + "\n".join(lines)).encode("cp1251")
    actor = SystemActor("bench")
    for label in ("import", "reimport"):
        with core_db.session_scope() as s:
            seconds, report = timed(import_payment_file, s, actor, content, "bench.csv")
        out[f"{label}_s"] = seconds
        out[f"{label}_posted"] = report.posted
        out[f"{label}_duplicates"] = report.duplicates
    print(json.dumps(out))


if __name__ == "__main__":
    main()

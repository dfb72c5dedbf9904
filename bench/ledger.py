"""Benchmark: the ledger. Builds N cases with an opening principal, runs the nightly accrual
(first night, next night, the same night again), the balances of all cases, and the import of a
bank file of M payments (and its re-import). Prints JSON: seconds per phase.

    .venv/bin/python -m bench.ledger --cases 2000 --payments 1000 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from decimal import Decimal

from sqlalchemy import insert

from bench.cases import BATCH, build_enforcement_cases
from bench.database import open_database
from core import db as core_db
from core.auth.permissions import SystemActor
from core.ledger.models import LedgerEntry
from core.ledger.payments_import import import_payment_file
from core.ledger.service import balances
from jobs.accrual import run_accrual

OPENED = dt.date(2024, 1, 10)
PRINCIPAL = Decimal("10000.00")


def build(n: int) -> list[int]:
    """N cases with an opening principal of 10,000 booked on the contract date."""
    ids = build_enforcement_cases(n, PRINCIPAL, OPENED)
    now = core_db.utcnow()
    with core_db.session_scope() as s:
        for start in range(0, n, BATCH):
            s.execute(
                insert(LedgerEntry),
                [
                    {
                        "case_id": i,
                        "kind": "principal",
                        "amount": PRINCIPAL,
                        "effective_date": OPENED,
                        "booked_at": now,
                        "source": "import",
                    }
                    for i in ids[start : start + BATCH]
                ],
            )
    return ids


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
    engine = open_database(args.database_url, "ledger")
    out: dict[str, object] = {"cases": args.cases, "payments": args.payments, "backend": engine.dialect.name}
    out["build_s"], ids = timed(build, args.cases)
    out["accrual_first_night_s"], _ = timed(run_accrual, dt.date(2024, 3, 1))
    out["accrual_next_night_s"], _ = timed(run_accrual, dt.date(2024, 3, 2))
    out["accrual_same_night_again_s"], _ = timed(run_accrual, dt.date(2024, 3, 2))
    with core_db.session_scope() as s:
        out["balances_all_cases_s"], _ = timed(balances, s, ids)
    lines = [
        f"05.03.2024;100,00;Плательщик {i};Оплата по договору ДЗ-{i % args.cases:07d}" for i in range(args.payments)
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

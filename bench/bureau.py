"""Benchmark: the bureau outbox and one daily submission of N events against the sandbox over HTTP.

Builds N cases (one debtor each), publishes N payments the way the ledger does (one batch, so
the outbox insert is set-based), then runs the daily pass: claim, validate, write the RUTDF
files (5,000 records each), upload, acknowledge. Prints JSON: seconds per phase, files, bytes.

    .venv/bin/python -m bench.bureau --events 20000 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from decimal import Decimal

from sqlalchemy import func, select

from bench.cases import build_enforcement_cases
from bench.database import open_database
from core import db as core_db
from core.bureau.client import BureauClient
from core.bureau.models import ACCEPTED, BureauEvent, BureauSubmission
from core.bureau.sandbox import BureauSandbox
from core.bureau.service import run_submissions
from core.events import publish


def build(n: int) -> list[int]:
    return build_enforcement_cases(n, Decimal("30000.00"), dt.date(2023, 9, 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    engine = open_database(args.database_url, "bureau")

    t0 = time.perf_counter()
    case_ids = build(args.events)
    t1 = time.perf_counter()
    recorded = core_db.utcnow() - dt.timedelta(days=3)
    with core_db.session_scope() as s:
        publish(
            s,
            None,
            "payment.posted",
            [
                {
                    "case_id": c,
                    "entry_id": c,
                    "amount": Decimal("1500.00"),
                    "effective_date": recorded.date(),
                    "recorded_at": recorded,
                }
                for c in case_ids
            ],
        )
    t2 = time.perf_counter()
    with BureauSandbox() as gateway:
        client = BureauClient(gateway.url, "demo", "demo", timeout=120, attempts=2, backoff=0.5)
        summary = run_submissions(client, engine=engine)
    t3 = time.perf_counter()
    with core_db.session_scope() as s:
        accepted = s.scalar(select(func.count()).where(BureauEvent.status == ACCEPTED))
        size = s.scalar(select(func.sum(func.length(BureauSubmission.content))))
    print(
        json.dumps(
            {
                "database": engine.dialect.name,
                "events": args.events,
                "build_cases_seconds": round(t1 - t0, 2),
                "outbox_insert_seconds": round(t2 - t1, 2),
                "daily_submission_seconds": round(t3 - t2, 2),
                "events_per_second_submitted": round(args.events / (t3 - t2), 1),
                "files": summary.files,
                "accepted": accepted,
                "file_bytes_total": int(size or 0),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

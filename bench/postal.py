"""Benchmark: one full daily postal cycle for N letters in transit against the sandbox over HTTP.

Builds N cases at "Claim mailed" with a shipment each (tracking numbers spread over every
sandbox scenario), then runs the job's ticks until every ticket is answered: tickets of 3,000,
the 5xx / expired / not-ready misbehaviours of the sandbox, applying operations, moving the
delivered cases and flagging the returned ones. Prints JSON: seconds, requests, outcomes.

    .venv/bin/python -m bench.postal --items 100000 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from decimal import Decimal

from sqlalchemy import func, insert, select

from bench.database import open_database
from core import db as core_db
from core.cases.models import AssignmentAgreement, Case, Contract, Creditor, Debtor
from core.postal.client import PostalClient
from core.postal.models import Shipment
from core.postal.polling import CycleReport, run_cycle
from core.postal.sandbox import PostalSandbox
from core.postal.service import ShipmentInput, register_shipments
from core.postal.tracking import domestic_check_digit

BATCH = 5000


def tracking(i: int) -> str:
    first13 = f"{101000 + i // 100000:06d}{11 + (i // 100000) % 80:02d}{i % 100000:05d}"
    return first13 + str(domestic_check_digit(first13))


def build(n: int, mailed_at: dt.datetime) -> None:
    with core_db.session_scope() as s:
        cred = Creditor(name="МФК Бенчмарк", short_name="МФК Бенчмарк", is_own=False)
        own = Creditor(name="ООО ПКО Цессио Бенчмарк", short_name="Цессио", is_own=True)
        s.add_all([cred, own])
        s.flush()
        agr = AssignmentAgreement(number="Б-1", date=dt.date(2024, 1, 15), cedent_id=cred.id, assignee_id=own.id)
        debtor = Debtor(last_name="Иванов", first_name="Иван", full_name="Иванов Иван", name_search="иванов иван")
        s.add_all([agr, debtor])
        s.flush()
        contract = Contract(
            number="ДЗ-1",
            date=dt.date(2023, 9, 1),
            original_creditor_id=cred.id,
            debtor_id=debtor.id,
            principal=Decimal("30000.00"),
            term_days=30,
        )
        s.add(contract)
        s.flush()
        ids = (cred.id, agr.id, debtor.id, contract.id)
    start_id = 1
    for lo in range(0, n, BATCH):
        hi = min(n, lo + BATCH)
        with core_db.session_scope() as s:
            s.execute(
                insert(Case),
                [
                    {
                        "id": start_id + i,
                        "number": f"C-{start_id + i:06d}",
                        "debtor_id": ids[2],
                        "contract_id": ids[3],
                        "creditor_id": ids[0],
                        "agreement_id": ids[1],
                        "stage": "claim_mailed",
                        "entered_stage_at": mailed_at,
                        "court_name": "Судебный участок № 1",
                        "court_address": "г. Москва",
                        "tracking_number": tracking(i),
                        "claim_amount": Decimal("30000.00"),
                        "opened_at": mailed_at,
                        "updated_at": mailed_at,
                        "version": 1,
                    }
                    for i in range(lo, hi)
                ],
            )
            register_shipments(
                s,
                None,
                [
                    ShipmentInput(tracking(i), (start_id + i,), "Судебный участок № 1", None, None, mailed_at)
                    for i in range(lo, hi)
                ],
                source="bench",
            )
    with core_db.session_scope() as s:
        if core_db.is_postgres(s):
            s.execute(select(func.setval("cases_id_seq", n + 1)))
        s.execute(Shipment.__table__.update().values(created_at=mailed_at))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp directory")
    parser.add_argument("--slow-seconds", type=float, default=0.2, help="delay of the sandbox's slow-answer scenario")
    args = parser.parse_args(argv)

    os.environ["CESSIO_POSTAL_TICKET_WAIT_SECONDS"] = "0"
    engine = open_database(args.database_url, "postal")

    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    build(args.items, now - dt.timedelta(days=3))
    setup_seconds = time.perf_counter() - t0

    total = CycleReport()
    ticks = 0
    with PostalSandbox(slow_seconds=args.slow_seconds) as sandbox:
        client = PostalClient(sandbox.batch_url, sandbox.single_url, "demo", "demo", timeout=120, backoff=0.05)
        started = time.perf_counter()
        cpu_started = time.process_time()
        with client:
            while ticks < 20:
                ticks += 1
                report = run_cycle(client, now + dt.timedelta(minutes=ticks))
                total.tickets_created += report.tickets_created
                total.items_asked += report.items_asked
                total.answers_fetched += report.answers_fetched
                total.not_ready += report.not_ready
                total.expired += report.expired
                total.applied.add(report.applied)
                total.errors.extend(report.errors)
                if (
                    not report.tickets_created
                    and not report.not_ready
                    and not report.expired
                    and not report.answers_fetched
                ):
                    break
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        sandbox_requests = dict(sandbox.state.requests)
    with core_db.session_scope() as s:
        statuses = dict(s.execute(select(Shipment.status, func.count()).group_by(Shipment.status)).all())
        stages = dict(s.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
    print(
        json.dumps(
            {
                "benchmark": "postal daily cycle",
                "database": engine.dialect.name,
                "items": args.items,
                "setup_seconds": round(setup_seconds, 2),
                "cycle_seconds": round(seconds, 2),
                "cycle_cpu_seconds_client_and_sandbox": round(cpu_seconds, 2),
                "load_average_1min": round(os.getloadavg()[0], 1),
                "ticks": ticks,
                "requests": client.stats.total,
                "requests_by_kind": {
                    "getTicket": client.stats.tickets,
                    "getResponseByTicket": client.stats.answers,
                    "retries_after_5xx": client.stats.retries,
                },
                "sandbox_requests": sandbox_requests,
                "tickets_created": total.tickets_created,
                "not_ready_answers": total.not_ready,
                "expired_answers": total.expired,
                "operations_stored": total.applied.new_operations,
                "cases_moved_to_delivered": total.applied.cases_moved,
                "cases_flagged_returned": total.applied.cases_flagged,
                "shipment_statuses": statuses,
                "case_stages": stages,
                "errors": total.errors[:5],
            },
            indent=2,
        )
    )
    engine.dispose()


if __name__ == "__main__":
    main()

"""Benchmark: the whole KPI dashboard's queries on PostgreSQL with N cases (default 1,000,000).

Creates a dedicated database (``cessio_bench_kpi``) on the server of ``CESSIO_TEST_PG_URL``,
migrates it, fills it set-based with ``INSERT ... SELECT generate_series`` (cases spread over two
years with their transition events, payments, payment plans, court mail, bureau events),
runs ``VACUUM ANALYZE``, then times the dashboard with the KPI cache cleared (cold) and again
(warm, from the cache), and once more cold with a creditor filter. Prints JSON; drops the
database at the end (``--keep`` keeps it). ``--reuse`` skips the load and measures the kept
database (after applying any newer migration), for iterating on the queries:

    .venv/bin/python -m bench.kpi --cases 1000000 --keep
    .venv/bin/python -m bench.kpi --reuse --keep
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.auth.permissions import SystemActor
from core.db import make_engine, utcnow
from core.kpi import service
from core.kpi.filters import KpiFilters
from core.migrate import upgrade

PG_URL = os.environ.get("CESSIO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = "cessio_bench_kpi"

REGIONS = [f"Region {i:02d}" for i in range(1, 31)]
# weighted: more cases sit early in the route and in enforcement
STAGE_MIX = (
    ["new"] * 2
    + ["claim_prepared"] * 2
    + ["claim_mailed"] * 3
    + ["claim_delivered"] * 2
    + ["order_issued", "order_refused", "order_cancelled", "order_in_force"]
    + ["lawsuit_filed", "hearing", "judgment"]
    + ["enforcement"] * 4
    + ["repaid"] * 3
    + ["written_off"]
)
PIPELINE = ["new", "claim_prepared", "claim_mailed", "claim_delivered", "order_issued", "order_in_force", "enforcement"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]::text[]"


def load(engine: Engine, n: int) -> dict[str, Any]:
    """Fill the database set-based; returns row counts and seconds per table."""
    timings: dict[str, float] = {}
    stages = _array(STAGE_MIX)
    pipeline = _array(PIPELINE)
    regions = _array(REGIONS)
    steps: list[tuple[str, str]] = [
        (
            "users",
            """INSERT INTO users (username, full_name, role, password_hash, mfa_enrolled, is_active, failed_logins,
                                  created_at)
               SELECT 'user' || g, 'Employee ' || g, (ARRAY['clerk','clerk','clerk','lawyer','lawyer','head'])[1 + g % 6],
                      'x', false, true, 0, now()
               FROM generate_series(1, 12) g""",
        ),
        (
            "creditors",
            """INSERT INTO creditors (name, short_name, is_own)
               SELECT 'Creditor ' || g, 'Creditor ' || g, g > 20 FROM generate_series(1, 22) g""",
        ),
        (
            "assignment_agreements",
            """INSERT INTO assignment_agreements (number, date, cedent_id, assignee_id)
               SELECT 'A-' || g, DATE '2024-01-01' + g * 9, 1 + g % 20, 21 + g % 2 FROM generate_series(1, 40) g""",
        ),
        (
            "debtors",
            f"""INSERT INTO debtors (id, last_name, first_name, full_name, name_search, birth_date, region)
               SELECT g, 'Ivanov' || g, 'Ivan', 'Ivanov' || g || ' Ivan', 'ivanov' || g || ' ivan',
                      DATE '1960-01-01' + (g % 15000)::int, ({regions})[1 + g % 30]
               FROM generate_series(1::bigint, :n) g""",
        ),
        (
            "contracts",
            """INSERT INTO contracts (id, number, date, original_creditor_id, debtor_id, principal, interest_rate_daily,
                                      penalty_rate_annual, term_days, is_microloan)
               SELECT g, 'L-' || g, DATE '2023-01-01' + (g % 700)::int, 1 + g % 20, g, 5000 + (g % 95) * 500, 0.8, 20, 30,
                      true
               FROM generate_series(1::bigint, :n) g""",
        ),
        (
            "cases",
            f"""INSERT INTO cases (id, number, debtor_id, contract_id, creditor_id, agreement_id, stage, responsible_id,
                                  entered_stage_at, claim_amount, opened_at, closed_at, updated_at, version)
               SELECT g, 'C-' || CASE WHEN g < 1000000 THEN lpad(g::text, 6, '0') ELSE g::text END, g, g, 1 + g % 20,
                      1 + g % 40, s.stage, CASE WHEN g % 17 = 0 THEN NULL ELSE 1 + g % 12 END,
                      s.entered, 5000 + (g % 190) * 250, s.opened,
                      CASE WHEN s.stage IN ('repaid', 'written_off') THEN s.entered END, now(), 1
               FROM generate_series(1::bigint, :n) g
               CROSS JOIN LATERAL (
                   SELECT ({stages})[1 + (g * 7919) % {len(STAGE_MIX)}] AS stage,
                          now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute' AS opened,
                          greatest(now() - (g % 730) * interval '1 day',
                                   now() - ((g * 31) % 240) * interval '1 day' - (g % 600) * interval '1 minute')
                              AS entered
               ) s""",
        ),
        (
            "case_events",
            # the timeline is append-only, so rows lie on disk in time order, as in production
            f"""INSERT INTO case_events (case_id, at, kind, source, user_id, from_stage, to_stage, data)
               SELECT e.* FROM (
                   SELECT c.id, c.opened_at + k * ((5 + c.id % 20) * interval '1 day') AS at, 'transition', 'bulk',
                          1 + (c.id + k) % 12, ({pipeline})[k], ({pipeline})[k + 1], '{{}}'::json
                   FROM cases c CROSS JOIN LATERAL generate_series(1, 1 + c.id % 6) k
               ) e
               WHERE e.at <= now()
               ORDER BY e.at""",
        ),
        (
            "ledger_entries",
            """INSERT INTO ledger_entries (case_id, kind, amount, effective_date, booked_at, source)
               SELECT 1 + (g * 7919) % :n, 'payment', 500 + (g % 40) * 100, current_date - (g % 730)::int, now(), 'import'
               FROM generate_series(1::bigint, :n * 3 / 10) g""",
        ),
        (
            "payment_plans",
            """INSERT INTO payment_plans (id, case_id, active, total, starts_on, created_at)
               SELECT g, 1 + (g * 104729) % :n, g % 5 <> 0, 6000, current_date - (g % 400)::int, now()
               FROM generate_series(1::bigint, :n / 50) g""",
        ),
        (
            "plan_instalments",
            """INSERT INTO plan_instalments (plan_id, seq, due_date, amount)
               SELECT p.id, k, p.starts_on + k * 30, 1000 FROM payment_plans p CROSS JOIN generate_series(1, 6) k""",
        ),
        (
            "postal_shipments",
            """INSERT INTO postal_shipments (id, tracking_number, mailed_at, status, delivered_at, returned_at, source,
                                             created_at)
               SELECT g, 'RA' || lpad(g::text, 9, '0') || 'RU', now() - (g % 730) * interval '1 day',
                      (ARRAY['delivered','delivered','delivered','delivered','delivered','delivered','delivered',
                             'returned','in_transit','refused'])[1 + g % 10],
                      CASE WHEN g % 10 < 7 THEN now() - (g % 730) * interval '1 day' + (2 + g % 12) * interval '1 day'
                      END,
                      CASE WHEN g % 10 = 7 THEN now() - (g % 730) * interval '1 day' + interval '30 days' END,
                      'bench', now()
               FROM generate_series(1::bigint, :n * 3 / 10) g""",
        ),
        (
            "postal_shipment_cases",
            """INSERT INTO postal_shipment_cases (shipment_id, case_id)
               SELECT g, 1 + (g * 3) % :n FROM generate_series(1::bigint, :n * 3 / 10) g""",
        ),
        (
            "bureau_events",
            """INSERT INTO bureau_events (record_uid, case_id, debtor_id, kind, event_code, occurred_on, created_at,
                                          due_date, statutory_date, payload, status, accepted_at, send_count, source)
               SELECT 'uid-' || g, 1 + (g * 13) % :n, 1 + (g * 13) % :n, 'payment', '2.3',
                      current_date - (g % 730)::int - 7, now(), current_date - (g % 730)::int - 6, current_date - (g % 730)::int,
                      '{}'::json,
                      (ARRAY['accepted','accepted','accepted','accepted','accepted','accepted','accepted','accepted',
                             'pending','rejected'])[1 + g % 10],
                      CASE WHEN g % 10 < 8 THEN (current_date - (g % 730)::int)::timestamptz
                                                + ((g % 3) - 1) * interval '1 day' + interval '10 hours' END,
                      1, 'system'
               FROM generate_series(1::bigint, :n * 3 / 10) g""",
        ),
    ]
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        for table, sql in steps:
            started = time.perf_counter()
            conn.execute(text(sql), {"n": n})
            timings[table] = round(time.perf_counter() - started, 2)
        for table in ("debtors", "contracts", "cases", "postal_shipments", "payment_plans"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        timings["vacuum_analyze"] = round(time.perf_counter() - started, 2)
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("cases", "case_events", "ledger_entries", "postal_shipments", "bureau_events", "plan_instalments")
        }
    return {"rows": counts, "load_seconds": timings}


def time_dashboard(engine: Engine, f: KpiFilters) -> dict[str, Any]:
    """Every query the page runs for one filter set, with the KPI cache cleared first."""
    service.clear_cache()
    actor = SystemActor("kpi benchmark")
    at = utcnow()  # one clock for all queries, as the page's ``service.dashboard`` does
    per: dict[str, float] = {}
    with Session(engine) as session:
        started = time.perf_counter()
        t = time.perf_counter()
        service.filter_options(session, actor)
        per["filter_options"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        service.headline(session, actor, f, at)
        per["headline"] = round(time.perf_counter() - t, 3)
        empty: list[str] = []
        for spec in service.REGISTRY:
            t = time.perf_counter()
            if service.kpi(session, actor, spec.key, f, at).empty:
                empty.append(spec.key)
            per[spec.key] = round(time.perf_counter() - t, 3)
        cold = time.perf_counter() - started
        t = time.perf_counter()
        service.dashboard(session, actor, f, at)
        warm = time.perf_counter() - t
    return {
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cold_seconds": round(cold, 3),
        "warm_seconds": round(warm, 4),
        "per_kpi_seconds": per,
        "kpis_without_data": empty,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure only: use the database kept by an earlier --keep run (migrated to heads, not reloaded)",
    )
    args = parser.parse_args()

    url = make_url(PG_URL)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    result: dict[str, Any] = {"benchmark": "kpi dashboard", "database": "postgresql", "cases": args.cases}
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}).first()
        if args.reuse and exists is None:
            parser.error(f"--reuse: the database {DB_NAME} does not exist; run once with --keep first")
        if not args.reuse:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    engine = make_engine(url.set(database=DB_NAME).render_as_string(hide_password=False))
    try:
        started = time.perf_counter()
        upgrade(engine)  # on a reused database: applies migrations added since it was loaded
        result["migrate_seconds"] = round(time.perf_counter() - started, 2)
        if args.reuse:
            result["reused"] = True
            with engine.connect() as conn:
                result["rows"] = {"cases": conn.execute(text("SELECT count(*) FROM cases")).scalar_one()}
        else:
            result.update(load(engine, args.cases))
        month = KpiFilters.last_days(30)
        # the page's default: the last twelve calendar months, by month
        result["default_12_months_by_month"] = time_dashboard(engine, KpiFilters.last_months())
        result["last_30_days"] = time_dashboard(engine, month)
        result["last_365_days_by_week"] = time_dashboard(engine, KpiFilters.last_days(365, granularity="week"))
        result["last_30_days_one_creditor"] = time_dashboard(engine, KpiFilters.last_days(30, creditor_ids=(3,)))
        result["target_seconds"] = 3.0
    finally:
        engine.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark of case search and bulk transition; prints JSON.

    python -m bench.search [--cases 100000] [--url postgresql+psycopg://...] [--repeat 20] [--names-only]

Loads demo cases into the database (unless it already holds at least that many), then times
ten representative searches (page query + count), the first page of partial name searches as
the search page asks for it (the rows first, without the count: target p95 under 50 ms on
1,000,000 cases, two-letter fragments included) with the count that follows it, and one bulk
transition of 10,000 cases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from decimal import Decimal

from sqlalchemy import func, select

from bench.database import open_demo_database
from core.auth.permissions import SystemActor
from core.cases.models import Case, Creditor
from core.cases.search import CaseFilter, count_cases, search_cases
from core.cases.service import transition_cases
from core.db import session_scope, utcnow


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--names-only", action="store_true", help="only the first pages of name searches")
    parser.add_argument("--fragments", default=",".join(NAME_FRAGMENTS), help="comma-separated name fragments")
    args = parser.parse_args(argv)

    engine, load_seconds = open_demo_database(args.url, args.cases, "VACUUM ANALYZE")
    actor = SystemActor("bench")
    with session_scope(engine) as s:
        total_cases = s.scalar(select(func.count()).select_from(Case)) or 0
        creditor_id = s.scalar(select(Creditor.id).order_by(Creditor.id))
        sample = s.execute(select(Case.id).order_by(Case.id.desc()).limit(1)).scalar_one()
        case = s.get(Case, sample)
        assert case is not None
        court_number = s.scalar(select(Case.court_case_number).where(Case.court_case_number.is_not(None)).limit(1))
        responsible = case.responsible_id

    searches: dict[str, tuple[CaseFilter, str]] = {
        "all, newest first": (CaseFilter(), "opened_at"),
        "debtor name partial": (CaseFilter(debtor_name="иванов"), "opened_at"),
        "stage": (CaseFilter(stages=["claim_mailed"]), "opened_at"),
        "stage over SLA": (CaseFilter(stages=["claim_delivered"], over_sla=True), "days_in_stage"),
        "creditor + region": (CaseFilter(creditor_ids=[creditor_id], regions=["Москва"]), "opened_at"),
        "contract number": (CaseFilter(contract_number="З12345"), "opened_at"),
        "court case number": (CaseFilter(court_case_number=court_number), "opened_at"),
        "claim range by amount": (
            CaseFilter(claim_min=Decimal("50000"), claim_max=Decimal("60000")),
            "claim_amount",
        ),
        "responsible by days in stage": (
            CaseFilter(responsible_ids=[responsible] if responsible else []),
            "days_in_stage",
        ),
        "case number": (CaseFilter(number=f"C-{sample:06d}"), "opened_at"),
    }
    first_pages = _time_first_pages(engine, actor, args.fragments.split(","), args.repeat)
    if args.names_only:
        print(
            json.dumps(
                {"database": engine.dialect.name, "cases": total_cases, "first_page_of_name_search": first_pages},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    results: dict[str, dict[str, float | int]] = {}
    for label, (f, sort) in searches.items():
        timings: list[float] = []
        count = 0

        def run(f: CaseFilter = f, sort: str = sort) -> int:
            with session_scope(engine) as s:
                page = search_cases(s, actor, f, sort=sort, limit=50)
                return page.total or 0

        count = run()  # warm
        for _ in range(args.repeat):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        results[label] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(_percentile(timings, 0.95), 1),
            "matches": count,
        }

    bulk_seconds = _time_bulk(engine, actor, args.bulk)
    print(
        json.dumps(
            {
                "database": engine.dialect.name,
                "cases": total_cases,
                "demo_load_seconds": load_seconds,
                "searches": results,
                "first_page_of_name_search": first_pages,
                "bulk_transition": bulk_seconds,
                "measured_at": utcnow().isoformat(timespec="seconds"),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


# common and rare surnames, a first name, a patronymic ending, two-letter fragments
NAME_FRAGMENTS = ("иванов", "смирнова", "кондрат", "петр", "ова", "ив", "ка", "ан ив")


def _time_first_pages(
    engine: object, actor: SystemActor, fragments: list[str], repeat: int
) -> dict[str, dict[str, float | int | bool]]:
    """The search page's first answer to a name search: 50 rows in name order (the page's sort
    for a name search), no count; then the exact count the page shows a moment later."""
    out: dict[str, dict[str, float | int | bool]] = {}
    for fragment in fragments:
        f = CaseFilter(debtor_name=fragment)

        def page(f: CaseFilter = f) -> int:
            with session_scope(engine) as s:  # type: ignore[arg-type]
                return len(search_cases(s, actor, f, sort="debtor", descending=False, limit=50, with_total=False).rows)

        page()  # warm
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            rows = page()
            timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with session_scope(engine) as s:  # type: ignore[arg-type]
            matches = count_cases(s, actor, f)
        count_ms = (time.perf_counter() - started) * 1000
        out[fragment] = {
            "first_page_p50_ms": round(statistics.median(timings), 1),
            "first_page_p95_ms": round(_percentile(timings, 0.95), 1),
            "rows": rows,
            "matches": matches,
            "count_after_ms": round(count_ms, 1),
        }
    return out


def _time_bulk(engine: object, actor: SystemActor, n: int) -> dict[str, float | int]:
    with session_scope(engine) as s:  # type: ignore[arg-type]
        ids = list(s.scalars(select(Case.id).where(Case.stage == "new").order_by(Case.id).limit(n)))
    started = time.perf_counter()
    with session_scope(engine) as s:  # type: ignore[arg-type]
        report = transition_cases(s, actor, ids, "prepare_claim", source="bulk")
    seconds = time.perf_counter() - started
    return {"cases": len(ids), "moved": len(report.moved), "seconds": round(seconds, 2)}


if __name__ == "__main__":
    main()

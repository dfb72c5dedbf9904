"""Benchmark of a print package; prints JSON.

    python -m bench.documents [--cases 1000] [--url sqlite:////tmp/x.db] [--docs a,b,c]

Creates ``--cases`` cases at "claim prepared" with debt on the ledger in a fresh database (a
temporary SQLite file unless ``--url`` is given) and a temporary file store, then times one
``build_package``: every case's documents (by default the court-order application, the debt
calculation and the register extract, plus the form-107 inventory with ``--docs``), the cover
sheet, the form-103 register, the pypdf merge and storing everything.
Target (issue 5): 1,000 cases x 3 documents + register in under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import shutil
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from core.auth.service import create_user
from core.cases.models import AssignedClaim, AssignmentAgreement, Case, Contract, Creditor, Debtor
from core.config import reset_settings_cache
from core.db import make_engine, session_scope, set_engine, utcnow
from core.migrate import upgrade

SURNAMES = ("Иванов", "Смирнова", "Кузнецов", "Попова", "Васильев", "Петрова", "Соколов", "Михайлова")
NAMES = ("Иван", "Анна", "Сергей", "Мария", "Алексей", "Елена")


def _seed(n: int) -> tuple[int, list[int]]:
    """n cases with principal, interest and penalty on the ledger; returns (clerk id, case ids)."""
    from core.ledger.models import LedgerEntry

    run = uuid.uuid4().hex[:6]  # unique names, so a database given with --url can be reused
    with session_scope() as session:
        clerk = create_user(session, None, f"bench_clerk_{run}", "Бенчмарк Клерк Иванович", "clerk", "bench-password-1")
        cedent = Creditor(
            name=f"ООО МФК «Быстрый займ» {run}",
            short_name="МФК Быстрый займ",
            inn="7709876543",
            ogrn="1127746000002",
            address="101000, г. Москва, ул. Мясницкая, д. 10",
        )
        assignee = Creditor(
            name=f"ООО ПКО «Цессио» {run}",
            short_name="ПКО Цессио",
            inn="7701234567",
            ogrn="1157746000001",
            address="115035, г. Москва, ул. Садовническая, д. 82, стр. 2",
            is_own=True,
            bank_details="р/с 40702810000000000001 в ПАО Сбербанк, БИК 044525225",
        )
        session.add_all([cedent, assignee])
        session.flush()
        agreement = AssignmentAgreement(
            number="Ц-17/2024", date=dt.date(2024, 1, 15), cedent_id=cedent.id, assignee_id=assignee.id
        )
        session.add(agreement)
        session.flush()
        now = utcnow()
        case_ids: list[int] = []
        for i in range(n):
            last = SURNAMES[i % len(SURNAMES)]
            first = NAMES[i % len(NAMES)]
            middle = "Петрович" if not last.endswith("а") else "Петровна"
            full = f"{last} {first} {middle}"
            debtor = Debtor(
                last_name=last,
                first_name=first,
                middle_name=middle,
                full_name=full,
                name_search=full.lower(),
                birth_date=dt.date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                birth_place="г. Тверь",
                passport=f"45{i % 100:02d} {i:06d}",
                address=f"170{i % 1000:03d}, г. Тверь, ул. Советская, д. {1 + i % 90}, кв. {1 + i % 300}",
                region="Тверская область",
            )
            session.add(debtor)
            session.flush()
            principal = Decimal(10000 + (i * 37) % 40000)
            contract = Contract(
                number=f"ДЗ-{i:07d}",
                date=dt.date(2023, 1 + i % 12, 1 + i % 28),
                original_creditor_id=cedent.id,
                debtor_id=debtor.id,
                principal=principal,
                interest_rate_daily=Decimal("0.8"),
                penalty_rate_annual=Decimal("20"),
                term_days=30,
                due_date=dt.date(2023, 1 + i % 12, 1 + i % 28) + dt.timedelta(days=30),
            )
            session.add(contract)
            session.flush()
            interest = (principal * Decimal("1.3")).quantize(Decimal("0.01"))
            penalty = (principal * Decimal("0.05")).quantize(Decimal("0.01"))
            session.add(
                AssignedClaim(
                    agreement_id=agreement.id,
                    contract_id=contract.id,
                    register_line=i + 1,
                    principal=principal,
                    interest=interest,
                    penalty=penalty,
                    fees=Decimal("0"),
                    total=principal + interest + penalty,
                )
            )
            case = Case(
                number=f"B{run}-{i:06d}",
                debtor_id=debtor.id,
                contract_id=contract.id,
                creditor_id=assignee.id,
                agreement_id=agreement.id,
                stage="claim_prepared",
                entered_stage_at=now,
                claim_amount=principal,
                opened_at=now,
                court_name=f"Судебный участок № {1 + i % 60} Центрального района г. Твери",
                court_address="170100, г. Тверь, ул. Советская, д. 23",
                version=1,
            )
            session.add(case)
            session.flush()
            case_ids.append(case.id)
            for kind, amount in (("principal", principal), ("interest", interest), ("penalty", penalty)):
                session.execute(
                    insert(LedgerEntry).values(
                        case_id=case.id,
                        kind=kind,
                        amount=amount,
                        effective_date=dt.date(2024, 3, 1),
                        booked_at=now,
                        source="import",
                    )
                )
        return clerk.id, case_ids


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--docs", default="court_order_application,debt_calculation,register_extract")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and file store")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cessio_bench_docs_"))
    os.environ["CESSIO_FILE_STORE_DIR"] = str(workdir / "files")
    reset_settings_cache()
    engine = make_engine(args.url or f"sqlite:///{workdir / 'bench.db'}")
    upgrade(engine)
    set_engine(engine)

    from pypdf import PdfReader

    from core.auth.models import User
    from core.documents.packages import build_package
    from core.files.service import read_file

    t0 = time.perf_counter()
    clerk_id, case_ids = _seed(args.cases)
    seed_seconds = time.perf_counter() - t0
    phases: dict[str, list[float]] = {}  # phase -> [wall seconds, cpu seconds]
    last: list[object] = [time.perf_counter(), time.process_time(), ""]

    def progress(label: str, share: float) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        key = str(last[2]).split(":")[0]
        if key:
            spent = phases.setdefault(key, [0.0, 0.0])
            spent[0] += wall - float(last[0])  # type: ignore[arg-type]
            spent[1] += cpu - float(last[1])  # type: ignore[arg-type]
        last[:] = [wall, cpu, label]

    doc_types = [d.strip() for d in args.docs.split(",") if d.strip()]
    start = time.perf_counter()
    cpu_start = time.process_time()
    with session_scope() as session:
        clerk = session.get(User, clerk_id)
        assert clerk is not None
        report = build_package(session, clerk, case_ids, doc_types=doc_types, progress=progress)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    load = os.getloadavg()[0]
    with session_scope() as session:
        data = read_file(report.file_id, session)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(
        json.dumps(
            {
                "benchmark": "documents.print_package",
                "database": engine.dialect.name,
                "cases": report.case_count,
                "documents_per_case": len(doc_types),
                "documents": report.case_count * len(doc_types) + 1,
                "pages": pages,
                "package_mb": round(len(data) / 1_000_000, 2),
                "seconds": round(seconds, 2),
                "seconds_per_case": round(seconds / max(report.case_count, 1), 4),
                "cpu_seconds": round(cpu_seconds, 2),
                "cpu_seconds_per_case": round(cpu_seconds / max(report.case_count, 1), 4),
                "load_average_1min": round(load, 1),
                "phases_wall_cpu_seconds": {k: [round(v[0], 2), round(v[1], 2)] for k, v in phases.items()},
                "left_out": len(report.failures),
                "target_seconds": 60,
                "seed_seconds": round(seed_seconds, 1),
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    engine.dispose()
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

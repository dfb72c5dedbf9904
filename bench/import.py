"""Benchmark: a generated 100,000-row legacy workbook imported into SQLite and PostgreSQL.

Prints JSON: seconds to import (and to re-import the same file, which must change nothing) on
each database. Target: under 2 minutes per import. PostgreSQL comes from CESSIO_TEST_PG_URL
(a temporary database is created and dropped); ``--rows`` and ``--only`` narrow the run.

``--messy`` generates a register as departments keep it instead (tests/importer/registers.py:
a summary sheet first, a title and an "exported by" line above a header over two rows with
merged cells, the department's status words and typos, 14-digit tracking numbers stored as
numbers, dates as ``12.03.23г.``, amounts as ``15 000,00 р.``, apostrophes, blank rows, notes,
repeated headers, totals, duplicates, about 1% real mistakes) and measures what a new user
gets after only accepting the proposed decisions: the share of good rows imported at the right
stage (target 98%), bad rows reported with their column (100%), lines lost or imported twice (0)
and the time of the dry run and of the import (under 2 minutes).

    .venv/bin/python bench/import.py [--rows 100000] [--only sqlite|postgresql] [--workbook /tmp/legacy.xlsx] [--messy]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bench.database import open_database
from core.auth.models import User
from core.auth.permissions import SystemActor
from core.auth.service import hash_password
from core.cases.models import Case, Contract
from core.importer.service import Options, dry_run, run_import
from tests.importer.builders import HEADERS_RU, tracking
from tests.importer.registers import USERS, Truth, build_register, score

LAST = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков"]
FIRST = ["Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Андрей", "Николай", "Олег"]
MIDDLE = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Дмитриевич", "Андреевич"]
STAGES = ["новый", "Отправлено в суд", "приказ вынесен", "вступил в силу", "ФССП", "Отказ", "иск подан"]
CREDITORS = ["МФК Быстроденьги", "ООО МКК Займер", "МФК Мани Мен", "ООО МФК Конга"]


def build_workbook(rows: int, seed: int = 7) -> bytes:
    """Messy on purpose: dates as text, as Excel serials and as date cells; amounts with spaces,
    commas and "руб."; names in random case; about 1% of the rows invalid."""
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Реестр")
    ws.append(HEADERS_RU)
    for n in range(1, rows + 1):
        contract_day = dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(900))
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(14000))
        principal = rnd.randrange(5000, 90000)
        interest = rnd.randrange(0, principal)
        kop = rnd.randrange(100)
        style = n % 3
        contract_cell: object = (
            f"{contract_day:%d.%m.%Y}"
            if style == 0
            else (contract_day - dt.date(1899, 12, 30)).days
            if style == 1
            else contract_day
        )
        name = f"{rnd.choice(LAST)} {rnd.choice(FIRST)} {rnd.choice(MIDDLE)}"
        name = name.upper() if n % 5 == 0 else (name.lower() if n % 7 == 0 else name)
        stage = rnd.choice(STAGES)
        track = tracking(n) if stage != "новый" else ""
        total = f"{principal + interest:,}".replace(",", " ") + f",{kop:02d} руб."
        row = [
            f"ДЗ-{n:07d}",
            contract_cell,
            name,
            f"{birth:%Y-%m-%d}",
            rnd.choice(CREDITORS),
            total,
            principal,
            f"{interest},{kop:02d}",
            "1 200,00",
            "" if n % 2 else "256,40",
            stage,
            "",
            "Судебный участок № 3",
            f"2-{n}/2024" if stage in ("приказ вынесен", "вступил в силу") else "",
            track,
            f"{contract_day + dt.timedelta(days=200):%d.%m.%Y}" if track else "",
        ]
        if n % 100 == 0:
            row[1] = "31.02.2023"  # an invalid date: the row goes to the error file
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def measure(url: str, data: bytes) -> dict[str, object]:
    engine = open_database(url, "import")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    actor = SystemActor("import")
    result: dict[str, object] = {}
    for label in ("import", "reimport"):
        started, cpu = time.perf_counter(), time.process_time()
        with factory() as session:
            report = run_import(session, actor, data, "legacy.xlsx")
            session.commit()
        result[f"{label}_seconds"] = round(time.perf_counter() - started, 1)
        # CPU of this process only (on PostgreSQL the server works too); shows the cost when the
        # machine is shared and the wall clock waits for other processes.
        result[f"{label}_cpu_seconds"] = round(time.process_time() - cpu, 1)
        result[f"{label}_counts"] = {k: v for k, v in report.counts().items() if v}
    with factory() as session:
        result["cases"] = session.scalar(select(func.count()).select_from(Case))
    engine.dispose()
    return result


def measure_messy(url: str, data: bytes, truth: Truth) -> dict[str, object]:
    """Dry run, then import accepting the proposals, then import again; scored against the truth."""
    engine = open_database(url, "import")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    actor = SystemActor("import")
    result: dict[str, object] = {}
    with factory() as session:
        password = hash_password("bench-password-2026")
        for i, name in enumerate(USERS):
            session.add(User(username=f"clerk{i}", full_name=name, role="clerk", password_hash=password))
        session.commit()
        started, cpu = time.perf_counter(), time.process_time()
        report = dry_run(session, actor, data, "register.xlsx")
        session.rollback()
        result["dry_run_seconds"] = round(time.perf_counter() - started, 1)
        result["dry_run_cpu_seconds"] = round(time.process_time() - cpu, 1)
        result["dry_run_counts"] = {k: v for k, v in report.counts().items() if v}
        result["sheet_and_header"] = [report.sheet, report.header_line, report.header_rows]
        result["decisions"] = [
            {"value": d.value, "rows": d.count, "proposal": d.proposal} for d in report.decisions[:20]
        ]
    for label in ("import", "reimport"):
        with factory() as session:
            started, cpu = time.perf_counter(), time.process_time()
            report = run_import(session, actor, data, "register.xlsx", options=Options(accept_proposals=True))
            session.commit()
            result[f"{label}_seconds"] = round(time.perf_counter() - started, 1)
            result[f"{label}_cpu_seconds"] = round(time.process_time() - cpu, 1)
            result[f"{label}_counts"] = {k: v for k, v in report.counts().items() if v}
            if label == "import":
                stored: dict[str, str] = {}
                for number, stage in session.execute(
                    select(Contract.number, Case.stage).join(Case, Case.contract_id == Contract.id)
                ):
                    stored[number] = "__twice__" if number in stored else stage
                result["score"] = score(report, truth, stored)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--workbook", type=Path, help="reuse this generated workbook (written if missing)")
    parser.add_argument("--messy", action="store_true", help="a register as departments keep it, scored")
    args = parser.parse_args()
    started = time.perf_counter()
    truth: Truth | None = None
    if args.messy:
        saved = args.workbook.with_suffix(".truth.json") if args.workbook else None
        if args.workbook and args.workbook.is_file() and saved and saved.is_file():
            data, truth = args.workbook.read_bytes(), Truth.from_json(saved.read_text(encoding="utf-8"))
        else:
            data, truth = build_register(args.rows)
            if args.workbook and saved:
                args.workbook.write_bytes(data)
                saved.write_text(truth.to_json(), encoding="utf-8")
    elif args.workbook and args.workbook.is_file():
        data = args.workbook.read_bytes()
    else:
        data = build_workbook(args.rows)
        if args.workbook:
            args.workbook.write_bytes(data)
    out: dict[str, object] = {
        "rows": args.rows,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "workbook_mb": round(len(data) / 1e6, 1),
        "generate_seconds": round(time.perf_counter() - started, 1),
    }

    def run(url: str) -> dict[str, object]:
        return measure_messy(url, data, truth) if truth is not None else measure(url, data)

    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            out["sqlite"] = run(f"sqlite:///{tmp}/bench.db")
    if args.only in (None, "postgresql"):
        pg = make_url(os.environ.get("CESSIO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
        name = f"cessio_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            out["postgresql"] = run(pg.set(database=name).render_as_string(hide_password=False))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""``cessio import FILE [--mapping M] [--dry-run]``: the importer on the command line.

``--mapping`` is a JSON file ``{"header": "field"}`` or the name of a mapping saved on the
Import page; without it the remembered mapping and the built-in header names are used. The
command acts as ``--user`` (who must have the import permission) or as the system actor
"import". Exit status: 0 every row good, 2 some rows invalid (the valid ones were imported
unless ``--dry-run``), 1 the file or the mapping could not be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.auth.models import User
from core.auth.permissions import Actor, SystemActor
from core.db import session_scope
from core.errors import ValidationFailed
from core.i18n import _
from core.importer.service import (
    ImportReport,
    dry_run,
    invalid_rows_file,
    load_mapping_file,
    remembered_mapping,
    run_import,
)


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("import", help="import the legacy case spreadsheet (.xlsx or .csv)")
    p.add_argument("file", type=Path, help="the .xlsx or .csv file")
    p.add_argument("--mapping", help="a JSON file {header: field} or the name of a saved mapping")
    p.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
    p.add_argument("--user", help="act as this user (default: the system actor 'import')")
    p.add_argument("--invalid", type=Path, help="write the invalid rows with an error column to this .xlsx/.csv")
    p.add_argument("--json", action="store_true", help="print the summary as JSON only")
    p.set_defaults(func=run)


def _actor(session: Any, username: str | None) -> Actor:
    if not username:
        return SystemActor("import")
    user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    if user is None:
        raise ValidationFailed(_("There is no active user '{username}'.").format(username=username))
    return user


def _progress(stage: str, done: int, total: int) -> None:
    print(f"\r{stage}: {done}/{total}", end="", file=sys.stderr, flush=True)


def _print(report: ImportReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.summary(), ensure_ascii=False))
        return
    print("", file=sys.stderr)
    for row in report.rows:
        if row.status == "invalid":
            print(_("line {line}: {items}").format(line=row.line, items="; ".join(row.errors)))
        elif row.warnings:
            print(_("line {line}: note: {items}").format(line=row.line, items="; ".join(row.warnings)))
    c = report.counts()
    counts = _(
        "{rows} rows: {good} good ({new} new, {update} changed, {unchanged} unchanged), {bad} invalid, {duplicate} duplicate."
    ).format(**{k: c[k] for k in ("rows", "good", "new", "update", "unchanged", "bad", "duplicate")})
    if report.dry_run:
        print(counts + " " + _("New and changed rows would be imported."))
    else:
        print(counts + " " + _("New and changed rows were imported."))


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(_("error: {path} does not exist").format(path=path), file=sys.stderr)
        return 1
    data = path.read_bytes()
    with session_scope() as session:
        mapping = None
        if args.mapping:
            mapping = (
                load_mapping_file(args.mapping)
                if Path(args.mapping).is_file()
                else remembered_mapping(session, args.mapping)
            )
        actor = _actor(session, args.user)
        progress = None if args.json else _progress
        if args.dry_run:
            report = dry_run(session, actor, data, path.name, mapping, progress)
        else:
            report = run_import(session, actor, data, path.name, mapping, progress)
    _print(report, args.json)
    if args.invalid and report.invalid:
        fmt = "csv" if args.invalid.suffix.lower() == ".csv" else "xlsx"
        args.invalid.write_bytes(invalid_rows_file(report, fmt))
        if not args.json:
            print(_("The invalid rows are in {invalid}.").format(invalid=args.invalid))
    return 2 if report.invalid else 0

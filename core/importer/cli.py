"""``cessio import FILE [--mapping M] [--dry-run] [--accept-proposals] [--decisions D]``: the
importer on the command line.

``--mapping`` is a JSON file ``{"header": "field"}`` or the name of a mapping saved on the
Import page; it overrides only the columns it names, the others are recognised as usual. The
dry run prints each value still to decide once (a stage word the table does not know, a
person's name that matches no user) with its count and the proposal; ``--accept-proposals``
takes the proposals as they are, ``--decisions FILE`` takes them from a JSON file (the one
``--write-decisions`` writes, edited). Without ``--dry-run`` the decisions are saved for the
next files. The command acts as ``--user`` (who must have the import permission) or as the
system actor "import". Exit status: 0 every row good, 2 some rows invalid (the valid ones were
imported unless ``--dry-run``), 1 the file or the mapping could not be used.
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
from core.cases.workflow import STAGE_BY_CODE
from core.db import session_scope
from core.errors import ValidationFailed
from core.i18n import _
from core.importer.decisions import RESPONSIBLE, STAGE, Decisions
from core.importer.service import (
    ImportReport,
    Options,
    dry_run,
    invalid_rows_file,
    load_decisions_file,
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
    p.add_argument("--sheet", help="read this sheet (default: the one with a recognisable header)")
    p.add_argument("--header-row", type=int, help="the header is on this line (default: found automatically)")
    p.add_argument(
        "--accept-proposals", action="store_true", help="decide every unknown stage word and name as proposed"
    )
    p.add_argument("--decisions", type=Path, help='a JSON file {"stages": {word: stage}, "responsible": {name: user}}')
    p.add_argument("--write-decisions", type=Path, help="write the values to decide, with the proposals, to this file")
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


def _proposal_text(kind: str, proposal: object, users: dict[int, str]) -> str:
    if kind == STAGE:
        return _(STAGE_BY_CODE[str(proposal)].label) if proposal else _("no proposal: decide it")
    return users.get(int(proposal), str(proposal)) if isinstance(proposal, int) else _("leave unassigned")


def _print(report: ImportReport, as_json: bool, users: dict[int, str]) -> None:
    if as_json:
        summary = report.summary()
        summary["decisions_pending"] = [d.as_dict() for d in report.decisions if not d.applied]
        summary["decisions_applied"] = [d.as_dict() for d in report.decisions if d.applied]
        print(json.dumps(summary, ensure_ascii=False, default=str))
        return
    print("", file=sys.stderr)
    print(_("Sheet “{sheet}”, header on line {line}.").format(sheet=report.sheet or "CSV", line=report.header_line))
    for row in report.rows:
        if row.status == "invalid" or (row.status == "duplicate" and row.errors):
            print(_("line {line}: {problems}").format(line=row.line, problems="; ".join(row.errors)))
        elif row.warnings:
            print(_("line {line}: note: {notes}").format(line=row.line, notes="; ".join(row.warnings)))
    for d in report.decisions:
        what = _("stage word") if d.kind == STAGE else _("responsible")
        state = _("applied") if d.applied else _("to decide")
        print(
            _("{state}: {what} “{value}” ({count} rows) → {proposal}").format(
                state=state, what=what, value=d.value, count=d.count, proposal=_proposal_text(d.kind, d.proposal, users)
            )
        )
    c = report.counts()
    verb = _("would be imported") if report.dry_run else _("were imported")
    print(
        _(
            "{rows} rows: {good} good ({new} new, {update} changed, {unchanged} unchanged), {bad} invalid, "
            "{duplicate} duplicate, {skipped} skipped (not cases). New and changed rows {verb}."
        ).format(**c, verb=verb)
    )
    pending = sum(1 for d in report.decisions if not d.applied)
    if pending:
        print(
            _(
                "{n} values to decide: run again with --accept-proposals, or with --decisions FILE "
                "(--write-decisions FILE writes them with the proposals)."
            ).format(n=pending)
        )


def _decisions(session: Any, path: Path | None) -> Decisions:
    """A decisions file with user names (login or full name) resolved to user ids."""
    if path is None:
        return Decisions()
    loaded = load_decisions_file(path)
    names: dict[str, int | None] = {}
    for name, who in loaded.names.items():
        if who in (None, ""):
            names[name] = None
            continue
        user = session.scalar(select(User).where((User.username == str(who)) | (User.full_name == str(who))))
        if user is None:
            raise ValidationFailed(_("Decisions file: there is no user “{user}”.").format(user=who))
        names[name] = user.id
    return Decisions(loaded.stages, names)


def _write_decisions(path: Path, report: ImportReport, users: dict[int, str]) -> None:
    data: dict[str, dict[str, Any]] = {"stages": {}, "responsible": {}}
    for d in report.decisions:
        if d.kind == STAGE:
            data["stages"][d.value] = d.proposal
        elif d.kind == RESPONSIBLE:
            data["responsible"][d.value] = users.get(d.proposal) if isinstance(d.proposal, int) else None
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


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
        options = Options(args.sheet, args.header_row, _decisions(session, args.decisions), args.accept_proposals)
        if args.dry_run:
            report = dry_run(session, actor, data, path.name, mapping, progress, options)
        else:
            report = run_import(session, actor, data, path.name, mapping, progress, options=options)
        users = {u.id: u.username for u in session.scalars(select(User))}
    _print(report, args.json, users)
    if args.write_decisions:
        _write_decisions(args.write_decisions, report, users)
    if args.invalid and report.invalid:
        fmt = "csv" if args.invalid.suffix.lower() == ".csv" else "xlsx"
        args.invalid.write_bytes(invalid_rows_file(report, fmt))
        if not args.json:
            print(_("The invalid rows are in {invalid}.").format(invalid=args.invalid))
    return 2 if report.invalid else 0

"""Dry run and import of the legacy spreadsheet.

``dry_run`` reads, maps and validates the file and compares every valid row with what Cessio
already holds (matched by contract number), writing nothing. ``run_import`` does the same and
then writes the new and changed rows set-based (ARCHITECTURE rule 5, see ``write.py``): per
chunk of rows one bulk INSERT per table (COPY on PostgreSQL), one executemany UPDATE per table,
one INSERT of timeline events; the whole import is one audited action (``import.run``) in the
caller's transaction.

Idempotency: the contract number is the key. A row whose contract exists and whose values equal
what is stored is "unchanged" and touches nothing; a row with different values updates the case,
contract and debtor and writes each change into the case timeline. An empty cell means "not
known", never "erase": a later file with fewer columns does not wipe data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import Actor, Permission, require
from core.calendar import local_tz
from core.cases.models import AssignmentAgreement, Case, Contract
from core.cases.workflow import STAGE_BY_CODE
from core.db import is_postgres, utcnow
from core.errors import ValidationFailed
from core.i18n import N_, _
from core.importer.decisions import (
    RESPONSIBLE,
    STAGE,
    Decision,
    Decisions,
    collect,
    name_key,
    propose_stage,
    propose_user,
    stage_key,
    user_lookup,
)
from core.importer.mapping import (
    DEFAULT_STAGE_WORDS,
    FIELD_BY_NAME,
    detect_mapping,
    mapping_problems,
    normalize_header,
    normalize_word,
    stage_lookup,
)
from core.importer.models import ImportMapping, ImportNameDecision, ImportRun, ImportStageWord
from core.importer.plan import Plan, chunks, desired, diff, load_existing
from core.importer.read import SheetInfo, Table, cell_text, read_table
from core.importer.validate import ParsedRow, classify_rows, validate_rows
from core.importer.write import DEFAULT_CREDITOR, Writer, creditor_ids
from core.text import escape_spreadsheet_cell

CHUNK = 2000
IN_CHUNK = 5000
LAST_MAPPING = "last used"
ERROR_HEADER = "Ошибка / Error"
ProgressFn = Callable[[str, int, int], None]

STATUS_LABELS = {
    "new": N_("new case"),
    "update": N_("update"),
    "unchanged": N_("unchanged"),
    "invalid": N_("invalid"),
    "duplicate": N_("duplicate"),
    "skipped": N_("skipped: not a case"),
}


# ---------------------------------------------------------------- reports


@dataclass
class RowReport:
    line: int
    contract_number: str
    status: str  # new | update | unchanged | invalid | duplicate | skipped
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    filename: str
    sha256: str
    headers: list[str]
    mapping: dict[str, str]
    rows: list[RowReport]
    dry_run: bool
    invalid: list[tuple[int, list[Any], str]] = field(default_factory=list)  # (line, cells, error)
    run_id: int | None = None
    written: dict[str, int] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)  # the values still to decide once
    sheet: str | None = None
    header_line: int = 1
    header_rows: int = 1

    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.rows)
        return {
            "rows": len(self.rows),
            "good": c["new"] + c["update"] + c["unchanged"],
            "bad": c["invalid"],
            "duplicate": c["duplicate"],
            "skipped": c["skipped"],
            "new": c["new"],
            "update": c["update"],
            "unchanged": c["unchanged"],
            "warnings": sum(1 for r in self.rows if r.warnings),
            "decisions": sum(1 for d in self.decisions if not d.applied),
        }

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "sheet": self.sheet,
            "header_line": self.header_line,
            **self.counts(),
            **self.written,
        }

    def as_rows(self, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The row-by-row report as table rows (optionally only some statuses)."""
        wanted = set(statuses) if statuses else None
        return [
            {
                "line": r.line,
                "contract": r.contract_number,
                "result": _(STATUS_LABELS[r.status]),
                "problems": "; ".join(r.errors),
                "warnings": "; ".join(r.warnings),
                "changes": "; ".join(r.changes),
            }
            for r in self.rows
            if wanted is None or r.status in wanted
        ]


@dataclass(frozen=True)
class FileInfo:
    """What the mapping step shows: the headers, the proposed mapping and a few rows."""

    filename: str
    headers: list[str]
    mapping: dict[str, str]
    problems: list[str]
    row_count: int
    sample: list[list[Any]]
    encoding: str | None
    delimiter: str | None
    sheet: str | None = None
    header_line: int = 1
    header_rows: int = 1
    header_fields: int = 0
    sheets: tuple[SheetInfo, ...] = ()


# ---------------------------------------------------------------- remembered mapping and stage words


def remembered_mapping(session: Session, name: str | None = None) -> dict[str, str]:
    """A saved mapping by name; without a name all saved mappings merged, the newest winning."""
    if name is not None:
        found = session.scalar(select(ImportMapping).where(ImportMapping.name == name))
        if found is None:
            raise ValidationFailed(_("There is no saved mapping named '{name}'.").format(name=name))
        return {str(k): str(v) for k, v in found.columns.items()}
    merged: dict[str, str] = {}
    for m in session.scalars(select(ImportMapping).order_by(ImportMapping.updated_at, ImportMapping.id)):
        merged.update({str(k): str(v) for k, v in m.columns.items()})
    return merged


def mapping_names(session: Session) -> list[str]:
    return list(session.scalars(select(ImportMapping.name).order_by(ImportMapping.name)))


def _store_mapping(session: Session, actor: Actor, name: str, mapping: Mapping[str, str]) -> None:
    cleaned = {normalize_header(h): f for h, f in mapping.items() if normalize_header(h)}
    row = session.scalar(select(ImportMapping).where(ImportMapping.name == name))
    if row is None:
        session.add(ImportMapping(name=name, columns=cleaned, updated_at=utcnow(), updated_by_id=actor.id))
    else:
        row.columns = {**row.columns, **cleaned}
        row.updated_at = utcnow()
        row.updated_by_id = actor.id
    session.flush()


def save_mapping(session: Session, actor: Actor, name: str, mapping: Mapping[str, str]) -> None:
    """Remember a mapping under a name (merged into an existing one of that name)."""
    require(actor, Permission.IMPORT_RUN)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the mapping a name."))
    bad = [f for f in mapping.values() if f and f not in FIELD_BY_NAME]
    if bad:
        raise ValidationFailed(_("Unknown importer fields: {items}.").format(items=", ".join(bad)))
    _store_mapping(session, actor, name, mapping)
    record_audit(session, actor, "import.mapping_saved", "import_mapping", name, {"columns": len(mapping)})


def load_mapping_file(path: str | Path) -> dict[str, str]:
    """A mapping as a JSON object ``{"header": "field", ...}`` (for the command line)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(
            _("The mapping file '{path}' cannot be read as JSON: {exc}").format(path=path, exc=exc)
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValidationFailed(_('The mapping file must be a JSON object {"header": "field", ...}.'))
    return {str(k): v for k, v in data.items()}


def stage_words(session: Session) -> dict[str, str]:
    """The stage-word table: the saved one, or the built-in words until somebody saves one."""
    rows = session.execute(select(ImportStageWord.word, ImportStageWord.stage)).all()
    return {r.word: r.stage for r in rows} if rows else dict(DEFAULT_STAGE_WORDS)


def save_stage_words(session: Session, actor: Actor, words: Mapping[str, str]) -> int:
    """Replace the stage-word table; returns the number of words saved."""
    require(actor, Permission.IMPORT_RUN)
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    for word, code in words.items():
        key = normalize_word(str(word or ""))
        if not key:
            continue
        if code not in STAGE_BY_CODE:
            problems[key] = _("'{code}' is not a stage").format(code=code)
            continue
        cleaned[key] = code
    if problems:
        raise ValidationFailed("Some stage words point to no stage.", problems)
    session.execute(delete(ImportStageWord))
    if cleaned:
        session.execute(insert(ImportStageWord), [{"word": w, "stage": s} for w, s in cleaned.items()])
    record_audit(session, actor, "import.stage_words_saved", "import_stage_words", None, {"words": len(cleaned)})
    return len(cleaned)


def name_decisions(session: Session) -> dict[str, int | None]:
    """Name key -> user id (None: leave unassigned) as decided on the Import page."""
    return {
        r.name_key: r.user_id for r in session.execute(select(ImportNameDecision.name_key, ImportNameDecision.user_id))
    }


def save_decisions(session: Session, actor: Actor, decisions: Decisions) -> dict[str, int]:
    """Keep the decisions on unknown values: stage words join the stage-word table (the built-in
    words are kept), names are remembered with their user or as "unassigned". One audited action."""
    require(actor, Permission.IMPORT_RUN)
    bad = {w: c for w, c in decisions.stages.items() if c not in STAGE_BY_CODE}
    if bad:
        raise ValidationFailed(
            _("Some stage words point to no stage."),
            {w: _("“{code}” is not a stage").format(code=c) for w, c in bad.items()},
        )
    users = {u for u in session.scalars(select(User.id).where(User.id.in_([i for i in decisions.names.values() if i])))}
    missing = {n: i for n, i in decisions.names.items() if i is not None and i not in users}
    if missing:
        raise ValidationFailed(_("Some names point to no user."), {n: str(i) for n, i in missing.items()})
    if decisions.stages:
        table = {**stage_words(session), **{stage_key(w): c for w, c in decisions.stages.items() if stage_key(w)}}
        session.execute(delete(ImportStageWord))
        session.execute(insert(ImportStageWord), [{"word": w, "stage": c} for w, c in table.items()])
    now = utcnow()
    for name, user_id in decisions.names.items():
        key = name_key(name)
        if not key:
            continue
        row = session.scalar(select(ImportNameDecision).where(ImportNameDecision.name_key == key))
        if row is None:
            session.add(ImportNameDecision(name_key=key, user_id=user_id, decided_at=now, decided_by_id=actor.id))
        else:
            row.user_id, row.decided_at, row.decided_by_id = user_id, now, actor.id
    session.flush()
    counts = {"stages": len(decisions.stages), "names": len(decisions.names)}
    record_audit(session, actor, "import.decisions_saved", "import_stage_words", None, counts)
    return counts


def load_decisions_file(path: str | Path) -> Decisions:
    """Decisions as JSON: ``{"stages": {"СП вынесен": "order_issued"}, "responsible":
    {"Сидоров С.С.": "username" | null}}`` (for the command line; user names are resolved by the caller)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(
            _("The decisions file “{path}” cannot be read as JSON: {error}").format(path=path, error=exc)
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(_('The decisions file must be a JSON object {"stages": {...}, "responsible": {...}}.'))
    stages = data.get("stages") or {}
    names = data.get("responsible") or {}
    if not isinstance(stages, dict) or not isinstance(names, dict):
        raise ValidationFailed(_('The decisions file must be a JSON object {"stages": {...}, "responsible": {...}}.'))
    return Decisions({str(k): str(v) for k, v in stages.items()}, {str(k): v for k, v in names.items()})


# ---------------------------------------------------------------- analysis


def inspect_file(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    sample: int = 5,
    sheet: str | None = None,
    header_line: int | None = None,
) -> FileInfo:
    """Read the file, find its sheet and header and propose a mapping (the remembered one first).

    Bounded and cheap enough for the page (issue #19): the reader refuses a file over 50 MB, a
    workbook that unpacks to more than 800 MB and a sheet whose used area exceeds 4,000,000
    cells before building anything (read.py), so the page never holds more than that grid."""
    require(actor, Permission.IMPORT_RUN)
    table = read_table(data, filename, sheet, header_line)
    mapping = detect_mapping(table.headers, remembered_mapping(session))
    return FileInfo(
        filename,
        table.headers,
        mapping,
        mapping_problems(mapping),
        len(table),
        [list(r) for r in table.rows[:sample]],
        table.encoding,
        table.delimiter,
        table.sheet,
        table.header_line,
        table.header_rows,
        table.header_fields,
        tuple(table.sheets),
    )


@dataclass
class _Analysis:
    table: Table
    mapping: dict[str, str]
    plans: list[Plan]
    report: ImportReport
    agreement_dates: dict[int, dt.date] = field(default_factory=dict)


def _resolve_mapping(session: Session, table: Table, mapping: Mapping[str, str] | None) -> dict[str, str]:
    """The recognised mapping with the given columns overridden: a partial mapping changes only
    the columns it names (a field it gives to one column is taken from any other)."""
    detected = detect_mapping(table.headers, remembered_mapping(session))
    if not mapping:
        return detected
    given = {normalize_header(h): f for h, f in mapping.items()}
    named = {
        h: mapping[h] if h in mapping else given[normalize_header(h)]
        for h in table.headers
        if h in mapping or normalize_header(h) in given
    }
    claimed = {f for f in named.values() if f}
    return {h: named[h] if h in named else ("" if detected[h] in claimed else detected[h]) for h in table.headers}


@dataclass(frozen=True)
class Options:
    """What the user chose about a file beyond the mapping: the sheet and header line (None:
    found automatically), decisions to apply, and whether to apply the proposals as they are."""

    sheet: str | None = None
    header_line: int | None = None
    decisions: Decisions = field(default_factory=Decisions)
    accept_proposals: bool = False


def pending_decisions(
    table: Table,
    mapping: Mapping[str, str],
    stages: Mapping[str, str],
    users: Mapping[str, int | None],
    decided_names: Mapping[str, int | None],
    skipped: Sequence[str | None],
) -> list[Decision]:
    """Each distinct stage word the table does not know and each name that matches no single
    user (and was not decided before), with counts and proposals: one pass over two columns of
    the rows that are cases."""
    out: list[Decision] = []
    cases = [(row, line) for row, line, skip in zip(table.rows, table.lines, skipped, strict=True) if skip is None]
    index = {
        f: table.headers.index(h) for h, f in mapping.items() if f in ("stage", "responsible") and h in table.headers
    }
    if "stage" in index:
        i = index["stage"]
        out += collect(
            [(line, row[i]) for row, line in cases],
            STAGE,
            stages,
            stage_key,
            lambda word: propose_stage(word, stages),
        )
    if "responsible" in index:
        i = index["responsible"]
        known = {k: u for k, u in users.items() if u is not None}
        out += collect(
            [(line, row[i]) for row, line in cases],
            RESPONSIBLE,
            {**known, **decided_names},
            name_key,
            lambda name: propose_user(name, users),
        )
    return out


def _analyse(
    session: Session,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | None,
    dry: bool,
    progress: ProgressFn | None,
    options: Options | None = None,
    table: Table | None = None,
) -> _Analysis:
    options = options or Options()
    if table is None:
        table = read_table(data, filename, options.sheet, options.header_line)
    chosen = _resolve_mapping(session, table, mapping)
    problems = mapping_problems(chosen)
    if problems:
        raise ValidationFailed(
            _("The column mapping is not complete. {problems}").format(problems=" ".join(problems)),
            {"mapping": " ".join(problems)},
        )
    users = session.execute(select(User.id, User.full_name).where(User.is_active.is_(True))).all()
    user_names = {u.id: u.full_name for u in users}
    people = user_lookup([(u.id, u.full_name) for u in users])
    stages = stage_lookup(stage_words(session))
    decided = name_decisions(session)
    stages.update({stage_key(w): c for w, c in options.decisions.stages.items() if c in STAGE_BY_CODE})
    decided.update({name_key(n): u for n, u in options.decisions.names.items()})
    skipped = classify_rows(table, chosen)
    decisions = pending_decisions(table, chosen, stages, people, decided, skipped)
    if options.accept_proposals:
        for d in decisions:
            if d.kind == STAGE and d.proposal is not None:
                stages[d.key] = str(d.proposal)
                d.applied = True
            elif d.kind == RESPONSIBLE:
                decided[d.key] = d.proposal if isinstance(d.proposal, int) else None
                d.applied = True
    today = dt.datetime.now(local_tz()).date()
    rows = validate_rows(
        table,
        chosen,
        stages,
        people,
        today,
        (lambda done, total: progress("Checking rows", done, total)) if progress else None,
        decided,
        skipped,
    )
    agreement_ids, agreements = _agreements(session, rows, chosen)
    agreements_by_id = {i: n for i, (n, _d) in agreements.items()}
    existing = load_existing(session, [r.contract_number for r in rows if r.valid])
    plans: list[Plan] = []
    for r in rows:
        if r.skipped is not None:
            plans.append(Plan(r, "skipped"))
            continue
        if r.duplicate_of is not None:
            plans.append(Plan(r, "duplicate"))
            continue
        if r.errors:
            plans.append(Plan(r, "invalid"))
            continue
        debtor, contract, case = desired(r, agreement_ids)
        plan = Plan(r, "new", None, debtor, contract, case, r.values.get("creditor"))
        matches = existing.get(r.contract_number, [])
        if len(matches) > 1:
            r.errors.append(
                _(
                    "Contract number: {count} contracts in Cessio are numbered '{contract_number}'; the import cannot tell which one this row means"
                ).format(count=len(matches), contract_number=r.contract_number)
            )
            plan.status = "invalid"
        elif matches:
            plan.existing = matches[0]
            diff(plan, user_names, agreements_by_id)
        plans.append(plan)
    report_rows: list[RowReport] = []
    invalid: list[tuple[int, list[Any], str]] = []
    for p in plans:
        r = p.row
        warnings = list(r.warnings)
        if p.status == "duplicate" and not r.errors:
            if r.repeats_invalid:
                warnings.insert(
                    0, _("repeats line {line}, whose problems are reported there").format(line=r.duplicate_of)
                )
            else:
                warnings.insert(0, _("repeats line {line}; imported once").format(line=r.duplicate_of))
        if p.status == "skipped":
            warnings.insert(0, _("skipped: {reason}").format(reason=r.skipped))
        report_rows.append(RowReport(r.line, r.contract_number, p.status, list(r.errors), warnings, p.change_texts))
        if r.errors and p.status in ("invalid", "duplicate"):
            invalid.append((r.line, list(table.rows[r.index]), "; ".join(r.errors)))
    sha = hashlib.sha256(data).hexdigest()
    report = ImportReport(filename, sha, list(table.headers), chosen, report_rows, dry, invalid)
    report.decisions = decisions
    report.sheet, report.header_line, report.header_rows = table.sheet, table.header_line, table.header_rows
    return _Analysis(table, chosen, plans, report, {i: d for i, (_n, d) in agreements.items()})


def _agreements(
    session: Session, rows: list[ParsedRow], mapping: Mapping[str, str]
) -> tuple[dict[str, int], dict[int, tuple[str, dt.date]]]:
    """Assignment agreements named in the file must exist in Cessio (they carry the cedent,
    the assignee and the date of the cession); returns number -> id and id -> (number, date)."""
    numbers = sorted({r.values["agreement_number"] for r in rows if "agreement_number" in r.values})
    if not numbers:
        return {}, {}
    header = next(h for h, f in mapping.items() if f == "agreement_number")
    found: dict[str, list[tuple[int, dt.date]]] = defaultdict(list)
    for part in chunks(numbers):
        for a_id, number, day in session.execute(
            select(AssignmentAgreement.id, AssignmentAgreement.number, AssignmentAgreement.date).where(
                AssignmentAgreement.number.in_(part)
            )
        ):
            found[number].append((a_id, day))
    for r in rows:
        number = r.values.get("agreement_number")
        if number is None:
            continue
        if not found.get(number):
            r.errors.append(
                _("{header}: assignment agreement '{number}' is not in Cessio; add it first or clear the cell").format(
                    header=header, number=number
                )
            )
        elif len(found[number]) > 1:
            r.errors.append(
                _("{header}: {count} assignment agreements are numbered '{number}'").format(
                    header=header, count=len(found[number]), number=number
                )
            )
    ids = {n: lst[0][0] for n, lst in found.items() if len(lst) == 1}
    return ids, {lst[0][0]: (n, lst[0][1]) for n, lst in found.items() if len(lst) == 1}


def dry_run(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    progress: ProgressFn | None = None,
    options: Options | None = None,
) -> ImportReport:
    """What the import would do, row by row, and the values still to decide; writes nothing
    (decisions in ``options`` are applied for this run only)."""
    require(actor, Permission.IMPORT_RUN)
    return _analyse(session, data, filename, mapping, True, progress, options).report


# ---------------------------------------------------------------- writing


def _lock(session: Session) -> None:
    """One import at a time: two imports of the same file must not both create its contracts."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(7310010)"))


def _stale(session: Session, plans: Sequence[Plan]) -> bool:
    """True when, since the analysis, a contract of a "new" row appeared or a case of the file
    was changed (by another import or a user): the analysis is then made again under the lock."""
    new_numbers = [p.row.contract_number for p in plans if p.status == "new" and p.existing is None]
    for part in chunks(new_numbers):
        if session.scalar(select(func.count()).select_from(Contract).where(Contract.number.in_(part))):
            return True
    versions = {p.existing.case_id: p.existing.case["version"] for p in plans if p.existing and p.existing.case_id}
    ids = sorted(versions)
    for part in chunks(ids):
        for case_id, version in session.execute(select(Case.id, Case.version).where(Case.id.in_(part))):
            if versions[case_id] != version:
                return True
    return False


def _save_chosen(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | None,
    options: Options,
) -> tuple[Options, Table]:
    """Save the given decisions and (with ``accept_proposals``) the proposals for what is still
    undecided; returns the options for the import itself (nothing left to apply in memory) and
    the table read (so the file is read once)."""
    chosen = Decisions(dict(options.decisions.stages), dict(options.decisions.names))
    table = read_table(data, filename, options.sheet, options.header_line)
    if options.accept_proposals:
        resolved = _resolve_mapping(session, table, mapping)
        users = session.execute(select(User.id, User.full_name).where(User.is_active.is_(True))).all()
        stages = stage_lookup(stage_words(session))
        stages.update({stage_key(w): c for w, c in chosen.stages.items()})
        decided = {**name_decisions(session), **{name_key(n): u for n, u in chosen.names.items()}}
        people = user_lookup([(u.id, u.full_name) for u in users])
        for d in pending_decisions(table, resolved, stages, people, decided, classify_rows(table, resolved)):
            if d.kind == STAGE and d.proposal is not None:
                chosen.stages.setdefault(d.value, str(d.proposal))
            elif d.kind == RESPONSIBLE:
                chosen.names.setdefault(d.value, d.proposal if isinstance(d.proposal, int) else None)
    if chosen:
        save_decisions(session, actor, chosen)
    return Options(options.sheet, options.header_line), table


def run_import(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    progress: ProgressFn | None = None,
    remember_as: str | None = LAST_MAPPING,
    options: Options | None = None,
) -> ImportReport:
    """Import the valid rows; the invalid ones stay in the report (``invalid_rows_file``).

    One audited action (``import.run`` with the summary); the caller commits. The mapping used
    is remembered as ``remember_as`` for the next file. Decisions in ``options`` (and, with
    ``accept_proposals``, the proposals of the dry run) are saved first, so the next file
    needs none of them again.
    """
    require(actor, Permission.IMPORT_RUN)
    options = options or Options()
    table: Table | None = None
    if options.decisions or options.accept_proposals:
        options, table = _save_chosen(session, actor, data, filename, mapping, options)
    now = utcnow()
    run = ImportRun(
        started_at=now,
        user_id=actor.id,
        actor_name=actor.username,
        filename=filename[:300],
        file_sha256=hashlib.sha256(data).hexdigest(),
        summary={},
    )
    # Read and check the file before taking the lock (SQLite has one writer: other users'
    # writes should not wait for the parsing), then make sure nothing moved meanwhile.
    analysis = _analyse(session, data, filename, mapping, False, progress, options, table)
    session.add(run)
    session.flush()  # on SQLite this takes the database's write lock
    _lock(session)
    if _stale(session, analysis.plans):
        analysis = _analyse(session, data, filename, mapping, False, progress, options, analysis.table)
    report = analysis.report
    report.run_id = run.id
    todo = [p for p in analysis.plans if p.status in ("new", "update")]
    names = {p.creditor for p in todo if p.creditor}
    if any(p.existing is None and not p.creditor for p in todo):
        names.add(DEFAULT_CREDITOR)
    writer = Writer(session, actor, run.id, filename, now, creditor_ids(session, names) if names else {})
    writer.agreement_dates = analysis.agreement_dates
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        writer.create([p for p in chunk if p.status == "new"])
        writer.update([p for p in chunk if p.status == "update"])
        if progress:
            progress("Importing", min(start + CHUNK, len(todo)), len(todo))
    report.written = dict(writer.counts)
    run.total_rows = len(report.rows)
    run.finished_at = utcnow()
    run.summary = report.summary()
    if remember_as:
        _store_mapping(session, actor, remember_as, analysis.mapping)
    record_audit(session, actor, "import.run", "import_run", run.id, report.summary())
    session.flush()
    session.expire_all()
    return report


# ---------------------------------------------------------------- the invalid-rows file and history


def invalid_rows_file(report: ImportReport, fmt: str = "xlsx") -> bytes:
    """The invalid rows as they were in the file, with an error column appended, to fix and
    import again (the error column is ignored on the way back in)."""
    headers = [*report.headers, ERROR_HEADER]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";")
        writer.writerow(headers)
        for _line, cells, error in report.invalid:
            writer.writerow([escape_spreadsheet_cell(cell_text(c)) for c in cells] + [escape_spreadsheet_cell(error)])
        return buf.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Invalid rows")
    ws.append(headers)
    for _line, cells, error in report.invalid:
        ws.append([escape_spreadsheet_cell(c) for c in cells] + [escape_spreadsheet_cell(error)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: dt.datetime
    actor_name: str
    filename: str
    summary: dict[str, Any]


def recent_runs(session: Session, actor: Actor, limit: int = 20) -> list[RunRow]:
    require(actor, Permission.IMPORT_RUN)
    rows = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit))
    return [RunRow(r.id, r.started_at, r.actor_name, r.filename, dict(r.summary or {})) for r in rows]


def assignable_users(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, full name) of the active users a register's name may be decided to mean."""
    require(actor, Permission.IMPORT_RUN)
    rows = session.execute(select(User.id, User.full_name).where(User.is_active.is_(True)).order_by(User.full_name))
    return [(int(r.id), str(r.full_name)) for r in rows]

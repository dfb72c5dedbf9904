"""Import of a bank payment file: CSV rows (date, amount, payer, purpose) become payments.

Each row is matched to a case by the contract number written in the purpose text. A row that
matches exactly one case is booked as a payment (source ``payment_file``); a row that matches no
case or several, or that cannot be read, goes to the queue for a clerk to match by hand. Nothing
is dropped: every row is stored with its raw text (ARCHITECTURE rule 9).

Importing the same file again (or an overlapping statement) changes nothing: a row is identified
by its date, amount, payer, purpose and its occurrence number among identical rows of the file,
and a row already stored is reported as a duplicate and skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor, Permission, require
from core.cases.models import Case, Contract
from core.cases.service import find_case_id, format_case_number
from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.i18n import _
from core.ledger.models import BankPaymentRow, PaymentImport
from core.ledger.service import EntryKind, post_entry
from core.money import MoneyParseError, parse_amount

QUEUE_STATUSES = ("unmatched", "ambiguous", "invalid")
MAX_BYTES = 20 * 1024 * 1024

_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "дата", "дата платежа", "дата операции", "дата поступления"),
    "amount": ("amount", "сумма", "сумма платежа", "сумма поступления", "приход"),
    "payer": ("payer", "плательщик", "наименование плательщика", "отправитель"),
    "purpose": ("purpose", "назначение", "назначение платежа", "основание"),
}
_TOKEN = re.compile(r"[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё\-/_.]*")


class _Semicolon(csv.excel):
    delimiter = ";"


@dataclass(frozen=True)
class ParsedRow:
    row_no: int  # line in the file, counting the header as 1
    raw: str
    pay_date: dt.date | None
    amount: Decimal | None
    payer: str
    purpose: str
    problem: str | None
    row_key: str


@dataclass(frozen=True)
class RowResult:
    row: ParsedRow
    status: str  # matched | unmatched | ambiguous | invalid | duplicate
    case_id: int | None = None
    case_number: str | None = None
    note: str = ""


@dataclass
class ImportReport:
    filename: str
    encoding: str
    rows: list[RowResult] = field(default_factory=list)
    import_id: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def posted(self) -> int:
        return self.count("matched")

    @property
    def queued(self) -> int:
        return sum(1 for r in self.rows if r.status in QUEUE_STATUSES)

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    def as_rows(self) -> list[dict[str, object]]:
        return [
            {
                "line": r.row.row_no,
                "date": r.row.pay_date,
                "amount": r.row.amount,
                "payer": r.row.payer,
                "purpose": r.row.purpose,
                "result": r.status,
                "case": r.case_number or "",
                "note": r.note or (r.row.problem or ""),
            }
            for r in self.rows
        ]


# ---------------------------------------------------------------- reading


def decode(content: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM), else Windows-1251 (bank exports).

    A file that is neither (e.g. byte 0x98, which Windows-1251 leaves undefined) is refused with
    the line and position of the first bad byte, never a bare ``UnicodeDecodeError``.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            raise _undecodable(content[3:], exc, "UTF-8") from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as exc:
        raise _undecodable(content, exc, "UTF-8 nor Windows-1251") from None


def _undecodable(content: bytes, exc: UnicodeDecodeError, tried: str) -> ValidationFailed:
    line = content.count(b"\n", 0, exc.start) + 1
    column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
    byte = content[exc.start]
    return ValidationFailed(
        _(
            "The file cannot be read as {tried}: byte 0x{byte:02X} on line {line}, position {column}. "
            "Export the statement from the bank again as CSV in Windows-1251 or UTF-8."
        ).format(tried=tried, byte=byte, line=line, column=column),
        {"file": "undecodable"},
    )


def _parse_date(text: str) -> dt.date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (expected dd.mm.yyyy)")


def _column_map(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    found: dict[str, int] = {}
    for key, aliases in _HEADERS.items():
        for i, name in enumerate(names):
            if name in aliases:
                found[key] = i
                break
    missing = [k for k in ("date", "amount", "purpose") if k not in found]
    if missing:
        raise ValidationFailed(
            _(
                "The file has no column for: {items}. Its header is: {items2}. Expected columns date, amount, payer, purpose (or Дата, Сумма, Плательщик, Назначение платежа)."
            ).format(items=", ".join(missing), items2=", ".join(header)),
            {m: "column missing" for m in missing},
        )
    return found


def read_payment_file(content: bytes) -> tuple[str, list[ParsedRow]]:
    """Parse a bank CSV; rows that cannot be read are kept with the problem named."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than {value} MB; split the statement.").format(value=MAX_BYTES // (1024 * 1024))
        )
    text, encoding = decode(content)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ValidationFailed(_("The file is empty."))
    sample = "\n".join(lines[:20])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = _Semicolon
    reader = csv.reader(io.StringIO(text), dialect)
    records = list(reader)
    header_at = next(i for i, rec in enumerate(records) if any(c.strip() for c in rec))
    columns = _column_map(records[header_at])
    seen: Counter[str] = Counter()
    out: list[ParsedRow] = []
    for offset, rec in enumerate(records[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in rec):
            continue
        raw = dialect.delimiter.join(rec)

        def cell(key: str, rec: list[str] = rec) -> str:
            i = columns.get(key)
            return rec[i].strip() if i is not None and i < len(rec) else ""

        problems: list[str] = []
        pay_date: dt.date | None = None
        amount: Decimal | None = None
        try:
            pay_date = _parse_date(cell("date"))
        except ValueError as exc:
            problems.append(str(exc) if cell("date") else "the date is empty")
        try:
            amount = parse_amount(cell("amount"))
            if amount <= 0:
                problems.append(_("the amount {cell} is not a receipt").format(cell=cell("amount")))
                amount = None
        except MoneyParseError as exc:
            problems.append(str(exc))
        payer, purpose = cell("payer"), cell("purpose")
        identity = "|".join((cell("date"), cell("amount"), payer, purpose)).lower()
        seen[identity] += 1
        key = hashlib.sha256(f"{identity}|{seen[identity]}".encode()).hexdigest()
        out.append(
            ParsedRow(offset, raw, pay_date, amount, payer, purpose, "; ".join(problems) if problems else None, key)
        )
    return encoding, out


# ---------------------------------------------------------------- matching


def contract_tokens(purpose: str) -> set[str]:
    """Words of the purpose text that could be a contract number (they contain a digit)."""
    tokens: set[str] = set()
    for tok in _TOKEN.findall(purpose or ""):
        tok = tok.rstrip(".-/_")
        if not any(ch.isdigit() for ch in tok):
            continue
        tokens.update({tok, tok.upper()})
        for prefix in ("N", "NO", "No"):
            if tok.upper().startswith(prefix.upper()) and tok[len(prefix) :][:1].isdigit():
                tokens.update({tok[len(prefix) :], tok[len(prefix) :].upper()})
    return tokens


def _cases_by_token(session: Session, tokens: Iterable[str]) -> dict[str, set[tuple[int, str]]]:
    wanted = sorted(set(tokens))
    out: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        for number, case_id, case_number in session.execute(
            select(Contract.number, Case.id, Case.number)
            .join(Case, Case.contract_id == Contract.id)
            .where(Contract.number.in_(chunk))
        ):
            out[number].add((case_id, case_number))
            out[number.upper()].add((case_id, case_number))
    return out


def _match(rows: list[ParsedRow], index: dict[str, set[tuple[int, str]]]) -> list[RowResult]:
    results: list[RowResult] = []
    for row in rows:
        if row.problem:
            results.append(RowResult(row, "invalid", note=row.problem))
            continue
        found: set[tuple[int, str]] = set()
        for tok in contract_tokens(row.purpose):
            found |= index.get(tok, set())
        if len(found) == 1:
            (case_id, number), *_ = found
            results.append(RowResult(row, "matched", case_id, number))
        elif found:
            numbers = ", ".join(sorted(n for _, n in found))
            results.append(RowResult(row, "ambiguous", note=f"the purpose matches several cases: {numbers}"))
        else:
            results.append(RowResult(row, "unmatched", note="no contract number of ours in the purpose"))
    return results


def _classify(session: Session, content: bytes, filename: str) -> ImportReport:
    encoding, rows = read_payment_file(content)
    tokens: set[str] = set()
    for row in rows:
        tokens |= contract_tokens(row.purpose)
    results = _match(rows, _cases_by_token(session, tokens))
    existing: set[str] = set()
    keys = [r.row_key for r in rows]
    for start in range(0, len(keys), 1000):
        existing.update(
            session.scalars(
                select(BankPaymentRow.row_key).where(BankPaymentRow.row_key.in_(keys[start : start + 1000]))
            )
        )
    report = ImportReport(filename, encoding)
    for res in results:
        if res.row.row_key in existing:
            report.rows.append(RowResult(res.row, "duplicate", note="already imported"))
        else:
            report.rows.append(res)
    return report


def preview_payment_file(session: Session, actor: Actor, content: bytes, filename: str) -> ImportReport:
    """What an import would do, without writing anything."""
    require(actor, Permission.LEDGER_IMPORT)
    return _classify(session, content, filename)


def import_payment_file(
    session: Session,
    actor: Actor,
    content: bytes,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Store every row, book the matched ones as payments, queue the rest. The caller commits.

    ``progress(done, total)`` is called after each row (each booking allocates the payment)."""
    require(actor, Permission.LEDGER_IMPORT)
    require(actor, Permission.LEDGER_PAYMENT)
    report = _classify(session, content, filename)
    record = PaymentImport(
        filename=filename[:300],
        sha256=hashlib.sha256(content).hexdigest(),
        encoding=report.encoding,
        imported_at=utcnow(),
        imported_by_id=actor.id,
    )
    session.add(record)
    session.flush()
    report.import_id = record.id
    final: list[RowResult] = []
    for done, res in enumerate(report.rows, start=1):
        if progress:
            progress(done, len(report.rows))
        if res.status == "duplicate":
            final.append(res)
            continue
        row = res.row
        stored = BankPaymentRow(
            import_id=record.id,
            row_no=row.row_no,
            row_key=row.row_key,
            raw=row.raw,
            pay_date=row.pay_date,
            amount=row.amount,
            payer=row.payer[:300] or None,
            purpose=row.purpose or None,
            status=res.status,
            problem=res.note or None,
            case_id=res.case_id if res.status == "matched" else None,
        )
        session.add(stored)
        session.flush()
        if res.status == "matched":
            assert row.amount is not None and row.pay_date is not None and res.case_id is not None
            try:
                entry = post_entry(
                    session,
                    actor,
                    res.case_id,
                    EntryKind.PAYMENT,
                    row.amount,
                    row.pay_date,
                    "payment_file",
                    f"bank file {record.id}, line {row.row_no}",
                    f"{row.payer}: {row.purpose}"[:1000],
                )
            except ValidationFailed as exc:
                stored.status = "unmatched"
                stored.case_id = None
                stored.problem = f"matched {res.case_number} but not booked: {exc}"
                final.append(RowResult(row, "unmatched", note=stored.problem))
                continue
            stored.entry_id = entry.id
        final.append(res)
    report.rows = final
    record.rows_total = len(final)
    record.rows_posted = report.posted
    record.rows_queued = report.queued
    record.rows_duplicate = report.duplicates
    session.flush()
    record_audit(
        session,
        actor,
        "ledger.payment_import",
        "payment_import",
        record.id,
        {
            "filename": filename,
            "rows": len(final),
            "posted": report.posted,
            "queued": report.queued,
            "duplicates": report.duplicates,
        },
    )
    return report


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueuedRow:
    id: int
    import_id: int
    row_no: int
    status: str
    pay_date: dt.date | None
    amount: Decimal | None
    payer: str | None
    purpose: str | None
    problem: str | None
    raw: str


def queued_rows(session: Session, actor: Actor, limit: int = 200) -> list[QueuedRow]:
    """Rows waiting for a clerk, oldest first."""
    require(actor, Permission.LEDGER_VIEW)
    rows = session.scalars(
        select(BankPaymentRow).where(BankPaymentRow.status.in_(QUEUE_STATUSES)).order_by(BankPaymentRow.id).limit(limit)
    )
    return [
        QueuedRow(r.id, r.import_id, r.row_no, r.status, r.pay_date, r.amount, r.payer, r.purpose, r.problem, r.raw)
        for r in rows
    ]


def _queued(session: Session, row_id: int) -> BankPaymentRow:
    row = session.get(BankPaymentRow, row_id)
    if row is None:
        raise NotFound(_("Bank row {row_id} does not exist.").format(row_id=row_id))
    if row.status not in QUEUE_STATUSES:
        raise ValidationFailed(
            _("Bank row {row_id} is already {status}; reload the queue.").format(row_id=row_id, status=row.status)
        )
    return row


def match_row(
    session: Session,
    actor: Actor,
    row_id: int,
    case_ref: str | int,
    pay_date: dt.date | None = None,
    amount: Decimal | None = None,
) -> int:
    """Book a queued row as a payment of the given case; returns the entry id.

    ``pay_date`` and ``amount`` complete a row the bank file had wrong or empty.
    """
    require(actor, Permission.LEDGER_IMPORT)
    row = _queued(session, row_id)
    case_id = find_case_id(session, case_ref) if isinstance(case_ref, str) else case_ref
    if case_id is None or session.get(Case, case_id) is None:
        raise ValidationFailed(
            _("There is no case '{case_ref}'; enter a case number such as C-000123.").format(case_ref=case_ref)
        )
    on = pay_date or row.pay_date
    value = amount if amount is not None else row.amount
    if on is None or value is None:
        raise ValidationFailed(_("This row has no readable date or amount; enter them to book it."))
    entry = post_entry(
        session,
        actor,
        case_id,
        EntryKind.PAYMENT,
        value,
        on,
        "payment_file",
        f"bank file {row.import_id}, line {row.row_no}",
        f"{row.payer or ''}: {row.purpose or ''}"[:1000],
    )
    row.status = "manual"
    row.case_id = case_id
    row.entry_id = entry.id
    row.resolved_at = utcnow()
    row.resolved_by_id = actor.id
    session.flush()
    record_audit(
        session, actor, "ledger.bank_row_matched", "bank_payment_row", row.id, {"case": format_case_number(case_id)}
    )
    return entry.id


def dismiss_row(session: Session, actor: Actor, row_id: int, reason: str) -> None:
    """Take a row that is not ours off the queue (it stays stored, with the reason)."""
    require(actor, Permission.LEDGER_IMPORT)
    if not reason or not reason.strip():
        raise ValidationFailed(_("Say why the row is not a payment of ours."), {"reason": "required"})
    row = _queued(session, row_id)
    row.status = "dismissed"
    row.problem = f"{row.problem or ''} | dismissed: {reason.strip()}".strip(" |")
    row.resolved_at = utcnow()
    row.resolved_by_id = actor.id
    session.flush()
    record_audit(session, actor, "ledger.bank_row_dismissed", "bank_payment_row", row.id, {"reason": reason.strip()})

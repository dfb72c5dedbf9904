"""The report file: writing and parsing Cessio's subset of the bureau's unified format (RUTDF).

The shape follows RUTDF: a header, then for every event a group of tab-separated segment lines,
then a trailer; Windows-1251 text, CRLF line ends, dates as ``dd.mm.yyyy`` and amounts with a
decimal comma. Every segment line carries the event's record identifier in its second field, so
the bureau can answer per record. The subject segments (C1 name, C3 birth, C4 identity
document, C6 INN, C7 SNILS) and the obligation segments (C17 unique identifier of the
obligation, C18 contract, C19 amount) use RUTDF's names; the event segments carry what each
event needs (payment, termination, court act, assignment, changed subject fields). The sandbox
gateway parses files with this same module, so the writer and the reader cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ENCODING = "cp1251"
FORMAT_NAME = "RUTDF"
FORMAT_VERSION = "3.0-cessio"
PASSPORT_RF = "21"  # identity document code: passport of a citizen of the Russian Federation


class RutdfError(ValueError):
    """A file that cannot be read; says which line and what is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Subject:
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date | None
    birth_place: str | None
    passport_series: str | None
    passport_number: str | None
    inn: str | None = None
    snils: str | None = None


@dataclass(frozen=True)
class Obligation:
    uid: str
    contract_number: str
    contract_date: dt.date
    principal: Decimal
    currency: str = "RUB"


@dataclass(frozen=True)
class Payment:
    date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Termination:
    date: dt.date
    reason_code: str  # 1: performed in full; 5: written off as uncollectible
    amount: Decimal | None = None


@dataclass(frozen=True)
class CourtAct:
    court_event: str
    dispute: bool
    court_name: str | None
    act_date: dt.date | None
    act_number: str | None
    in_force: bool
    in_force_date: dt.date | None
    awarded_amount: Decimal | None


@dataclass(frozen=True)
class Assignment:
    agreement_number: str | None
    agreement_date: dt.date | None
    cedent_name: str | None
    cedent_inn: str | None
    assignee_name: str | None
    assignee_inn: str | None


@dataclass(frozen=True)
class Record:
    uid: str
    event_code: str
    event_date: dt.date
    subject: Subject
    obligation: Obligation
    payment: Payment | None = None
    termination: Termination | None = None
    court: CourtAct | None = None
    assignment: Assignment | None = None
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Header:
    source_inn: str
    source_ogrn: str
    source_name: str
    report_date: dt.date
    reference: str


@dataclass(frozen=True)
class ReportFile:
    header: Header
    records: tuple[Record, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------- field codecs


def fmt_date(value: dt.date | None) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}" if value else ""


def fmt_amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.01')):f}".replace(".", ",")


def fmt_flag(value: bool) -> str:
    return "1" if value else "0"


def _text(value: str | None) -> str:
    return value or ""


def _parse_date(text: str, line: int, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise RutdfError(line, f"{what} '{text}' is not a date dd.mm.yyyy") from None


def _req_date(text: str, line: int, what: str) -> dt.date:
    value = _parse_date(text, line, what)
    if value is None:
        raise RutdfError(line, f"{what} is empty")
    return value


def _parse_amount(text: str, line: int, what: str) -> Decimal | None:
    if not text:
        return None
    if "." in text:
        raise RutdfError(line, f"{what} '{text}' must use a decimal comma")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise RutdfError(line, f"{what} '{text}' is not an amount") from None


def _req_amount(text: str, line: int, what: str) -> Decimal:
    value = _parse_amount(text, line, what)
    if value is None:
        raise RutdfError(line, f"{what} is empty")
    return value


def _opt(text: str) -> str | None:
    return text or None


# ---------------------------------------------------------------- writing


def record_lines(record: Record) -> list[list[str]]:
    """The segment lines of one record (each a list of fields, segment name first)."""
    u = record.uid
    s = record.subject
    o = record.obligation
    lines = [
        ["EVENT", u, record.event_code, fmt_date(record.event_date)],
        ["C1_NAME", u, s.last_name, s.first_name, _text(s.middle_name)],
        ["C3_BIRTH", u, fmt_date(s.birth_date), _text(s.birth_place)],
        ["C4_ID", u, PASSPORT_RF, _text(s.passport_series), _text(s.passport_number)],
    ]
    if s.inn:
        lines.append(["C6_REGNUM", u, s.inn])
    if s.snils:
        lines.append(["C7_SNILS", u, s.snils])
    lines += [
        ["C17_UID", u, o.uid],
        ["C18_TRADE", u, o.contract_number, fmt_date(o.contract_date)],
        ["C19_ACCOUNTAMT", u, fmt_amount(o.principal), o.currency],
    ]
    if record.payment:
        lines.append(["C28_PAYMT", u, fmt_date(record.payment.date), fmt_amount(record.payment.amount)])
    if record.termination:
        t = record.termination
        lines.append(["C38_OBLIGTERMINATION", u, t.reason_code, fmt_date(t.date), fmt_amount(t.amount)])
    if record.court:
        c = record.court
        lines.append(
            [
                "C_COURTACT",
                u,
                fmt_flag(c.dispute),
                c.court_event,
                fmt_date(c.act_date),
                _text(c.act_number),
                fmt_flag(c.in_force),
                fmt_date(c.in_force_date),
                fmt_amount(c.awarded_amount),
                _text(c.court_name),
            ]
        )
    if record.assignment:
        a = record.assignment
        lines.append(
            [
                "C_ASSIGNMENT",
                u,
                _text(a.agreement_number),
                fmt_date(a.agreement_date),
                _text(a.cedent_name),
                _text(a.cedent_inn),
                _text(a.assignee_name),
                _text(a.assignee_inn),
            ]
        )
    if record.changed_fields:
        lines.append(["C_SUBJECTCHANGE", u, ",".join(record.changed_fields)])
    return lines


def unencodable(text: str) -> str | None:
    """The first character Windows-1251 cannot carry, or None."""
    try:
        text.encode(ENCODING)
        return None
    except UnicodeEncodeError:
        pass
    for ch in text:
        try:
            ch.encode(ENCODING)
        except UnicodeEncodeError:
            return ch
    return None


def write(report: ReportFile) -> bytes:
    """The file's bytes. Fields must already be valid (``validation.validate_record``)."""
    h = report.header
    rows: list[list[str]] = [
        [
            "HEADER",
            FORMAT_NAME,
            FORMAT_VERSION,
            h.source_inn,
            h.source_ogrn,
            h.source_name,
            fmt_date(h.report_date),
            h.reference,
        ]
    ]
    segments = 0
    for record in report.records:
        lines = record_lines(record)
        segments += len(lines)
        rows.extend(lines)
    rows.append(["TRAILER", str(len(report.records)), str(segments)])
    for row in rows:
        for value in row:
            if "\t" in value or "\r" in value or "\n" in value:
                raise ValueError(f"field '{value[:40]}' contains a tab or a line break")
    text = "".join("\t".join(row) + "\r\n" for row in rows)
    return text.encode(ENCODING)


# ---------------------------------------------------------------- parsing


def _need(fields: list[str], count: int, line: int) -> None:
    if len(fields) != count:
        raise RutdfError(line, f"segment {fields[0]} has {len(fields)} fields, expected {count}")


def parse(content: bytes) -> ReportFile:
    """Read a file back; raises ``RutdfError`` naming the first bad line."""
    try:
        text = content.decode(ENCODING)
    except UnicodeDecodeError as exc:
        raise RutdfError(0, f"not Windows-1251 text ({exc.reason})") from None
    lines = text.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise RutdfError(1, "the file is empty")
    head = lines[0].split("\t")
    if head[0] != "HEADER" or len(head) != 8 or head[1] != FORMAT_NAME:
        raise RutdfError(1, "the first line must be the RUTDF HEADER with 8 fields")
    header = Header(head[3], head[4], head[5], _req_date(head[6], 1, "report date"), head[7])
    tail = lines[-1].split("\t")
    if tail[0] != "TRAILER" or len(tail) != 3:
        raise RutdfError(len(lines), "the last line must be the TRAILER")
    groups: list[tuple[int, dict[str, list[str]]]] = []
    for number, raw in enumerate(lines[1:-1], start=2):
        fields = raw.split("\t")
        if len(fields) < 2:
            raise RutdfError(number, "a segment needs a name and a record identifier")
        if fields[0] == "EVENT":
            groups.append((number, {"EVENT": fields}))
            continue
        if not groups:
            raise RutdfError(number, f"segment {fields[0]} comes before any EVENT")
        _start, group = groups[-1]
        if fields[1] != group["EVENT"][1]:
            raise RutdfError(number, f"record identifier '{fields[1]}' differs from its EVENT's")
        if fields[0] in group:
            raise RutdfError(number, f"segment {fields[0]} repeated in one record")
        group[fields[0]] = [*fields, str(number)]
    records = tuple(_record(start, group) for start, group in groups)
    segments = sum(len(g) for _, g in groups)
    if tail[1] != str(len(records)) or tail[2] != str(segments):
        raise RutdfError(
            len(lines), f"TRAILER says {tail[1]} records / {tail[2]} segments, found {len(records)} / {segments}"
        )
    return ReportFile(header, records)


def _seg(group: dict[str, list[str]], name: str, count: int, start: int, required: bool = True) -> list[str] | None:
    fields = group.get(name)
    if fields is None:
        if required:
            raise RutdfError(start, f"record has no {name} segment")
        return None
    line = int(fields[-1])
    body = fields[:-1]
    _need(body, count, line)
    return [*body, str(line)]


def _record(start: int, group: dict[str, list[str]]) -> Record:
    ev = group["EVENT"]
    _need(ev, 4, start)
    known = {
        "EVENT",
        "C1_NAME",
        "C3_BIRTH",
        "C4_ID",
        "C6_REGNUM",
        "C7_SNILS",
        "C17_UID",
        "C18_TRADE",
        "C19_ACCOUNTAMT",
        "C28_PAYMT",
        "C38_OBLIGTERMINATION",
        "C_COURTACT",
        "C_ASSIGNMENT",
        "C_SUBJECTCHANGE",
    }
    for name in group:
        if name not in known:
            raise RutdfError(int(group[name][-1]), f"unknown segment {name}")
    n = _seg(group, "C1_NAME", 5, start)
    b = _seg(group, "C3_BIRTH", 4, start)
    d = _seg(group, "C4_ID", 5, start)
    inn = _seg(group, "C6_REGNUM", 3, start, required=False)
    snils = _seg(group, "C7_SNILS", 3, start, required=False)
    uid = _seg(group, "C17_UID", 3, start)
    trade = _seg(group, "C18_TRADE", 4, start)
    amt = _seg(group, "C19_ACCOUNTAMT", 4, start)
    assert n and b and d and uid and trade and amt
    subject = Subject(
        last_name=n[2],
        first_name=n[3],
        middle_name=_opt(n[4]),
        birth_date=_parse_date(b[2], int(b[-1]), "birth date"),
        birth_place=_opt(b[3]),
        passport_series=_opt(d[3]),
        passport_number=_opt(d[4]),
        inn=inn[2] if inn else None,
        snils=snils[2] if snils else None,
    )
    obligation = Obligation(
        uid=uid[2],
        contract_number=trade[2],
        contract_date=_req_date(trade[3], int(trade[-1]), "contract date"),
        principal=_req_amount(amt[2], int(amt[-1]), "principal"),
        currency=amt[3],
    )
    payment = termination = court = assignment = None
    p = _seg(group, "C28_PAYMT", 4, start, required=False)
    if p:
        payment = Payment(_req_date(p[2], int(p[-1]), "payment date"), _req_amount(p[3], int(p[-1]), "payment"))
    t = _seg(group, "C38_OBLIGTERMINATION", 5, start, required=False)
    if t:
        line = int(t[-1])
        termination = Termination(_req_date(t[3], line, "end date"), t[2], _parse_amount(t[4], line, "amount"))
    c = _seg(group, "C_COURTACT", 10, start, required=False)
    if c:
        line = int(c[-1])
        court = CourtAct(
            court_event=c[3],
            dispute=c[2] == "1",
            court_name=_opt(c[9]),
            act_date=_parse_date(c[4], line, "act date"),
            act_number=_opt(c[5]),
            in_force=c[6] == "1",
            in_force_date=_parse_date(c[7], line, "in-force date"),
            awarded_amount=_parse_amount(c[8], line, "awarded amount"),
        )
    a = _seg(group, "C_ASSIGNMENT", 8, start, required=False)
    if a:
        assignment = Assignment(
            _opt(a[2]), _parse_date(a[3], int(a[-1]), "agreement date"), _opt(a[4]), _opt(a[5]), _opt(a[6]), _opt(a[7])
        )
    ch = _seg(group, "C_SUBJECTCHANGE", 3, start, required=False)
    changed = tuple(x for x in ch[2].split(",") if x) if ch else ()
    return Record(
        uid=ev[1],
        event_code=ev[2],
        event_date=_req_date(ev[3], start, "event date"),
        subject=subject,
        obligation=obligation,
        payment=payment,
        termination=termination,
        court=court,
        assignment=assignment,
        changed_fields=changed,
    )

"""Batch print packages: many cases' documents as one PDF to print, and marking it mailed.

A package is one mailing: cases at one stage, each case's documents in mailing order behind a
cover sheet, a bookmark per case (and per document), and the mailing register (Russian Post
form 103) at the end. It is stored, so it can be downloaded again. Marking it mailed records the
tracking numbers (checked by the postal rules), moves the cases to "claim mailed" (the postal
domain opens a shipment for each) and books each envelope's postage to its case's ledger. A
case that fails any step is reported with the reason; the others go on.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.models import User
from core.auth.permissions import Actor, Permission, require
from core.cases.models import Case
from core.cases.workflow import STAGE_BY_CODE
from core.db import utcnow
from core.documents.catalog import DOC_TYPE_BY_CODE, PACKAGE_DOC_TYPES
from core.documents.context import DECLARED_VALUE_PER_ITEM, fmt_date, fmt_money
from core.documents.models import GeneratedDocument, PackageItem, PrintPackage
from core.documents.render import BODY_SIZE, Canvas, Column, DocData, Table, draw_template
from core.documents.service import current_templates, generate_documents, signer_name
from core.errors import CessioError, NotFound, ValidationFailed
from core.files.service import GeneratedBlob, store_generated_many
from core.i18n import _, format_number, use_language
from core.money import amount_in_words

ProgressFn = Callable[[str, float], None]
# Registered letter with an inventory and declared value, up to 100 g (Russian Post tariff; the
# clerk can change it when building the package).
DEFAULT_POSTAGE = Decimal("142.00")
DEFAULT_PACKAGE_DOCS: tuple[str, ...] = (*PACKAGE_DOC_TYPES, "mail_inventory")
MAILING_COLUMNS = (
    Column("№ п/п", 0.06, "C"),
    Column("ШПИ", 0.2, "C"),
    Column("Адресат", 0.24),
    Column("Адрес", 0.26),
    Column("Объявл. ценность, руб.", 0.12, "R"),
    Column("Плата, руб.", 0.12, "R"),
)


@dataclass
class PackageReport:
    package_id: int
    file_id: int
    case_count: int
    page_count: int
    failures: dict[int, str] = field(default_factory=dict)  # case id -> reason left out


@use_language("ru")  # the text of a court document is Russian whatever the interface
def _cover(package_id: int, stage_label: str, signer: str, today: dt.date, rows: list[list[str]]) -> bytes:
    canvas = Canvas()
    canvas.begin(f"Пакет № {package_id} · титульный лист")
    canvas.text_lines(f"ПАКЕТ ДОКУМЕНТОВ № {package_id}", style="B", size=14.0, align="C")
    canvas.space(2.0)
    canvas.text_lines(
        f"Сформирован {fmt_date(today)}, {signer}. Этап дел: {stage_label}. Отправлений: {len(rows)}.",
        size=BODY_SIZE,
    )
    canvas.text_lines(
        "Порядок: для каждого дела — документы в конверт в указанном порядке; в конце — список ф. 103.",
        size=BODY_SIZE,
    )
    canvas.space(3.0)
    canvas.table(
        Table(
            (
                Column("№", 0.07, "C"),
                Column("Дело", 0.14, "C"),
                Column("Должник", 0.33),
                Column("Суд", 0.34),
                Column("Стр.", 0.12, "C"),
            ),
            rows,
        )
    )
    return canvas.output()


@use_language("ru")  # the text of a court document is Russian whatever the interface
def _register_data(
    package_id: int,
    today: dt.date,
    signer: str,
    items: Sequence[tuple[str, str, str, Decimal]],
    sender_name: str,
    sender_address: str,
) -> DocData:
    """Form 103: (tracking, addressee, address, postage) per envelope, with totals."""
    rows = []
    postage_total = Decimal("0.00")
    declared_per_envelope = DECLARED_VALUE_PER_ITEM * 7  # the application and its six attachments
    for n, (tracking, addressee, address, postage) in enumerate(items, start=1):
        rows.append([str(n), tracking, addressee, address, fmt_money(declared_per_envelope), fmt_money(postage)])
        postage_total += postage
    declared_total = declared_per_envelope * len(items)
    values = {
        "today": fmt_date(today),
        "signer.name": signer,
        "batch.number": str(package_id),
        "batch.date": fmt_date(today),
        "batch.count": str(len(items)),
        "batch.postage_total": fmt_money(postage_total),
        "batch.postage_total_words": amount_in_words(postage_total),
        "batch.declared_total": fmt_money(declared_total),
        "sender.name": sender_name,
        "sender.address": sender_address,
    }
    table = Table(MAILING_COLUMNS, rows, ["", "", "Итого", "", fmt_money(declared_total), fmt_money(postage_total)])
    return DocData(values, {"mailing_table": table})


def _render_register(session: Session, data: DocData, package_id: int) -> tuple[bytes, int, int]:
    version, compiled = current_templates(session, ["mailing_register"])["mailing_register"]
    canvas = Canvas()
    canvas.begin(f"Пакет № {package_id} · {DOC_TYPE_BY_CODE['mailing_register'].title}")
    draw_template(canvas, compiled, data)
    _, pages = canvas.end()
    return canvas.output(), pages, version


def _store_register(
    session: Session, actor: Actor, package_id: int, pdf: bytes, pages: int, version: int, data: DocData, label: str
) -> int:
    (file_id,) = store_generated_many(
        session, actor, [GeneratedBlob(pdf, f"package_{package_id}_form103{label}.pdf", None, "generated", pages)]
    )
    doc = GeneratedDocument(
        case_id=None,
        package_id=package_id,
        doc_type="mailing_register",
        title=DOC_TYPE_BY_CODE["mailing_register"].title,
        template_version=version,
        file_id=file_id,
        pages=pages,
        data={"values": data.values, "tables": {k: {"rows": t.rows} for k, t in data.tables.items()}},
        generated_by_id=actor.id,
        generated_at=utcnow(),
    )
    session.add(doc)
    session.flush()
    return doc.id


# One package is one print run a clerk can handle (and one PDF a printer takes): about 12,000 pages.
MAX_PACKAGE_CASES = 3000


def check_package_selection(session: Session, actor: Actor, case_ids: Sequence[int], postage: Decimal) -> str:
    """The one stage of the selected cases, or the reason no package can be made of them.

    Read-only, so a page can refuse a mixed selection at once instead of after the build was
    queued; ``build_package`` checks again, since cases can move on in between."""
    require(actor, Permission.DOCUMENT_GENERATE)
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    if not ids:
        raise ValidationFailed(_("Select the cases to print."))
    if len(ids) > MAX_PACKAGE_CASES:
        raise ValidationFailed(
            _(
                "A package holds at most {most} cases; {count} were selected. Narrow the selection (e.g. by region)."
            ).format(most=format_number(MAX_PACKAGE_CASES), count=format_number(len(ids)))
        )
    if isinstance(postage, float) or postage < 0:
        raise ValidationFailed(_("Postage must be a non-negative amount in rubles."))
    stages = dict(session.execute(select(Case.id, Case.stage).where(Case.id.in_(ids))).all())
    missing = [i for i in ids if i not in stages]
    if missing:
        raise NotFound(
            _("{count} of the selected cases do not exist (e.g. id {missing}).").format(
                count=len(missing), missing=missing[0]
            )
        )
    distinct = sorted(set(stages.values()))
    if len(distinct) > 1:
        labels = ", ".join(STAGE_BY_CODE[s].label for s in distinct)
        raise ValidationFailed(
            _("A package holds cases at one stage; the selection is at: {labels}. Narrow it down.").format(
                labels=labels
            )
        )
    return str(distinct[0])


def build_package(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    *,
    doc_types: Sequence[str] = DEFAULT_PACKAGE_DOCS,
    postage: Decimal = DEFAULT_POSTAGE,
    as_of: dt.date | None = None,
    progress: ProgressFn | None = None,
) -> PackageReport:
    """Generate, merge and store a print package for cases that are all at one stage."""
    require(actor, Permission.DOCUMENT_GENERATE)
    from pypdf import PdfReader, PdfWriter

    from core.ledger.service import today

    ids = list(dict.fromkeys(int(i) for i in case_ids))
    stage = check_package_selection(session, actor, ids, postage)
    on = as_of or today()
    signer = signer_name(actor)
    package = PrintPackage(
        stage=stage,
        status="built",
        case_count=0,
        page_count=0,
        doc_types=list(doc_types),
        postage_per_item=postage,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(package)
    session.flush()

    def step(label: str, share: float) -> None:
        if progress:
            progress(label, share)

    step(_("Documents: {done} of {total} cases").format(done=0, total=format_number(len(ids))), 0.0)
    generated = generate_documents(
        session,
        actor,
        ids,
        doc_types,
        as_of=on,
        package_id=package.id,
        postage=postage,
        progress=lambda done, total: step(
            _("Documents: {done} of {total} cases").format(done=format_number(done), total=format_number(total)),
            0.85 * done / max(total, 1),
        ),
    )
    cases = generated.cases
    step(_("Cover sheet and mailing register"), 0.87)
    # page numbers in the merged PDF: the cover first, then the cases in order
    cover_rows: list[list[str]] = []
    first_page_of: dict[int, int] = {}
    cover_pages_guess = 1 + len(cases) // 40  # about 40 rows fit on a page
    # the cover's length depends on the number of rows; render once to learn it, then number pages
    for _attempt in range(3):
        page = cover_pages_guess + 1
        cover_rows = []
        for n, c in enumerate(cases, start=1):
            count = sum(r[1] for r in c.ranges)
            first_page_of[c.case_id] = page
            src = generated.sources[c.case_id]
            cover_rows.append([str(n), c.number, c.debtor, src.case.court_name or "", f"{page}–{page + count - 1}"])
            page += count
        cover = _cover(package.id, STAGE_BY_CODE[stage].names.ru, signer, on, cover_rows)
        cover_pages = len(PdfReader(io.BytesIO(cover)).pages)
        if cover_pages == cover_pages_guess:
            break
        cover_pages_guess = cover_pages
    first = cases[0]
    first_src = generated.sources[first.case_id]
    sender_name = first_src.claimant.name if first_src.claimant else ""
    sender_address = (first_src.claimant.address or "") if first_src.claimant else ""
    reg_items = [
        (
            "",
            generated.sources[c.case_id].case.court_name or "",
            generated.sources[c.case_id].case.court_address or "",
            postage,
        )
        for c in cases
    ]
    reg_data = _register_data(package.id, on, signer, reg_items, sender_name, sender_address)
    register_pdf, register_pages, register_version = _render_register(session, reg_data, package.id)

    step(_("Merging the package"), 0.9)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    for body in generated.bodies:
        writer.append(PdfReader(io.BytesIO(body)), import_outline=False)
    register_first = len(writer.pages) + 1
    writer.append(PdfReader(io.BytesIO(register_pdf)))
    writer.add_outline_item(title=f"Пакет № {package.id}: титульный лист", page_number=0)
    for c in cases:
        start = first_page_of[c.case_id]
        parent = writer.add_outline_item(title=f"{c.number} — {c.debtor}", page_number=start - 1)
        offset = start
        for doc, (_start, count) in zip(c.documents, c.ranges, strict=True):
            writer.add_outline_item(title=doc.title, page_number=offset - 1, parent=parent)
            offset += count
    writer.add_outline_item(title=DOC_TYPE_BY_CODE["mailing_register"].title, page_number=register_first - 1)
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    merged = buffer.getvalue()
    page_count = len(writer.pages)

    step(_("Storing the package"), 0.97)
    _store_register(session, actor, package.id, register_pdf, register_pages, register_version, reg_data, "")
    (file_id,) = store_generated_many(
        session, actor, [GeneratedBlob(merged, f"package_{package.id}.pdf", None, "package", page_count)]
    )
    package.file_id = file_id
    package.case_count = len(cases)
    package.page_count = page_count
    session.add_all(
        PackageItem(
            package_id=package.id,
            case_id=c.case_id,
            position=n,
            first_page=first_page_of[c.case_id],
            page_count=sum(r[1] for r in c.ranges),
            postage=postage,
        )
        for n, c in enumerate(cases, start=1)
    )
    session.flush()
    record_audit(
        session,
        actor,
        "package.build",
        "package",
        package.id,
        {"cases": len(cases), "pages": page_count, "left_out": len(generated.failures), "stage": stage},
    )
    step(_("Done"), 1.0)
    return PackageReport(package.id, file_id, len(cases), page_count, dict(generated.failures))


# ---------------------------------------------------------------- listing


@dataclass(frozen=True)
class PackageRow:
    id: int
    created_at: dt.datetime
    created_by: str
    stage: str
    status: str
    case_count: int
    page_count: int
    file_id: int | None
    mailed_at: dt.datetime | None


def list_packages(session: Session, actor: Actor, limit: int = 50) -> list[PackageRow]:
    require(actor, Permission.DOCUMENT_GENERATE)
    rows = session.execute(
        select(PrintPackage, User.full_name)
        .outerjoin(User, User.id == PrintPackage.created_by_id)
        .order_by(PrintPackage.id.desc())
        .limit(limit)
    ).all()
    return [
        PackageRow(
            p.id, p.created_at, name or "system", p.stage, p.status, p.case_count, p.page_count, p.file_id, p.mailed_at
        )
        for p, name in rows
    ]


@dataclass(frozen=True)
class ItemRow:
    case_id: int
    number: str
    debtor: str
    position: int
    first_page: int
    page_count: int
    postage: Decimal
    tracking_number: str | None
    mailed_at: dt.datetime | None
    problem: str | None


def package_items(session: Session, actor: Actor, package_id: int) -> list[ItemRow]:
    require(actor, Permission.DOCUMENT_GENERATE)
    from core.cases.models import Debtor

    rows = session.execute(
        select(PackageItem, Case.number, Debtor.full_name)
        .join(Case, Case.id == PackageItem.case_id)
        .join(Debtor, Debtor.id == Case.debtor_id)
        .where(PackageItem.package_id == package_id)
        .order_by(PackageItem.position)
    ).all()
    return [
        ItemRow(
            i.case_id,
            number,
            debtor,
            i.position,
            i.first_page,
            i.page_count,
            i.postage,
            i.tracking_number,
            i.mailed_at,
            i.problem,
        )
        for i, number, debtor in rows
    ]


def package_registers(session: Session, actor: Actor, package_id: int) -> list[tuple[int, int, dt.datetime]]:
    """(document id, file id, generated at) of the package's form-103 registers, newest first."""
    require(actor, Permission.DOCUMENT_GENERATE)
    rows = session.execute(
        select(GeneratedDocument.id, GeneratedDocument.file_id, GeneratedDocument.generated_at)
        .where(GeneratedDocument.package_id == package_id, GeneratedDocument.doc_type == "mailing_register")
        .order_by(GeneratedDocument.id.desc())
    ).all()
    return [(int(a), int(b), c) for a, b, c in rows]


# ---------------------------------------------------------------- mailing


@dataclass(frozen=True)
class MailOutcome:
    case_id: int
    number: str
    ok: bool
    tracking_number: str | None
    reason: str = ""


@dataclass
class MailReport:
    package_id: int
    outcomes: list[MailOutcome] = field(default_factory=list)
    register_file_id: int | None = None

    @property
    def mailed(self) -> list[MailOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[MailOutcome]:
        return [o for o in self.outcomes if not o.ok]


def mark_mailed(
    session: Session,
    actor: Actor,
    package_id: int,
    tracking: Mapping[int, str],
    mailed_on: dt.date | None = None,
) -> MailReport:
    """Record the envelopes of a package as handed to the post office.

    ``tracking`` maps case id -> tracking number. Each number is checked by the postal rules
    (``core.postal.tracking``); valid ones move their cases with "Mail the claim" and book the
    envelope's postage to the case (source "postal", reference = the tracking number). Cases
    without a number are left for later; the package is "mailed" when every envelope is.
    """
    require(actor, Permission.MAIL_MANAGE)
    from core.cases.service import transition_cases
    from core.ledger.service import post_entry, today
    from core.postal.tracking import normalize_tracking, tracking_problem

    package = session.get(PrintPackage, package_id)
    if package is None:
        raise NotFound(_("Package {package_id} does not exist.").format(package_id=package_id))
    on = mailed_on or today()
    items = {
        i.case_id: i
        for i in session.scalars(
            select(PackageItem).where(PackageItem.package_id == package_id).order_by(PackageItem.position)
        )
    }
    numbers = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(list(items)))).all())
    report = MailReport(package_id)
    wanted: dict[int, str] = {}
    seen: dict[str, int] = {}
    for case_id, raw in tracking.items():
        case_id = int(case_id)
        text = (raw or "").strip()
        if not text:
            continue
        number = numbers.get(case_id, str(case_id))
        item = items.get(case_id)
        if item is None:
            report.outcomes.append(MailOutcome(case_id, number, False, text, "this case is not in the package"))
            continue
        if item.mailed_at is not None:
            report.outcomes.append(
                MailOutcome(case_id, number, False, text, f"already mailed with {item.tracking_number}")
            )
            continue
        problem = tracking_problem(text)
        normalized = normalize_tracking(text)
        if problem is None and normalized in seen:
            problem = f"the same tracking number is given for {numbers.get(seen[normalized], seen[normalized])}"
        if problem:
            item.problem = f"{text}: {problem}"
            report.outcomes.append(MailOutcome(case_id, number, False, text, problem))
            continue
        seen[normalized] = case_id
        wanted[case_id] = normalized
    if wanted:
        moved = transition_cases(
            session,
            actor,
            list(wanted),
            "mail_claim",
            per_case_data={cid: {"tracking_number": t} for cid, t in wanted.items()},
            source="bulk",
        )
        now = utcnow()
        for outcome in moved.outcomes:
            item = items[outcome.case_id]
            t = wanted[outcome.case_id]
            if not outcome.moved:
                item.problem = outcome.reason
                report.outcomes.append(MailOutcome(outcome.case_id, outcome.number, False, t, outcome.reason))
                continue
            item.tracking_number = t
            item.mailed_at = now
            item.problem = None
            reason = ""
            if item.postage > 0:
                try:
                    with session.begin_nested():
                        post_entry(
                            session, actor, outcome.case_id, "postage", item.postage, on, source="postal", reference=t
                        )
                except CessioError as exc:
                    reason = f"mailed, but the postage was not booked: {exc}"
                    item.problem = reason
            report.outcomes.append(MailOutcome(outcome.case_id, outcome.number, not reason, t, reason))
    all_items = list(items.values())
    if all_items and all(i.mailed_at is not None for i in all_items):
        package.status = "mailed"
    elif any(i.mailed_at is not None for i in all_items):
        package.status = "partly_mailed"
    if report.mailed:
        package.mailed_at = utcnow()
        package.mailed_by_id = actor.id
        report.register_file_id = _reissue_register(session, actor, package, list(items.values()))
    session.flush()
    record_audit(
        session,
        actor,
        "package.mail",
        "package",
        package_id,
        {
            "mailed": len(report.mailed),
            "failed": len(report.failed),
            "tracking": {str(o.case_id): o.tracking_number for o in report.mailed},
        },
    )
    return report


def _reissue_register(session: Session, actor: Actor, package: PrintPackage, items: list[PackageItem]) -> int:
    """Form 103 again, now with the tracking numbers of the mailed envelopes, stored on the package."""
    from core.documents.context import load_sources

    mailed = sorted((i for i in items if i.mailed_at is not None), key=lambda i: i.position)
    sources = load_sources(session, [i.case_id for i in mailed])
    first = sources[mailed[0].case_id]
    reg_items = [
        (
            i.tracking_number or "",
            sources[i.case_id].case.court_name or "",
            sources[i.case_id].case.court_address or "",
            i.postage,
        )
        for i in mailed
    ]
    from core.ledger.service import today

    data = _register_data(
        package.id,
        today(),
        signer_name(actor),
        reg_items,
        first.claimant.name if first.claimant else "",
        (first.claimant.address or "") if first.claimant else "",
    )
    pdf, pages, version = _render_register(session, data, package.id)
    doc_id = _store_register(session, actor, package.id, pdf, pages, version, data, "_mailed")
    doc = session.get(GeneratedDocument, doc_id)
    assert doc is not None
    return doc.file_id

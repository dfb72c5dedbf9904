"""Document templates (versioned, admin-edited) and the generation of documents for cases.

``generate_documents`` is one user action: it reads the cases and the ledger, renders every
requested document of every case on one canvas, stores each document as its own PDF on its
case with the data it was made from and the template version, writes the timeline and the
audit, all in the caller's transaction. A case whose documents cannot be made (no court, nothing
owed, no register line) is reported with the reason; the others are made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.audit.service import record_audit, record_audit_many
from core.auth.models import User
from core.auth.permissions import Actor, Permission, require
from core.db import utcnow
from core.documents.catalog import CASE_DOC_TYPES, DOC_TYPE_BY_CODE, DOC_TYPES, sample_values
from core.documents.context import (
    CaseSource,
    Money,
    attachments,
    build_case_doc,
    case_values,
    fmt_money,
    load_money,
    load_sources,
)
from core.documents.defaults import DEFAULT_TEMPLATES
from core.documents.models import GeneratedDocument, TemplateVersion
from core.documents.render import Canvas, Column, DocData, Table, draw_template, split_pdf
from core.documents.template import CompiledTemplate, compile_template
from core.errors import CessioError, NotFound, ValidationFailed
from core.files.service import GeneratedBlob, store_generated_many
from core.i18n import _

ProgressFn = Callable[[int, int], None]
CANVAS_CASES = 400  # cases per canvas: bounds memory, one font load per canvas


# ---------------------------------------------------------------- templates


@dataclass(frozen=True)
class TemplateText:
    doc_type: str
    version: int  # 0 = the built-in default
    body: str
    created_at: dt.datetime | None = None
    created_by: str | None = None
    comment: str | None = None


def current_template(session: Session, doc_type: str) -> TemplateText:
    if doc_type not in DOC_TYPE_BY_CODE:
        raise NotFound(_("There is no document type '{doc_type}'.").format(doc_type=doc_type))
    row = session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.code == doc_type)
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    )
    if row is None:
        return TemplateText(doc_type, 0, DEFAULT_TEMPLATES[doc_type])
    return TemplateText(doc_type, row.version, row.body, row.created_at, None, row.comment)


def current_templates(session: Session, doc_types: Sequence[str]) -> dict[str, tuple[int, CompiledTemplate]]:
    out: dict[str, tuple[int, CompiledTemplate]] = {}
    for code in doc_types:
        text = current_template(session, code)
        out[code] = (text.version, compile_template(code, text.body))
    return out


def template_history(session: Session, actor: Actor, doc_type: str) -> list[TemplateText]:
    """Every saved version, newest first, then the built-in default."""
    require(actor, Permission.TEMPLATE_EDIT)
    rows = session.execute(
        select(TemplateVersion, User.full_name)
        .outerjoin(User, User.id == TemplateVersion.created_by_id)
        .where(TemplateVersion.code == doc_type)
        .order_by(TemplateVersion.version.desc())
    ).all()
    history = [TemplateText(doc_type, r.version, r.body, r.created_at, name, r.comment) for r, name in rows]
    return [*history, TemplateText(doc_type, 0, DEFAULT_TEMPLATES[doc_type], None, "built-in", _("default wording"))]


def save_template(session: Session, actor: Actor, doc_type: str, body: str, comment: str | None = None) -> int:
    """Save a new version of a template; refuses unknown placeholders and blocks by name."""
    require(actor, Permission.TEMPLATE_EDIT)
    compile_template(doc_type, body)
    current = current_template(session, doc_type)
    if current.body == body:
        raise ValidationFailed(_("The template is unchanged; there is nothing to save."))
    version = (
        session.scalar(select(func.max(TemplateVersion.version)).where(TemplateVersion.code == doc_type)) or 0
    ) + 1
    session.add(
        TemplateVersion(
            code=doc_type,
            version=version,
            body=body,
            comment=(comment or "").strip()[:300] or None,
            created_by_id=actor.id,
            created_at=utcnow(),
        )
    )
    session.flush()
    record_audit(session, actor, "template.save", "template", doc_type, {"version": version, "comment": comment})
    return version


def _sample_data(doc_type: str) -> DocData:
    values = sample_values(doc_type)
    amount = Column("Сумма, руб.", 0.3, "R")
    claim = Table(
        (Column("Составляющая требования", 0.7), amount),
        [
            ["Основной долг", "30 000,00"],
            ["Проценты за пользование займом", "45 000,00"],
            ["Неустойка (пени)", "1 250,00"],
        ],
        ["Итого требование", "76 250,00"],
    )
    tables = {
        "claim_table": claim,
        "balance_table": claim,
        "entries_table": Table(
            (Column("Дата", 0.2, "C"), Column("Операция", 0.5), Column("Сумма, руб.", 0.3, "R")),
            [["01.09.2023", "Выдача займа", "30 000,00"], ["31.12.2023", "Начисление процентов", "45 000,00"]],
        ),
        "register_table": Table(
            (Column("№ строки", 0.15, "C"), Column("Должник", 0.45), Column("Всего, руб.", 0.4, "R")),
            [["17", values.get("debtor.full_name", ""), "55 250,00"]],
        ),
        "inventory_table": Table(
            (Column("№", 0.1, "C"), Column("Наименование предметов", 0.6), Column("Кол-во", 0.3, "C")),
            [["1", "Заявление о вынесении судебного приказа", "1"], ["2", "Расчёт задолженности", "1"]],
        ),
        "mailing_table": Table(
            (Column("№", 0.1, "C"), Column("ШПИ", 0.3), Column("Адресат", 0.4), Column("Плата, руб.", 0.2, "R")),
            [["1", "80081234567893", "Судебный участок № 1", "112,00"]],
        ),
    }
    return DocData(values, tables, {"attachments": attachments(sample_values("court_order_application"))})


def preview_template(doc_type: str, body: str) -> bytes:
    """A PDF of the template filled with sample data (the editor's live preview); raises
    ``ValidationFailed`` for an unknown placeholder exactly as saving would."""
    compiled = compile_template(doc_type, body)
    canvas = Canvas()
    canvas.begin(f"Образец · {DOC_TYPE_BY_CODE[doc_type].title}")
    draw_template(canvas, compiled, _sample_data(doc_type))
    return canvas.output()


# ---------------------------------------------------------------- generation


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    case_id: int | None
    doc_type: str
    title: str
    file_id: int
    pages: int
    template_version: int


@dataclass
class CaseDocuments:
    """The documents of one case within a batch, in order, and where they sit in the batch PDF."""

    case_id: int
    number: str
    debtor: str
    documents: list[DocumentInfo] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)  # (first page, count) in its body part


@dataclass
class GenerationResult:
    cases: list[CaseDocuments] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)  # case id -> reason
    bodies: list[bytes] = field(default_factory=list)  # the batch PDFs (for a package to merge)
    body_of_case: dict[int, int] = field(default_factory=dict)  # case id -> index into bodies
    money: dict[int, Money] = field(default_factory=dict)
    sources: dict[int, CaseSource] = field(default_factory=dict)

    @property
    def documents(self) -> list[DocumentInfo]:
        return [d for c in self.cases for d in c.documents]


def signer_name(actor: Actor) -> str:
    return str(getattr(actor, "full_name", None) or actor.username)


def _file_name(doc_type: str, number: str) -> str:
    return f"{number}_{doc_type}.pdf"


def generate_documents(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    doc_types: Sequence[str] = ("court_order_application", "debt_calculation", "register_extract"),
    *,
    as_of: dt.date | None = None,
    package_id: int | None = None,
    postage: Decimal | None = None,
    progress: ProgressFn | None = None,
) -> GenerationResult:
    """Generate ``doc_types`` for each case (amounts from the ledger on ``as_of``, default today).

    Every document is stored on its case; failures are per case and reported, not raised, unless
    no case at all could be handled.
    """
    require(actor, Permission.DOCUMENT_GENERATE)
    from core.ledger.service import case_entries, today

    unknown = [d for d in doc_types if d not in CASE_DOC_TYPES]
    if unknown:
        raise ValidationFailed(_("Unknown document type(s): {items}.").format(items=", ".join(unknown)))
    if not doc_types:
        raise ValidationFailed(_("Choose at least one document to generate."))
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    if not ids:
        raise ValidationFailed(_("Select at least one case."))
    on = as_of or today()
    templates = current_templates(session, doc_types)
    sources = load_sources(session, ids)
    money = load_money(session, list(sources), on, on)
    signer = signer_name(actor)
    now = utcnow()
    result = GenerationResult(money=money, sources=sources)
    for case_id in ids:
        if case_id not in sources:
            result.failures[case_id] = f"Case {case_id} does not exist."
    ordered = [i for i in ids if i in sources]
    total = len(ordered)
    done = 0
    for start in range(0, total, CANVAS_CASES):
        chunk = ordered[start : start + CANVAS_CASES]
        canvas = Canvas()
        made: list[tuple[CaseDocuments, list[tuple[str, dict[str, Any]]]]] = []
        for case_id in chunk:
            src = sources[case_id]
            try:
                values = case_values(src, money[case_id], signer, on, None, postage)
                entries = case_entries(session, actor, case_id, on) if "debt_calculation" in doc_types else None
                envelope = [
                    f"Заявление о вынесении судебного приказа в отношении {values['debtor.full_name']}",
                    *attachments(values),
                ]
                docs = [
                    (code, build_case_doc(code, src, money[case_id], values, entries, envelope)) for code in doc_types
                ]
            except CessioError as exc:
                result.failures[case_id] = str(exc)
                continue
            entry = CaseDocuments(case_id, src.case.number, src.debtor.full_name)
            snapshots: list[tuple[str, dict[str, Any]]] = []
            for code, data in docs:
                canvas.begin(f"{src.case.number} · {DOC_TYPE_BY_CODE[code].title}")
                draw_template(canvas, templates[code][1], data)
                entry.ranges.append(canvas.end())
                snapshots.append((code, _snapshot(data)))
            made.append((entry, snapshots))
        done += len(chunk)
        if not made:
            if progress:
                progress(done, total)
            continue
        body = canvas.output()
        result.bodies.append(body)
        all_ranges = [r for entry, _ in made for r in entry.ranges]
        pdfs = split_pdf(body, all_ranges)
        blobs: list[GeneratedBlob] = []
        meta: list[tuple[CaseDocuments, str, dict[str, Any], int]] = []
        i = 0
        for entry, snapshots in made:
            result.body_of_case[entry.case_id] = len(result.bodies) - 1
            for (code, snap), (_start, count) in zip(snapshots, entry.ranges, strict=True):
                blobs.append(GeneratedBlob(pdfs[i], _file_name(code, entry.number), entry.case_id, "generated", count))
                meta.append((entry, code, snap, count))
                i += 1
        file_ids = store_generated_many(session, actor, blobs)
        rows = [
            {
                "case_id": entry.case_id,
                "package_id": package_id,
                "doc_type": code,
                "title": DOC_TYPE_BY_CODE[code].title,
                "template_version": templates[code][0],
                "file_id": file_id,
                "pages": count,
                "data": snap,
                "generated_by_id": actor.id,
                "generated_at": now,
            }
            for (entry, code, snap, count), file_id in zip(meta, file_ids, strict=True)
        ]
        doc_ids = [
            int(r[0])
            for r in session.execute(
                insert(GeneratedDocument).returning(GeneratedDocument.id, sort_by_parameter_order=True), rows
            )
        ]
        for (entry, code, _snap, count), file_id, doc_id in zip(meta, file_ids, doc_ids, strict=True):
            entry.documents.append(
                DocumentInfo(
                    doc_id, entry.case_id, code, DOC_TYPE_BY_CODE[code].title, file_id, count, templates[code][0]
                )
            )
        result.cases.extend(entry for entry, _ in made)
        _record_generation(session, actor, [entry for entry, _ in made], package_id, now)
        if progress:
            progress(done, total)
    if not result.cases:
        reasons = "; ".join(list(result.failures.values())[:5])
        raise ValidationFailed(_("No document could be generated: {reasons}").format(reasons=reasons))
    return result


def _snapshot(data: DocData) -> dict[str, Any]:
    return {
        "values": data.values,
        "tables": {name: {"rows": t.rows, "footer": t.footer} for name, t in data.tables.items()},
        "lists": data.lists,
    }


def _record_generation(
    session: Session, actor: Actor, entries: Sequence[CaseDocuments], package_id: int | None, at: dt.datetime
) -> None:
    from core.cases.service import add_case_events

    add_case_events(
        session,
        [
            {
                "case_id": e.case_id,
                "at": at,
                "kind": "document",
                "source": "bulk" if package_id else "manual",
                "user_id": actor.id,
                "comment": "Generated: " + ", ".join(d.title for d in e.documents),
                "data": {"document_ids": [d.id for d in e.documents], "package_id": package_id},
            }
            for e in entries
        ],
    )
    record_audit_many(
        session,
        actor,
        "document.generate",
        "case",
        [(e.case_id, {"documents": [d.doc_type for d in e.documents], "package_id": package_id}) for e in entries],
    )


@dataclass(frozen=True)
class DocumentRow:
    id: int
    doc_type: str
    title: str
    file_id: int
    pages: int
    template_version: int
    generated_at: dt.datetime
    generated_by: str
    package_id: int | None


def case_documents(session: Session, actor: Actor, case_id: int) -> list[DocumentRow]:
    """Generated documents of a case, newest first."""
    require(actor, Permission.CASE_VIEW)
    rows = session.execute(
        select(GeneratedDocument, User.full_name)
        .outerjoin(User, User.id == GeneratedDocument.generated_by_id)
        .where(GeneratedDocument.case_id == case_id)
        .order_by(GeneratedDocument.generated_at.desc(), GeneratedDocument.id.desc())
    ).all()
    return [
        DocumentRow(
            d.id,
            d.doc_type,
            d.title,
            d.file_id,
            d.pages,
            d.template_version,
            d.generated_at,
            name or "system",
            d.package_id,
        )
        for d, name in rows
    ]


def document_data(session: Session, actor: Actor, document_id: int) -> dict[str, Any]:
    """The data a generated document was made from."""
    require(actor, Permission.CASE_VIEW)
    doc = session.get(GeneratedDocument, document_id)
    if doc is None:
        raise NotFound(_("Document {document_id} does not exist.").format(document_id=document_id))
    return dict(doc.data or {})


def doc_type_choices() -> list[tuple[str, str]]:
    """(code, English label) of every document type, for the UI."""
    return [(d.code, d.label) for d in DOC_TYPES]


def money_text(value: Decimal) -> str:
    return fmt_money(value)

"""Proposing the case a scan from the inbox belongs to, from what OCR read on it.

Evidence, strongest first: the court case number (unique per court), the loan contract number,
the debtor's full name together with the birth date. The clerk always confirms the match on
the review page; a proposal is never applied by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.cases.models import Case, Contract, Debtor
from core.cases.workflow import CLOSED_STAGES, transitions_from
from core.i18n import _
from core.ocr.extract import ExtractedField
from core.text import name_search_key

# How alike a name read from a scan must be to the name on the case (rapidfuzz ratio, 0..100)
# when the birth dates agree: one or two letters misread in a full name still match.
NAME_SIMILARITY = 88


@dataclass(frozen=True)
class MatchProposal:
    case_id: int
    case_number: str
    score: float
    reason: str


def propose_case(session: Session, fields: dict[str, ExtractedField] | dict[str, str]) -> MatchProposal | None:
    """The most likely case, or None when nothing on the page points to one."""
    values = {k: (v.value if isinstance(v, ExtractedField) else v) for k, v in fields.items() if v}
    evidence: dict[int, list[tuple[float, str]]] = {}

    def add(case_ids: list[int], score: float, reason: str) -> None:
        for case_id in case_ids:
            evidence.setdefault(case_id, []).append((score, reason))

    if values.get("case_number"):
        ids = session.scalars(select(Case.id).where(Case.court_case_number == values["case_number"])).all()
        add(list(ids), 0.6, f"court case number {values['case_number']}")
    if values.get("contract_number"):
        ids = session.scalars(
            select(Case.id)
            .join(Contract, Contract.id == Case.contract_id)
            .where(Contract.number == values["contract_number"])
        ).all()
        add(list(ids), 0.5, f"contract {values['contract_number']}")
    name, born = values.get("debtor_name"), values.get("debtor_birth_date")
    if name:
        birth = _date(born)
        key = name_search_key(name)
        condition = Debtor.name_search == key
        if birth is not None:
            condition = or_(condition, Debtor.birth_date == birth)
        debtors = session.execute(select(Debtor.id, Debtor.full_name, Debtor.birth_date).where(condition)).all()
        for debtor_id, score, reason in rank_debtors(name, birth, [(d.id, d.full_name, d.birth_date) for d in debtors]):
            ids = session.scalars(select(Case.id).where(Case.debtor_id == debtor_id)).all()
            add(list(ids), score, reason)
    if not evidence:
        return None
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(evidence)))}
    doc_type = values.get("document_type")

    def rank(case_id: int) -> tuple[float, int, int]:
        case = cases[case_id]
        fits = any(t.document_type == doc_type for t in transitions_from(case.stage)) if doc_type else False
        return (sum(s for s, _ in evidence[case_id]), int(fits), int(case.stage not in CLOSED_STAGES))

    best = max(evidence, key=rank)
    score = min(1.0, sum(s for s, _ in evidence[best]))
    return MatchProposal(best, cases[best].number, round(score, 2), "; ".join(r for _, r in evidence[best]))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def rank_debtors(
    name: str, birth: dt.date | None, debtors: list[tuple[int, str, dt.date | None]]
) -> list[tuple[int, float, str]]:
    """Score each candidate debtor (id, full name, birth date) against the name and birth date
    read from a scan, best first; candidates that do not fit are left out.

    The name (already in the nominative, ``core.ocr.names``) decides; the birth date breaks the
    tie between namesakes and lets a name with a letter or two misread still match:

    - the same name and the same birth date: 0.4;
    - a name within ``NAME_SIMILARITY`` and the same birth date: 0.35;
    - the same name, no birth date read: 0.25 (a namesake would tie: the clerk decides);
    - the same name, another birth date: 0.1 (a misread date, or a namesake).
    """
    key = name_search_key(name)
    out: list[tuple[int, float, str]] = []
    for debtor_id, full_name, born in debtors:
        other = name_search_key(full_name or "")
        same = other == key
        similar = fuzz.ratio(key, other) >= NAME_SIMILARITY
        if birth is not None and born == birth and (same or similar):
            score = 0.4 if same else 0.35
            reason = _("debtor {name}, born {birth}").format(name=full_name, birth=f"{birth:%d.%m.%Y}")
        elif same and birth is None:
            score, reason = 0.25, _("debtor {name} (no birth date read)").format(name=full_name)
        elif same:
            score, reason = 0.1, _("debtor {name}, but another birth date").format(name=full_name)
        else:
            continue
        out.append((debtor_id, score, reason))
    return sorted(out, key=lambda r: -r[1])

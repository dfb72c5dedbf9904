"""Proposing the case a scan from the inbox belongs to, from what OCR read on it.

Evidence, strongest first: the court case number (unique per court), the loan contract number,
the debtor's full name together with the birth date. The clerk always confirms the match on
the review page; a proposal is never applied by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Case, Contract, Debtor
from core.cases.workflow import CLOSED_STAGES, transitions_from
from core.ocr.extract import ExtractedField
from core.text import name_search_key


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
    if name and born:
        try:
            birth = dt.date.fromisoformat(born)
        except ValueError:
            birth = None
        if birth is not None:
            ids = session.scalars(
                select(Case.id)
                .join(Debtor, Debtor.id == Case.debtor_id)
                .where(Debtor.name_search == name_search_key(name), Debtor.birth_date == birth)
            ).all()
            add(list(ids), 0.4, f"debtor {name}, born {birth:%d.%m.%Y}")
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

"""OCR quality: the share of fields the reviewing clerk had to correct.

The OCR domain (``core/ocr/models.py``) keeps, per confirmed court document, the fields it read
with the value the clerk confirmed (``ocr_fields.final_value``) and every change the clerk made
(``ocr_corrections``). Counted over documents confirmed in the period (``reviewed_at``), the
same definition as ``core.ocr.service.correction_stats``: of the fields clerks confirmed, how
many they changed. The fewer, the better the reading.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.kpi.filters import KpiFilters
from core.kpi.result import KpiResult, frame, unavailable
from core.kpi.sql import has_table

try:
    from core.ocr import models as ocr
except ImportError:  # the OCR domain is optional for the dashboard
    ocr = None  # type: ignore[assignment]

COLUMNS = ["field", "reviewed", "corrected", "corrected_share"]
TITLE = N_("OCR: share of fields corrected by reviewers")
CONFIRMED = "confirmed"


def _available(session: Session) -> bool:
    return ocr is not None and has_table(session, "ocr_corrections") and has_table(session, "ocr_fields")


def corrections(session: Session, f: KpiFilters, now: dt.datetime) -> KpiResult:
    if not _available(session):
        return unavailable("ocr_corrections", TITLE, COLUMNS, N_("No data yet: OCR review is not set up"))
    assert ocr is not None
    doc, fld, cor = ocr.OcrDocument, ocr.OcrField, ocr.OcrCorrection
    docs: Any = select(doc.id).where(doc.status == CONFIRMED, doc.reviewed_at >= f.start, doc.reviewed_at < f.end)
    if f.narrows_cases():
        docs = docs.where(doc.case_id.in_(f.case_ids_subquery()))
    reviewed = dict(
        session.execute(
            select(fld.name, func.count())
            .where(fld.document_id.in_(docs), fld.final_value.is_not(None))
            .group_by(fld.name)
        ).all()
    )
    corrected = dict(
        session.execute(select(cor.field, func.count()).where(cor.document_id.in_(docs)).group_by(cor.field)).all()
    )
    names = sorted(set(reviewed) | set(corrected))
    data: list[tuple[Any, ...]] = []
    for name in names:
        changed = int(corrected.get(name, 0))
        seen = max(int(reviewed.get(name, 0)), changed)  # a field the clerk cleared is reviewed too
        data.append((name, seen, changed, round(changed / seen, 4) if seen else 0.0))
    if not data:
        return KpiResult("ocr_corrections", TITLE, frame([], COLUMNS))
    total_seen = sum(r[1] for r in data)
    total_changed = sum(r[2] for r in data)
    return KpiResult(
        "ocr_corrections",
        TITLE,
        frame(data, COLUMNS),
        {
            "reviewed": total_seen,
            "corrected": total_changed,
            "corrected_share": round(total_changed / total_seen, 4) if total_seen else None,
        },
    )

"""Cases with money on the ledger, and text extraction from PDFs, for the document tests."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy.orm import Session

from core.auth.models import User
from core.cases.models import Case
from core.ledger.service import post_entry
from core.postal.tracking import domestic_check_digit
from tests.factories import make_case

PRINCIPAL = Decimal("30000.00")
INTEREST = Decimal("45000.50")
PENALTY = Decimal("1250.00")


def case_with_debt(session: Session, lawyer: User, **kwargs: Any) -> Case:
    case = make_case(session, principal=PRINCIPAL, **kwargs)
    post_entry(session, lawyer, case.id, "principal", PRINCIPAL, dt.date(2023, 9, 1), source="import")
    post_entry(session, lawyer, case.id, "interest", INTEREST, dt.date(2024, 3, 1), source="import")
    post_entry(session, lawyer, case.id, "penalty", PENALTY, dt.date(2024, 3, 1), source="import")
    session.flush()
    return case


def tracking(serial: int) -> str:
    """A valid 14-digit domestic tracking number."""
    first13 = f"1234560{serial:06d}"
    return first13 + str(domestic_check_digit(first13))


def pdf_text(data: bytes, pages: range | None = None) -> str:
    reader = PdfReader(io.BytesIO(data))
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    text = "\n".join(page.extract_text() or "" for page in chosen)
    return " ".join(text.replace("\u00a0", " ").split())


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)

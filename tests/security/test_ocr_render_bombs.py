"""Issue #19 item 2: a 3 KB PDF must not exhaust memory, and a file that kills the reader must
not take the jobs process down forever.

Before: only page 1's size was checked at upload; OCR rendered up to 20 pages at 300 dpi and kept
them all; a reading that crashed the process was taken again forever.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy.orm import Session

from core.db import session_scope, utcnow
from core.errors import ValidationFailed
from core.files.checks import check_upload
from core.ocr import models as m
from core.ocr import service
from core.ocr.preprocess import MAX_RENDER_PIXELS, iter_pages
from tests.factories import make_user


def _pdf(*sizes: tuple[float, float]) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for width, height in sizes:
        pdf.new_page(width, height)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_a_giant_page_anywhere_in_the_pdf_is_refused_at_upload() -> None:
    bomb = _pdf((595, 842), (595, 842), (60_000, 60_000))  # A4, A4, then 21 metres a side
    assert len(bomb) < 3_000
    with pytest.raises(ValidationFailed, match="Page 3 of 'bomb.pdf'"):
        check_upload(bomb, "bomb.pdf")
    check_upload(_pdf((595, 842), (842, 595)), "scan.pdf")  # ordinary pages pass


def test_rendering_is_bounded_by_pixels_and_done_one_page_at_a_time() -> None:
    big = _pdf((14_000, 14_000), (595, 842))  # within the PDF size limit, 2.7 gigapixels at 300 dpi
    pages = iter_pages(big)
    first = next(pages)
    assert first.width * first.height <= MAX_RENDER_PIXELS * 1.01
    second = next(pages)  # rendered only now, after the first was handed over
    assert second.width == round(595 * 300 / 72) or abs(second.width - 595 * 300 / 72) <= 1


def test_a_reading_that_keeps_killing_the_process_fails_with_the_reason(session: Session) -> None:
    clerk = make_user(session, "clerk")
    doc = service.upload_scans(session, clerk, [("scan.pdf", _pdf((595, 842)))]).documents[0]
    session.commit()
    now = utcnow()
    for attempt in range(m.MAX_ATTEMPTS):  # taken, then the process dies before saving anything
        now += dt.timedelta(seconds=service.LEASE_SECONDS + 1)
        with session_scope() as s:
            assert service.claim_next(s, f"worker-{attempt}", now=now) is not None
    now += dt.timedelta(seconds=service.LEASE_SECONDS + 1)
    with session_scope() as s:
        assert service.claim_next(s, "worker-last", now=now) is None  # not taken a fourth time
    session.expire_all()
    failed = session.get(m.OcrDocument, doc.id)
    assert failed is not None and failed.status == m.FAILED
    assert "not tried again" in (failed.last_error or "")

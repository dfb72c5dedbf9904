"""The OCR queue and review on SQLite and PostgreSQL.

The engine is replaced through its interface (``OcrEngine``) by one that "reads" the text the
synthetic page was printed with, so these tests exercise intake, the queue, matching and the
confirmation without spending a minute of CPU per page; ``test_engine.py`` runs real easyocr.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases.models import Case, CaseEvent
from core.db import session_scope, utcnow
from core.errors import ConcurrentChange, ValidationFailed
from core.ocr import models as m
from core.ocr import service
from core.ocr.engine import OcrLine
from tests.factories import make_case, make_user
from tests.ocr.synthetic import blank_page, make_document


class TextEngine:
    """Returns fixed lines for every page (what a perfect reader would see)."""

    name = "text"
    languages = ("en", "ru")

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def read(self, image: Image.Image) -> list[OcrLine]:
        self.calls += 1
        return [
            OcrLine(t, 0.9, (0, i * 40, 500, i * 40 + 30)) for i, t in enumerate(self.text.splitlines()) if t.strip()
        ]


class BrokenEngine:
    name = "broken"
    languages = ("en",)

    def read(self, image: Image.Image) -> list[OcrLine]:
        raise RuntimeError("out of memory")


ORDER = """Magistrate Court Circuit No. 12 of the Tverskoy District of Moscow
COURT ORDER
Case No. 2-1078/2024
Date: 14 March 2024
Magistrate judge A. V. Petrova, having considered the application of
PKO Cessio LLC (claimant) against the debtor
Ivanov Ivan Ivanovich, born 14.03.1985,
under the loan contract No. DZ-0001234,
ORDERED:
in the total amount of 45 300,50 RUB
including principal debt 30 000,00 RUB,
interest 12 000,00 RUB, penalty 3 300,50 RUB,
and the state fee of 779,51 RUB."""

REFUSAL = """RULING on refusal to issue a court order
Case No. 2-77/2024
Date: 02.04.2024
RULED: To refuse to issue the court order."""


def _scan(seed: int = 1) -> bytes:
    doc = make_document(seed, lang="en", noise=0)
    small = doc.image.resize((doc.image.width // 2, doc.image.height // 2))
    from io import BytesIO

    buf = BytesIO()
    small.save(buf, format="PNG")
    return buf.getvalue()


def _upload(session: Session, data: bytes, case_id: int | None = None, name: str = "order.png") -> int:
    clerk = make_user(session, "clerk")
    result = service.upload_scans(session, clerk, [(name, data)], case_id)
    session.commit()
    assert result.refused == []
    return result.documents[0].id


def test_inbox_scan_is_read_and_matched_to_the_case_by_its_court_number(session: Session) -> None:
    case = make_case(session, stage="claim_delivered", court_case_number="2-1078/2024")
    make_case(session, stage="claim_delivered")
    doc_id = _upload(session, _scan())
    outcome = service.process_next(TextEngine(ORDER), worker="w1")
    assert outcome is not None and outcome.status == m.NEEDS_REVIEW
    session.expire_all()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and doc.status == m.NEEDS_REVIEW
    assert doc.proposed_case_id == case.id
    assert "2-1078/2024" in (doc.match_reason or "")
    clerk = make_user(session, "clerk")
    review = service.get_review(session, clerk, doc_id)
    by_name = {f.name: f for f in review.fields}
    assert by_name["total"].value == "45 300,50"
    assert by_name["act_date"].value == "14.03.2024"
    assert by_name["total"].warning and "claim amount" in by_name["total"].warning
    assert review.transition is not None and review.transition.name == "issue_order"


def test_match_by_debtor_name_and_birth_date(session: Session) -> None:
    case = make_case(session, stage="claim_delivered", last_name="Ivanov", first_name="Ivan", middle_name="Ivanovich")
    doc_id = _upload(session, _scan())
    service.process_next(TextEngine(ORDER), worker="w1")
    session.expire_all()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and doc.proposed_case_id == case.id
    assert "14.03.1985" in (doc.match_reason or "")


def test_a_broken_file_is_refused_and_the_good_one_still_queued(session: Session) -> None:
    clerk = make_user(session, "clerk")
    result = service.upload_scans(session, clerk, [("notes.txt", b"just some text"), ("order.png", _scan())])
    session.commit()
    assert [d.filename for d in result.documents] == ["order.png"]
    assert result.refused[0][0] == "notes.txt" and "not a PDF" in result.refused[0][1]
    assert service.queue_counts(session, clerk)[m.QUEUED] == 1


def test_a_blank_page_fails_with_the_reason_and_is_not_retried(session: Session) -> None:
    doc_id = _upload(session, blank_page(3), name="empty.png")
    engine = TextEngine(ORDER)
    outcome = service.process_next(engine, worker="w1")
    assert outcome is not None and outcome.status == m.FAILED
    assert engine.calls == 0
    session.expire_all()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and doc.status == m.FAILED and "blank" in (doc.last_error or "")
    assert service.process_next(engine, worker="w1") is None


def test_an_engine_failure_is_retried_then_fails_keeping_the_reason(session: Session) -> None:
    doc_id = _upload(session, _scan())
    for attempt in range(1, m.MAX_ATTEMPTS + 1):
        outcome = service.process_next(BrokenEngine(), worker="w1")
        assert outcome is not None
        session.expire_all()
        doc = session.get(m.OcrDocument, doc_id)
        assert doc is not None and doc.attempts == attempt and "out of memory" in (doc.last_error or "")
        if attempt < m.MAX_ATTEMPTS:
            assert doc.status == m.QUEUED and doc.not_before is not None
            assert service.process_next(BrokenEngine(), worker="w1") is None  # waits before the retry
            with session_scope() as s:
                s.get(m.OcrDocument, doc_id).not_before = utcnow() - dt.timedelta(seconds=1)  # type: ignore[union-attr]
        else:
            assert doc.status == m.FAILED
    clerk = make_user(session, "clerk")
    service.retry_document(session, clerk, doc_id)
    session.commit()
    assert service.process_next(TextEngine(ORDER), worker="w1").status == m.NEEDS_REVIEW  # type: ignore[union-attr]


def test_two_workers_never_take_the_same_document_and_a_dead_lease_is_taken_again(session: Session) -> None:
    doc_id = _upload(session, _scan())
    with session_scope() as s:
        first = service.claim_next(s, "w1")
        assert first is not None and first.id == doc_id
    with session_scope() as s:
        assert service.claim_next(s, "w2") is None
    later = utcnow() + dt.timedelta(seconds=service.LEASE_SECONDS + 1)
    with session_scope() as s:
        again = service.claim_next(s, "w2", now=later)
        assert again is not None and again.id == doc_id and again.lease_owner == "w2"
    # the first worker's late outcome is discarded, not saved over the second's work
    assert service._fail(doc_id, "w1", "late", retry=False).status == "gone"
    session.expire_all()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and doc.attempts == 2 and doc.status == m.RUNNING and doc.lease_owner == "w2"


def _reviewed_case(session: Session) -> tuple[int, int]:
    case = make_case(
        session, stage="claim_delivered", court_case_number="2-1078/2024", claim_amount=Decimal("45300.50")
    )
    doc_id = _upload(session, _scan())
    service.process_next(TextEngine(ORDER), worker="w1")
    return case.id, doc_id


def _form(session: Session, doc_id: int) -> dict[str, str]:
    clerk = make_user(session, "clerk")
    return {f.name: f.value for f in service.get_review(session, clerk, doc_id).fields}


def test_confirm_applies_the_order_moves_the_case_books_the_fee_and_keeps_corrections(session: Session) -> None:
    case_id, doc_id = _reviewed_case(session)
    clerk = make_user(session, "clerk")
    form = _form(session, doc_id)
    form["total"] = "45 300,60"  # the clerk corrects what OCR read
    form["judge"] = "A. V. Petrova-Smirnova"
    result = service.confirm_document(session, clerk, doc_id, form, case_ref=case_id)
    session.commit()
    assert result.transition == "issue_order" and result.corrections == 2
    session.expire_all()
    case = session.get(Case, case_id)
    assert case is not None and case.stage == "order_issued"
    assert case.court_case_number == "2-1078/2024"
    assert case.court_act_date == dt.date(2024, 3, 14)
    assert case.awarded_amount == Decimal("45300.60")
    corrections = session.scalars(select(m.OcrCorrection).order_by(m.OcrCorrection.field)).all()
    assert [(c.field, c.ocr_value, c.final_value) for c in corrections] == [
        ("judge", "A. V. Petrova", "A. V. Petrova-Smirnova"),
        ("total", "45300.50", "45300.60"),
    ]
    from core.ledger.service import balance

    assert balance(session, case_id).state_fee == Decimal("779.51")
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind.in_(["ocr", "transition"]))
    ).all()
    assert {e.source for e in events} == {"ocr_review"}
    stats = service.correction_stats(session, clerk)
    assert stats.fields_corrected == 2 and stats.documents == 1
    assert stats.share_corrected == pytest.approx(2 / stats.fields_reviewed)
    with pytest.raises(ValidationFailed, match="confirmed"):
        service.confirm_document(session, clerk, doc_id, form, case_ref=case_id)


def test_confirm_refusal_moves_to_order_refused_and_stores_the_court_number(session: Session) -> None:
    case = make_case(session, stage="claim_delivered")
    doc_id = _upload(session, _scan(), case_id=case.id)
    service.process_next(TextEngine(REFUSAL), worker="w1")
    clerk = make_user(session, "clerk")
    form = _form(session, doc_id)
    assert form["document_type"] == "refusal"
    service.confirm_document(session, clerk, doc_id, form)
    session.commit()
    session.expire_all()
    moved = session.get(Case, case.id)
    assert moved is not None and moved.stage == "order_refused"
    assert moved.court_case_number == "2-77/2024" and moved.court_act_date == dt.date(2024, 4, 2)


def test_confirm_refuses_when_the_case_is_not_at_a_stage_the_act_confirms(session: Session) -> None:
    case = make_case(session, stage="claim_mailed", court_case_number="2-1078/2024")
    doc_id = _upload(session, _scan())
    service.process_next(TextEngine(ORDER), worker="w1")
    clerk = make_user(session, "clerk")
    with pytest.raises(ValidationFailed, match="Claim mailed"):
        service.confirm_document(session, clerk, doc_id, _form(session, doc_id), case_ref=case.id)
    session.rollback()
    assert session.get(m.OcrDocument, doc_id).status == m.NEEDS_REVIEW  # type: ignore[union-attr]


def test_confirm_reports_bad_fields_and_a_concurrent_change(session: Session) -> None:
    case_id, doc_id = _reviewed_case(session)
    clerk = make_user(session, "clerk")
    form = _form(session, doc_id)
    with pytest.raises(ValidationFailed) as bad:
        service.confirm_document(
            session, clerk, doc_id, {**form, "act_date": "31.02.2024", "total": "lots"}, case_ref=case_id
        )
    assert set(bad.value.problems) == {"act_date", "total"}
    with pytest.raises(ConcurrentChange):
        service.confirm_document(session, clerk, doc_id, form, case_ref=case_id, expected_version=0)


def test_reject_needs_a_reason(session: Session) -> None:
    _, doc_id = _reviewed_case(session)
    clerk = make_user(session, "clerk")
    with pytest.raises(ValidationFailed, match="why"):
        service.reject_document(session, clerk, doc_id, "  ")
    service.reject_document(session, clerk, doc_id, "Not a court act: an advertising letter")
    session.commit()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and doc.status == m.REJECTED and doc.reject_reason.startswith("Not a court act")
    assert service.next_for_review(session, clerk) is None


def test_pdf_scans_are_rasterised(session: Session) -> None:
    doc = make_document(4, lang="en", noise=0)
    doc_id = _upload(session, doc.pdf_bytes(), name="order.pdf")
    engine = TextEngine(ORDER)
    assert service.process_next(engine, worker="w1").status == m.NEEDS_REVIEW  # type: ignore[union-attr]
    assert engine.calls == 1
    clerk = make_user(session, "clerk")
    png = service.page_image(session, clerk, doc_id)
    assert png.startswith(b"\x89PNG")


def test_the_job_reads_the_queue_and_says_what_it_did(session: Session) -> None:
    from jobs.ocr_queue import JOB

    assert JOB.every_seconds == 10
    assert JOB.run() == "queue empty"  # an empty queue does not even load the engine
    _upload(session, _scan())
    _upload(session, blank_page(2), name="blank.png")
    assert service.process_queue(limit=5, engine=TextEngine(ORDER), worker="w1") == "read 1 failed, 1 needs review"


def test_a_scan_missing_from_the_file_store_fails_with_the_reason(session: Session) -> None:
    from core.config import get_settings
    from core.files.store import LocalFileStore

    doc_id = _upload(session, _scan())
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None
    LocalFileStore(get_settings().file_store_dir).path(doc.sha256).unlink()
    outcome = service.process_next(TextEngine(ORDER), worker="w1")
    assert outcome is not None and outcome.status == m.FAILED and "missing from the file store" in outcome.detail


class PagedEngine:
    """Returns the printed lines of one page per call, page after page (a perfect reader of a
    multi-page file), with a chosen confidence."""

    name = "paged"
    languages = ("ru", "en")

    def __init__(self, pages: list[list[str]], confidence: float = 0.9) -> None:
        self.pages = pages
        self.confidence = confidence
        self.calls = 0

    def read(self, image: Image.Image) -> list[OcrLine]:
        lines = self.pages[min(self.calls, len(self.pages) - 1)]
        self.calls += 1
        return [OcrLine(t, self.confidence, (0, i * 40, 500, i * 40 + 30)) for i, t in enumerate(lines) if t.strip()]


def _pdf(images: list[Image.Image]) -> bytes:
    from io import BytesIO

    buf = BytesIO()
    first, *rest = [im.convert("RGB").resize((im.width // 2, im.height // 2)) for im in images]
    first.save(buf, format="PDF", resolution=100.0, save_all=True, append_images=rest)
    return buf.getvalue()


def test_a_pdf_with_two_acts_becomes_two_documents_and_nothing_is_lost(session: Session) -> None:
    from tests.ocr.court_acts import make_act, truth_values

    order = make_act(41, doc_type="court_order", noise=False)
    cancel = make_act(42, doc_type="cancellation", noise=False)
    doc_id = _upload(session, _pdf([order.image, cancel.image]), name="two acts.pdf")
    outcome = service.process_next(PagedEngine([order.lines, cancel.lines]), worker="w1")
    assert outcome is not None and outcome.status == m.NEEDS_REVIEW
    session.expire_all()
    docs = session.scalars(select(m.OcrDocument).order_by(m.OcrDocument.id)).all()
    assert [d.status for d in docs] == [m.NEEDS_REVIEW, m.NEEDS_REVIEW]
    first, second = docs
    assert first.id == doc_id and first.document_type == "court_order" and first.page_count == 1
    assert second.document_type == "cancellation" and second.first_page == 1 and second.source_document_id == doc_id
    assert second.sha256 == first.sha256 and "pages 2-2" in second.filename
    assert "2 court acts" in (first.notes or "") and f"#{second.id}" in (first.notes or "")
    clerk = make_user(session, "clerk")
    fields = {f.name: f.value for f in service.get_review(session, clerk, second.id).fields}
    assert fields["case_number"] == truth_values(cancel.truth)["case_number"]
    # the review shows the second act's own page, not the file's first
    assert service.page_image(session, clerk, second.id) != service.page_image(session, clerk, first.id)
    # the second act rejected and read again keeps to its own pages and makes no new documents
    service.reject_document(session, clerk, second.id, "смазан")
    service.retry_document(session, clerk, second.id)
    session.commit()
    again = service.process_next(PagedEngine([order.lines, cancel.lines]), worker="w2")
    assert again is not None and again.document_id == second.id and again.status == m.NEEDS_REVIEW
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(m.OcrDocument)) == 2
    assert session.get(m.OcrDocument, second.id).document_type == "cancellation"  # type: ignore[union-attr]


def test_a_scan_in_no_language_the_engine_reads_fails_with_the_reason(session: Session) -> None:
    doc_id = _upload(session, _scan(5), name="georgian.png")
    noise = [["ᲡᲐᲡᲐᲛᲐᲠᲗᲚᲝ ~ ,;'", "ii1l| Il1 ;;:", "ðŧ¶ ŋ łł"]]
    outcome = service.process_next(PagedEngine(noise, confidence=0.2), worker="w1")
    assert outcome is not None and outcome.status == m.FAILED
    session.expire_all()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and "no language the OCR reads" in (doc.last_error or "")
    assert doc.attempts == 1  # not retried: reading it again gives the same noise


def test_a_reader_that_dies_every_time_gets_limited_attempts_then_fails(session: Session) -> None:
    doc_id = _upload(session, _scan())
    now = utcnow()
    for attempt in range(m.MAX_ATTEMPTS):
        now += dt.timedelta(seconds=service.LEASE_SECONDS + 1)
        with session_scope() as s:
            taken = service.claim_next(s, f"w{attempt}", now=now)  # ...and the process dies reading it
            assert taken is not None and taken.id == doc_id
    now += dt.timedelta(seconds=service.LEASE_SECONDS + 1)
    with session_scope() as s:
        assert service.claim_next(s, "w9", now=now) is None
    session.expire_all()
    doc = session.get(m.OcrDocument, doc_id)
    assert doc is not None and doc.status == m.FAILED and doc.lease_owner is None
    assert f"stopped {m.MAX_ATTEMPTS} times" in (doc.last_error or "")

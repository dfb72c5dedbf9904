"""Storing uploads on cases: stored once, on the timeline, audited, readable, previewable."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.models import AuditLog
from core.cases.models import CaseEvent
from core.config import get_settings
from core.errors import NotFound, ValidationFailed
from core.files.models import StoredFile
from core.files.service import case_files, download, first_page_preview, read_file, store_upload
from tests.factories import make_case, make_user
from tests.files.samples import image_bytes, pdf_bytes


def _blobs() -> list[str]:
    root = get_settings().file_store_dir
    return [p.name for p in root.rglob("*") if p.is_file() and not p.name.startswith(".tmp")]


def test_upload_is_stored_on_the_case_with_an_event_and_audit(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    data = pdf_bytes(2)
    row = store_upload(session, clerk, data, "C:\\scans\\court letter.pdf", case.id, "court_mail")
    session.commit()
    assert (row.original_name, row.mime_type, row.pages, row.size) == (
        "court letter.pdf",
        "application/pdf",
        2,
        len(data),
    )
    assert read_file(row.id) == data
    assert [f.id for f in case_files(session, clerk, case.id)] == [row.id]
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert event.kind == "document" and "court letter.pdf" in (event.comment or "")
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "file.upload")) == 1


def test_the_same_bytes_are_stored_once(session: Session) -> None:
    clerk = make_user(session, "clerk")
    first, second = make_case(session), make_case(session)
    data = image_bytes("PNG")
    a = store_upload(session, clerk, data, "scan.png", first.id, "scan")
    again = store_upload(session, clerk, data, "scan (1).png", first.id, "scan")
    other_case = store_upload(session, clerk, data, "scan.png", second.id, "scan")
    session.commit()
    assert again.id == a.id
    assert other_case.id != a.id and other_case.sha256 == a.sha256
    assert _blobs() == [a.sha256]
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 2
    events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == first.id))
    assert events == 1


def test_bad_upload_is_refused_and_nothing_is_stored(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    with pytest.raises(ValidationFailed, match="damaged PDF"):
        store_upload(session, clerk, b"%PDF-1.4\n garbage \x00\x01", "x.pdf", case.id, "scan")
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert _blobs() == []


def test_upload_to_a_missing_case(session: Session) -> None:
    clerk = make_user(session, "clerk")
    with pytest.raises(NotFound, match="does not exist"):
        store_upload(session, clerk, pdf_bytes(), "x.pdf", 999_999, "scan")


def test_first_page_preview_is_a_png_of_the_first_page(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    pdf = store_upload(session, clerk, pdf_bytes(3), "a.pdf", case.id, "scan")
    tif = store_upload(session, clerk, image_bytes("TIFF", (1200, 1600), frames=2), "b.tif", case.id, "scan")
    session.commit()
    for row in (pdf, tif):
        png = first_page_preview(row.id, session)
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.width <= 600
    assert Image.open(io.BytesIO(first_page_preview(pdf.id))).width == 600


def test_download_is_audited(session: Session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    row = store_upload(session, clerk, image_bytes("JPEG"), "photo.jpg", case.id, "envelope")
    name, mime, data = download(session, clerk, row.id)
    assert (name, mime) == ("photo.jpg", "image/jpeg") and data == read_file(row.id, session)
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "file.download")) == 1


def test_a_generated_workbook_keeps_its_long_media_type(session: Session) -> None:
    from core.files.service import GeneratedBlob, store_generated_many

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # 65 characters
    (file_id,) = store_generated_many(
        session, None, [GeneratedBlob(b"PK\x03\x04 report", "r.xlsx", None, "report", 0, xlsx)]
    )
    session.commit()
    assert session.get(StoredFile, file_id).mime_type == xlsx  # type: ignore[union-attr]
    assert read_file(file_id, session) == b"PK\x03\x04 report"

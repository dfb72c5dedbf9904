"""The engine, its languages and the page preparation; one test runs the real easyocr."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from core.config import Settings
from core.ocr.engine import (
    EasyOcrEngine,
    EngineUnavailable,
    TesseractEngine,
    easyocr_language_status,
    engine_status,
    make_engine,
    read_scan,
)
from core.ocr.extract import extract_fields, values
from core.ocr.preprocess import UnreadableScan, find_text_lines, load_pages, prepare_page
from tests.ocr.synthetic import blank_page, make_document, truth_values


def test_russian_is_active_only_when_its_model_is_in_the_model_dir(tmp_path: Path) -> None:
    without = {s.code: s for s in easyocr_language_status(Settings(ocr_model_dir=tmp_path))}
    assert without["en"].active
    assert not without["ru"].active and "cyrillic_g2.pth" in without["ru"].detail
    (tmp_path / "cyrillic_g2.pth").write_bytes(b"model")
    with_ru = {s.code: s for s in easyocr_language_status(Settings(ocr_model_dir=tmp_path))}
    assert with_ru["ru"].active
    engine = EasyOcrEngine(Settings(ocr_model_dir=tmp_path))
    assert engine.languages == ("en", "ru")
    # the detector (from the package) and the Cyrillic recogniser are offered to easyocr together
    assert {p.name for p in engine._model_dir.iterdir()} == {"craft_mlt_25k.pth", "cyrillic_g2.pth"}


def test_a_language_left_out_of_the_settings_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "cyrillic_g2.pth").write_bytes(b"model")
    status = {s.code: s for s in easyocr_language_status(Settings(ocr_model_dir=tmp_path, ocr_languages=["en"]))}
    assert not status["ru"].active and "not in CESSIO_OCR_LANGUAGES" in status["ru"].detail


def test_the_engine_is_a_setting_and_tesseract_is_the_default() -> None:
    assert Settings().ocr_engine == "tesseract"
    assert isinstance(make_engine(Settings()), TesseractEngine)
    assert make_engine(Settings()).lang == "rus+eng"  # type: ignore[attr-defined]
    assert isinstance(make_engine(Settings(ocr_engine="easyocr", ocr_languages=["en"])), EasyOcrEngine)
    status = engine_status(Settings(ocr_engine="paper"))
    assert status.problem and "CESSIO_OCR_ENGINE" in status.problem and not status.reads_russian


def test_easyocr_without_its_cyrillic_model_does_not_read_russian(tmp_path: Path) -> None:
    status = engine_status(Settings(ocr_engine="easyocr", ocr_model_dir=tmp_path))
    assert status.languages == ("en",) and not status.reads_russian


def test_a_missing_tesseract_language_is_named_with_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract, "get_languages", lambda config="": ["eng", "osd"])
    status = engine_status(Settings())
    assert status.languages == ("en",) and not status.reads_russian
    ru = next(s for s in status.statuses if s.code == "ru")
    assert "tesseract-ocr-rus" in ru.detail
    monkeypatch.setattr(pytesseract, "get_languages", lambda config="": ["osd"])
    with pytest.raises(EngineUnavailable):
        TesseractEngine(Settings())


def test_skew_is_measured_and_removed() -> None:
    doc = make_document(11, lang="en")
    rotation = doc.extra["rotation"]
    prepared = prepare_page(doc.image)
    assert prepared.skew_degrees == pytest.approx(-rotation, abs=0.35)
    assert not prepared.blank


def test_lines_of_a_page_are_found_one_box_per_printed_line() -> None:
    doc = make_document(12, lang="en", layout="classic", doc_type="refusal")
    boxes = find_text_lines(prepare_page(doc.image).image)
    printed = [line for line in doc.lines if line.strip()]
    # the signature line "Judge ....... A. B. Name" may split at its wide gap
    assert len(printed) <= len(boxes) <= len(printed) + 2


def test_blank_and_broken_files() -> None:
    page = load_pages(blank_page(1))[0]
    assert prepare_page(page).blank
    with pytest.raises(UnreadableScan, match="neither a PDF"):
        load_pages(b"hello")
    with pytest.raises(UnreadableScan, match="damaged"):
        load_pages(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


@pytest.mark.ocr
def test_real_easyocr_reads_a_generated_court_order() -> None:
    """The whole pipeline on one noisy, rotated scan: the three benchmark fields come out right."""
    doc = make_document(2024, lang="en", doc_type="court_order", layout="compact")
    top = doc.image.crop((0, 0, doc.image.width, doc.image.height * 11 // 20))
    buf = io.BytesIO()
    top.save(buf, format="JPEG", quality=70)
    reading = read_scan(buf.getvalue(), EasyOcrEngine(Settings(ocr_engine="easyocr", ocr_languages=["en"])))
    got, truth = values(extract_fields(reading.lines)), truth_values(doc.truth)
    assert reading.pages == 1 and reading.lines
    assert all(0.0 <= line.confidence <= 1.0 for line in reading.lines)
    assert (got.get("document_type"), got.get("case_number"), got.get("act_date"), got.get("total")) == (
        "court_order",
        truth["case_number"],
        truth["act_date"],
        truth["total"],
    )

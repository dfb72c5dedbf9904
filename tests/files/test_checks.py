"""Uploads are judged by their bytes: what is accepted, and what each refusal says."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.files.checks import UploadLimits, check_upload
from tests.files.samples import image_bytes, pdf_bytes, png_claiming_size

LIMITS = UploadLimits(max_bytes=2 * 1024 * 1024, max_pages=5, max_pixels=20_000_000)


def test_accepts_the_four_formats_and_counts_pages() -> None:
    assert check_upload(pdf_bytes(3), "letter.pdf", LIMITS).pages == 3
    png = check_upload(image_bytes("PNG"), "scan.png", LIMITS)
    assert (png.mime_type, png.width, png.height) == ("image/png", 120, 80)
    assert check_upload(image_bytes("JPEG"), "photo.jpg", LIMITS).mime_type == "image/jpeg"
    tiff = check_upload(image_bytes("TIFF", frames=3), "fax.tif", LIMITS)
    assert (tiff.mime_type, tiff.pages) == ("image/tiff", 3)


def test_type_comes_from_the_bytes_not_the_name() -> None:
    # a PDF named .jpg is a PDF; a Word document named .pdf is refused for what it is
    assert check_upload(pdf_bytes(), "scan.jpg", LIMITS).mime_type == "application/pdf"
    with pytest.raises(ValidationFailed, match=r"'claim\.pdf' is a ZIP archive or an Office document"):
        check_upload(b"PK\x03\x04" + b"\x00" * 200, "claim.pdf", LIMITS)
    with pytest.raises(ValidationFailed, match="a GIF image, not a PDF, PNG, JPEG or TIFF"):
        check_upload(b"GIF89a" + b"\x00" * 50, "x.gif", LIMITS)


def test_too_big_says_size_and_limit() -> None:
    big = pdf_bytes() + b"\n%" + b"x" * (3 * 1024 * 1024)
    with pytest.raises(ValidationFailed, match=r"'big\.pdf' is 3\.\d MB; the limit is 2\.0 MB"):
        check_upload(big, "big.pdf", LIMITS)


def test_empty_file() -> None:
    with pytest.raises(ValidationFailed, match="is empty"):
        check_upload(b"", "nothing.pdf", LIMITS)


def test_corrupt_pdf_is_refused_as_damaged() -> None:
    with pytest.raises(ValidationFailed, match=r"'broken\.pdf' is a damaged PDF"):
        check_upload(b"%PDF-1.7\n" + bytes(range(256)) * 20, "broken.pdf", LIMITS)


def test_too_many_pages() -> None:
    with pytest.raises(ValidationFailed, match="has 7 pages; the limit is 5"):
        check_upload(pdf_bytes(7), "thick.pdf", LIMITS)


def test_pixel_bomb_is_refused_before_decoding() -> None:
    bomb = png_claiming_size(60_000, 60_000)
    assert len(bomb) < 200
    with pytest.raises(ValidationFailed, match=r"3600 megapixels; the limit is 20 megapixels"):
        check_upload(bomb, "bomb.png", LIMITS)


def test_truncated_image_is_refused_as_damaged() -> None:
    jpeg = image_bytes("JPEG", (400, 300))
    with pytest.raises(ValidationFailed, match=r"'cut\.jpg' is a damaged JPEG image"):
        check_upload(jpeg[: len(jpeg) // 2], "cut.jpg", LIMITS)


def test_image_over_our_limit_but_under_pillows_names_its_size() -> None:
    with pytest.raises(ValidationFailed, match=r"6000×5000 pixels \(30 megapixels\); the limit is 20 megapixels"):
        check_upload(png_claiming_size(6000, 5000), "huge.png", LIMITS)

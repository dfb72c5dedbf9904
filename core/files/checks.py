"""Checks an upload by its bytes, not by its name, before anything is stored.

Only PDF, PNG, JPEG and TIFF are accepted (court mail arrives as scans). Limits on size, pages
and pixels keep a decompression bomb (a small file that expands to gigabytes when decoded) from
taking the server down: image dimensions are read from the header and checked before any pixel
is decoded. Every refusal says what is wrong with the file and what to do.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from core.config import get_settings
from core.errors import ValidationFailed
from core.i18n import _

# pdfium is not thread-safe and Streamlit runs each session in a thread: one lock for all calls.
PDFIUM_LOCK = threading.RLock()

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
ACCEPTED = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF"}

# Content signatures of formats people try to upload, so the refusal can name what the file is.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or an Office document (docx, xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (doc, xls)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"<html", "an HTML page"),
    (b"<!DOCTYPE", "an HTML page"),
    (b"\x1f\x8b", "a gzip archive"),
)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pages: int
    max_pixels: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        s = get_settings()
        return cls(s.upload_max_bytes, s.upload_max_pages, s.upload_max_pixels)


@dataclass(frozen=True)
class FileFacts:
    mime_type: str
    pages: int
    width: int | None  # pixels for images, points for a PDF's first page
    height: int | None


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def sniff_type(data: bytes) -> str | None:
    """The MIME type from the magic number, or None when it is not one we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    # PDF readers accept the header anywhere in the first 1024 bytes (ISO 32000-1, annex H).
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def describe_other(data: bytes) -> str:
    head = data[:16]
    for signature, label in _OTHER_SIGNATURES:
        if head.lower().startswith(signature.lower()):
            return label
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"heif"):
        return "a HEIC photo (iPhone)"
    try:
        data[:512].decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "an unknown format"


def check_upload(data: bytes, original_name: str, limits: UploadLimits | None = None) -> FileFacts:
    """Facts about an acceptable file; raises ``ValidationFailed`` naming the problem otherwise."""
    limits = limits or UploadLimits.from_settings()
    name = original_name or "the file"
    if not data:
        raise ValidationFailed(
            _("'{name}' is empty (0 bytes). Choose the file again or scan it again.").format(name=name)
        )
    if len(data) > limits.max_bytes:
        raise ValidationFailed(
            _(
                "'{name}' is {megabytes}; the limit is {megabytes2}. Scan at 300 dpi in black and white or grey, or split the file into parts."
            ).format(name=name, megabytes=_megabytes(len(data)), megabytes2=_megabytes(limits.max_bytes))
        )
    mime = sniff_type(data)
    if mime is None:
        raise ValidationFailed(
            _(
                "'{name}' is {describe_other}, not a PDF, PNG, JPEG or TIFF. Save or scan the document as PDF (or as a PNG/JPEG/TIFF image) and upload that."
            ).format(name=name, describe_other=describe_other(data))
        )
    if mime == PDF:
        return _check_pdf(data, name, limits)
    return _check_image(data, name, mime, limits)


def _check_pdf(data: bytes, name: str, limits: UploadLimits) -> FileFacts:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            text = str(exc).lower()
            if "password" in text:
                raise ValidationFailed(
                    _(
                        "'{name}' is a password-protected PDF. Remove the password (print it to a new PDF) and upload again."
                    ).format(name=name)
                ) from None
            raise ValidationFailed(
                _("'{name}' is a damaged PDF that cannot be opened ({exc}). Scan or export it again.").format(
                    name=name, exc=exc
                )
            ) from None
        try:
            pages = len(doc)
            if pages == 0:
                raise ValidationFailed(_("'{name}' is a PDF without pages. Scan or export it again.").format(name=name))
            if pages > limits.max_pages:
                raise ValidationFailed(
                    _("'{name}' has {pages} pages; the limit is {max_pages}. Split it into smaller files.").format(
                        name=name, pages=pages, max_pages=limits.max_pages
                    )
                )
            try:
                page = doc[0]
                width, height = page.get_size()
                page.close()
            except pdfium.PdfiumError as exc:
                raise ValidationFailed(
                    _(
                        "The first page of '{name}' is damaged and cannot be read ({exc}). Scan or export it again."
                    ).format(name=name, exc=exc)
                ) from None
            _check_page_sizes(doc, name)
        finally:
            doc.close()
    return FileFacts(PDF, pages, round(width), round(height))


# The largest page a PDF may have: 14,400 units (200 inches, 5.08 m) a side, the implementation
# limit of PDF 1.7 (ISO 32000-1, Annex C.2). A court scan is A4 (595 x 842); a bigger claim is a
# file built to make the reader render gigapixels.
MAX_PAGE_POINTS = 14_400


def _check_page_sizes(doc: Any, name: str) -> None:
    """Every page's size, not only the first: a bomb hides its giant page further in."""
    for index in range(len(doc)):
        width, height = doc.get_page_size(index)
        if max(width, height) > MAX_PAGE_POINTS:
            raise ValidationFailed(
                _(
                    "Page {page} of '{name}' claims to be {width} x {height} cm; pages larger than {limit} cm a "
                    "side are refused. Scan or export it again at a normal paper size."
                ).format(
                    page=index + 1,
                    name=name,
                    width=round(width / 72 * 2.54),
                    height=round(height / 72 * 2.54),
                    limit=round(MAX_PAGE_POINTS / 72 * 2.54),
                )
            )


def _check_image(data: bytes, name: str, mime: str, limits: UploadLimits) -> FileFacts:
    from PIL import Image, UnidentifiedImageError

    label = ACCEPTED[mime]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            # Pillow refuses sizes far over its own limit while reading the header
            raise ValidationFailed(_too_many_pixels(name, None, limits, _pixels_in(str(exc)))) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationFailed(
                _(
                    "'{name}' looks like a {label} image but is damaged and cannot be read ({exc}). Scan it again."
                ).format(name=name, label=label, exc=exc)
            ) from None
        with image:
            width, height = image.size
            frames = 0
            try:
                while True:
                    w, h = image.size
                    if w * h > limits.max_pixels:
                        raise ValidationFailed(_too_many_pixels(name, (w, h), limits))
                    frames += 1
                    if frames > limits.max_pages:
                        raise ValidationFailed(
                            _("'{name}' has more than {max_pages} pages; split it into smaller files.").format(
                                name=name, max_pages=limits.max_pages
                            )
                        )
                    if mime != TIFF:
                        break
                    image.seek(frames)
            except EOFError:
                pass
            except ValidationFailed:
                raise
            except (OSError, SyntaxError, ValueError) as exc:
                raise ValidationFailed(
                    _("Page {value} of '{name}' is damaged and cannot be read ({exc}). Scan it again.").format(
                        value=frames + 1, name=name, exc=exc
                    )
                ) from None
            try:
                image.seek(0)
                image.load()  # decode the first page: a truncated or broken file fails here
            except Image.DecompressionBombError:
                raise ValidationFailed(_too_many_pixels(name, (width, height), limits)) from None
            except (OSError, SyntaxError, ValueError) as exc:
                raise ValidationFailed(
                    _("'{name}' is a damaged {label} image ({exc}). Scan it again or save it anew.").format(
                        name=name, label=label, exc=exc
                    )
                ) from None
    return FileFacts(mime, frames, width, height)


def _pixels_in(message: str) -> int | None:
    found = re.search(r"\((\d+) pixels\)", message)
    return int(found.group(1)) if found else None


def _too_many_pixels(name: str, size: tuple[int, int] | None, limits: UploadLimits, pixels: int | None = None) -> str:
    limit_mp = limits.max_pixels / 1_000_000
    if size is None:
        if pixels:
            message = _(
                "'{name}' is an image of {mp:.0f} megapixels; the limit is {limit:.0f} megapixels. "
                "Scan the page at 300 dpi and upload that."
            )
        else:
            message = _(
                "'{name}' is an image of over {limit:.0f} megapixels; the limit is {limit:.0f} megapixels. "
                "Scan the page at 300 dpi and upload that."
            )
        return message.format(name=name, mp=(pixels or 0) / 1_000_000, limit=limit_mp)
    w, h = size
    return _(
        "'{name}' is {w}×{h} pixels ({mp:.0f} megapixels); the limit is {limit:.0f} megapixels. "
        "Scan the page at 300 dpi and upload that."
    ).format(name=name, w=w, h=h, mp=w * h / 1_000_000, limit=limit_mp)

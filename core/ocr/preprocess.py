"""Turning an uploaded scan into clean page images for the OCR engine.

PDF pages are rasterised with pypdfium2 at 300 dpi (the resolution scanners use for court
mail); images are read with Pillow (multi-page TIFF included). Each page is then converted to
grey, its contrast stretched (court mail is often a pale copy on grey recycled paper) and
deskewed (a sheet fed at an angle turns lines of text into staircases the detector splits).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.i18n import _

PDF_DPI = 300
# At most this many pixels a rendered PDF page: A4 at 300 dpi is 8.7 million.
MAX_RENDER_PIXELS = 12_000_000
# The detector's time grows with the area; 2000 px across keeps 10-pt print at ~20 px high.
MAX_WIDTH = 2000
MAX_PAGES = 20
BLANK_INK_SHARE = 0.002


class UnreadableScan(ValueError):
    """The file cannot be turned into page images; the message says why."""


@dataclass(frozen=True)
class PreparedPage:
    image: Image.Image  # grey, deskewed, contrast-normalised
    skew_degrees: float
    blank: bool


def detect_kind(data: bytes) -> str | None:
    """``pdf``, ``png``, ``jpeg``, ``tiff`` by the file's magic bytes (never by its name)."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def load_pages(data: bytes, max_pages: int = MAX_PAGES) -> list[Image.Image]:
    """Page images of a PDF or image file; raises ``UnreadableScan`` for anything else."""
    return list(iter_pages(data, max_pages))


def iter_pages(data: bytes, max_pages: int = MAX_PAGES) -> Iterator[Image.Image]:
    """Page images one at a time (a long PDF never sits in memory as a pile of bitmaps);
    raises ``UnreadableScan`` for a file that is not a readable PDF or image."""
    kind = detect_kind(data)
    if kind is None:
        raise UnreadableScan(_("the file is neither a PDF nor a PNG, JPEG or TIFF image"))
    if kind == "pdf":
        yield from _pdf_pages(data, max_pages)
        return
    try:
        img = Image.open(io.BytesIO(data))
        for index in range(min(getattr(img, "n_frames", 1), max_pages)):
            img.seek(index)
            yield ImageOps.exif_transpose(img.copy()) or img.copy()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnreadableScan(_("the image is damaged and cannot be opened ({exc})").format(exc=exc)) from None


def _pdf_scale(width_pt: float, height_pt: float) -> float:
    """Render at ``PDF_DPI``, but never more than ``MAX_RENDER_PIXELS`` a page: a page's size is
    the PDF's own claim, and a page declared ten metres wide must not become a gigapixel image."""
    scale = PDF_DPI / 72
    area = max(width_pt, 1.0) * max(height_pt, 1.0) * scale * scale
    if area > MAX_RENDER_PIXELS:
        scale *= (MAX_RENDER_PIXELS / area) ** 0.5
    return scale


def _pdf_pages(data: bytes, max_pages: int) -> Iterator[Image.Image]:
    import pypdfium2 as pdfium

    from core.files.checks import PDFIUM_LOCK  # pdfium is not thread-safe (Streamlit runs threads)

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise UnreadableScan(_("the PDF is damaged or password-protected ({exc})").format(exc=exc)) from None
        count = len(pdf)
        pdf.close()
    if count == 0:
        raise UnreadableScan(_("the PDF has no pages"))
    for index in range(min(count, max_pages)):
        # one page at a time, the lock held only while pdfium works
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            try:
                page = pdf[index]
                width, height = page.get_size()
                bitmap = page.render(scale=_pdf_scale(width, height), grayscale=True)
                image = bitmap.to_pil()
                image.load()
            finally:
                pdf.close()
        yield image


def normalise_contrast(gray: Image.Image) -> Image.Image:
    """Stretch the 1st..99th percentile of grey to full black..white."""
    arr = np.asarray(gray, dtype=np.float32)
    lo, hi = np.percentile(arr, (1, 99))
    if hi - lo < 8:  # a flat page: nothing to stretch
        return gray
    out = np.clip((arr - lo) * 255.0 / (hi - lo), 0, 255)
    return Image.fromarray(out.astype(np.uint8), "L")


def _ink_mask(gray: Image.Image) -> np.ndarray:
    """Dark pixels of print, without the solid dark areas around a photographed sheet (the desk
    it lay on): print is thin, so where nearly everything around a pixel is dark, it is not ink."""
    from PIL import ImageFilter

    arr = np.asarray(gray, dtype=np.uint8)
    threshold = min(int(np.median(arr)) - 40, 150)
    dark = arr < max(threshold, 30)
    if not dark.any():
        return dark
    radius = max(3, gray.width // 150)
    density = np.asarray(
        Image.fromarray((dark * 255).astype(np.uint8), "L").filter(ImageFilter.BoxBlur(radius)), dtype=np.uint8
    )
    return dark & (density < 160)


def estimate_skew(gray: Image.Image, limit: float = 6.0, step: float = 0.2) -> float:
    """The angle (degrees, counter-clockwise) that makes the text lines horizontal.

    Projection profile: rotating the ink so that lines are horizontal makes the row sums most
    uneven (rows of text vs blank leading). Searched on a reduced copy, coarse then fine.
    """
    small = gray.copy()
    small.thumbnail((900, 900))
    ink = Image.fromarray((_ink_mask(small) * 255).astype(np.uint8), "L")
    if np.count_nonzero(np.asarray(ink)) < 50:
        return 0.0

    def score(angle: float) -> float:
        rotated = np.asarray(ink.rotate(angle, resample=Image.BILINEAR, fillcolor=0), dtype=np.float32)
        rows = rotated.sum(axis=1)
        return float(np.var(rows))

    coarse = max(np.arange(-limit, limit + 1e-9, 1.0), key=score)
    fine = max(np.arange(coarse - 1.0, coarse + 1.0 + 1e-9, step), key=score)
    return round(float(fine), 2)


def is_blank(gray: Image.Image) -> bool:
    """A page with (almost) no ink: an empty sheet or a scan of nothing."""
    small = gray.copy()
    small.thumbnail((800, 800))
    arr = np.asarray(small, dtype=np.float32)
    lo, hi = np.percentile(arr, (1, 99.5))
    if hi - lo < 40:
        return True
    dark = arr < lo + (hi - lo) * 0.35
    return float(dark.mean()) < BLANK_INK_SHARE


def drop_colour_ink(image: Image.Image) -> Image.Image:
    """Grey of a colour scan with the blue and violet ink of stamps and signatures lightened.

    Courts stamp and sign in blue over the typed text; in plain grey the stamp's ring and
    letters become strokes across the last lines. A pixel where blue clearly outweighs red and
    green is stamp ink: it takes its brightest channel (the paper seen through the ink), while
    black type under the stamp stays dark in every channel and is kept.
    """
    if image.mode not in ("RGB", "RGBA", "CMYK", "YCbCr", "P"):
        return image.convert("L")
    rgb = np.asarray(image.convert("RGB"), dtype=np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    gray = (r * 299 + g * 587 + b * 114) // 1000
    ink = (b - r > 30) & (b - g > 15)
    if not ink.any():
        return Image.fromarray(gray.astype(np.uint8), "L")
    gray = np.where(ink, rgb.max(axis=2), gray)
    return Image.fromarray(gray.astype(np.uint8), "L")


def prepare_page(image: Image.Image, max_width: int = MAX_WIDTH) -> PreparedPage:
    """Grey (stamp ink lightened), contrast-normalised, deskewed, at most ``max_width`` wide."""
    if image.width > max_width:
        ratio = max_width / image.width
        image = image.resize((max_width, round(image.height * ratio)), Image.BILINEAR)
    gray = drop_colour_ink(image)
    if is_blank(gray):
        return PreparedPage(gray, 0.0, True)
    gray = normalise_contrast(gray)
    angle = estimate_skew(gray)
    if abs(angle) >= 0.1:
        gray = gray.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    return PreparedPage(gray, angle, False)


def _runs(on: np.ndarray, bridge: int) -> list[list[int]]:
    """Runs of True in a 1-D mask, joining runs separated by fewer than ``bridge`` False."""
    runs: list[list[int]] = []
    start = None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append([start, i])
            start = None
    if start is not None:
        runs.append([start, len(on)])
    merged: list[list[int]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < bridge:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return merged


def find_text_lines(gray: Image.Image) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) of the text lines of a deskewed single-column page.

    Court acts are typed in one column, so after deskewing the rows of ink separate cleanly:
    a projection profile finds the lines in milliseconds, where the neural text detector needs
    most of a minute per page on a shared CPU. Speckles are removed first (median filter), and a
    line is split where a gap is wider than two line heights (a signature block, a table).
    """
    from PIL import ImageFilter

    arr = np.asarray(gray.filter(ImageFilter.MedianFilter(3)), dtype=np.uint8)
    ink = arr < 110
    height, width = ink.shape
    rows = ink.sum(axis=1)
    boxes: list[tuple[int, int, int, int]] = []
    for top, bottom in _runs(rows > max(3, width * 0.002), 3):
        h = bottom - top
        if h < 8:
            continue
        cols = ink[top:bottom].sum(axis=0) > 0
        for left, right in _runs(cols, max(h * 2, 30)):
            if right - left < h * 0.5:
                continue
            pad = max(4, h // 4)
            boxes.append((max(left - pad, 0), max(top - pad, 0), min(right + pad, width), min(bottom + pad, height)))
    return boxes

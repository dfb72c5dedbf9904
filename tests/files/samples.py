"""Small real files of every accepted type, and broken ones, made in memory."""

from __future__ import annotations

import io
import struct
import zlib

from fpdf import FPDF
from PIL import Image


def pdf_bytes(pages: int = 1, text: str = "Court mail") -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=14)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"{text} page {n + 1}")
    return bytes(pdf.output())


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 80), frames: int = 1) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", size, (255, 255 - 40 * i, 255)) for i in range(frames)]
    if frames > 1:
        images[0].save(out, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(out, format=fmt)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels: a decompression bomb."""
    raw = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(raw[24:29])
    raw[16:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(raw)

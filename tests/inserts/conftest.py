"""Helpers for the insert tests: optional tools, PDF reading, rasters and QR decoding."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1]):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def need(module: str):
    """Import an optional test tool; skip without it, except on CI where it must be there."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is required on CI: {exc}")
        pytest.skip(f"{module} not installed: {exc}")


def pdf_pages(pdf: bytes):
    """Open PDF bytes with pypdfium2 and return the document."""
    pdfium = need("pypdfium2")
    return pdfium.PdfDocument(pdf)


def page_text(pdf: bytes, index: int = 0) -> str:
    """Return the text a reader extracts from a page."""
    doc = pdf_pages(pdf)
    return doc[index].get_textpage().get_text_range()


def raster(pdf: bytes, dpi: float, index: int = 0, grayscale: bool = False):
    """Rasterise one page at dpi, as a printer or phone camera would see it (PIL image)."""
    doc = pdf_pages(pdf)
    return doc[index].render(scale=dpi / 72, grayscale=grayscale).to_pil()


def decode_qr(image) -> list[str]:
    """Return the texts of the QR codes zxing-cpp finds in the image."""
    zxingcpp = need("zxingcpp")
    return [r.text for r in zxingcpp.read_barcodes(image)]


def flat(text: str) -> str:
    """Drop all whitespace, so words wrapped over lines still compare equal."""
    return "".join(text.split())

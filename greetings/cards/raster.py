"""The card's PDF as an image: what a browser station prints, and what previews show.

One renderer draws the card (reportlab, `renderer.render_card`); this module only
rasterises that PDF with PDFium (pypdfium2, the engine Chromium shows PDFs with), so the
image is the card, not a second drawing of it. Knows nothing of Flask or the database.

Why a browser station prints an image and not the PDF: Chromium opens every PDF in a
frame with its PDF viewer, which cost 80-145 ms from the frame's address to its load
event and about 1 s of CPU per card whatever the PDF held; the image, swapped into a
print page kept in one frame, is decoded and printable in ~33 ms (p50), for ~25 ms more
server time (docs/benchmarks.md, "Packing station", issue 9's image section).
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass

from .renderer.layouts import profile as paper_of

# The printers' own resolutions: an office laser prints A6 (and the sheets) at 300 dpi,
# a 4x6 in label printer has 203 dots per inch (8 per mm).
LASER_DPI = 300
THERMAL_DPI = 203
# Colour JPEG at this quality: 9 ms and ~210 KB for an A6 card at 300 dpi, against 54 ms
# (246 KB) for a colour PNG, 52-57 ms for a palette PNG and 89 ms for WebP; its QR code
# still reads (docs/benchmarks.md, issue 9, the format's numbers).
JPEG_QUALITY = 90


@dataclass(frozen=True)
class CardImage:
    """A card's first page as an image file, with the paper size it prints at."""

    data: bytes
    mimetype: str
    paper: str  # the profile's name (a6, thermal4x6, ...)
    width_mm: float
    height_mm: float


@contextmanager
def rendered(pdf: bytes, dpi: float, grey: bool = False):
    """Render the first page of `pdf` at `dpi` with PDFium; yield it as a PIL image.

    Greyscale: mode L; colour: mode RGBX, which JPEG takes as it is. The image shares
    PDFium's bitmap (no copy: 3 ms of an A6 card at 300 dpi), so it is valid only inside
    the `with`; `rasterise` gives a copy that lives on.
    """
    import pypdfium2  # imported on first use: only printing and previews need it

    document = pypdfium2.PdfDocument(pdf)
    try:
        # rev_byteorder: PDFium hands over RGB(X), so PIL need not swap BGR per pixel.
        bitmap = document[0].render(scale=dpi / 72, grayscale=grey, rev_byteorder=True,
                                    prefer_bgrx=not grey)
        yield bitmap.to_pil()
    finally:
        document.close()


def rasterise(pdf: bytes, dpi: float, grey: bool = False):
    """Render the first page of `pdf` at `dpi`; return a PIL image of its own (RGB or L)."""
    with rendered(pdf, dpi, grey) as image:
        return image.convert("L" if grey else "RGB")


def print_image(pdf: bytes, profile: str) -> CardImage:
    """Rasterise a card's PDF for printing on `profile`'s paper, at the printer's resolution.

    Thermal labels: greyscale PNG at 203 dpi (lossless; the label is black only, so no
    colour is lost, and JPEG's ringing would print as specks). Everything else: colour
    JPEG at 300 dpi, which keeps the brand's accent colour and encodes six times faster
    than a colour PNG.
    """
    paper = paper_of(profile)  # as the renderer reads the name: unknown ones are A6
    out = io.BytesIO()
    if paper.thermal:
        with rendered(pdf, THERMAL_DPI, grey=True) as image:
            image.save(out, format="PNG", compress_level=1)
        mimetype = "image/png"
    else:
        with rendered(pdf, LASER_DPI) as image:
            image.save(out, format="JPEG", quality=JPEG_QUALITY)
        mimetype = "image/jpeg"
    return CardImage(out.getvalue(), mimetype, paper.name, paper.width_mm, paper.height_mm)

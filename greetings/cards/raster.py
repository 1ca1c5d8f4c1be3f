"""The card's PDF as an image: what a browser station prints, and what previews show.

One renderer draws the card (reportlab, `renderer.render_card`); this module only
rasterises that PDF with PDFium (pypdfium2, the engine Chromium shows PDFs with), so the
image is the card, not a second drawing of it. Knows nothing of Flask or the database.

Why a browser station prints an image and not the PDF: Chromium opens every PDF in a
frame with its PDF viewer, which cost 80-145 ms from the frame's address to its load
event and about 1 s of CPU per card whatever the PDF held; the image, swapped into a
print page kept in one frame, is decoded and printable in ~33 ms (p50), for ~25 ms more
server time (docs/benchmarks.md, "Packing station", issue 9's image section).

The image travels cut across into strips of at most STRIP_PIXELS each: Chromium decodes
an A6 card at 300 dpi (1241 x 1749 px, one JPEG) in ~28 ms, the same card as nine strips
in ~7 ms, all of them even one after the other (~10 ms) - the cost is in the size of one
image, not in the pixels (docs/benchmarks.md, issue 9, "strips").
"""

from __future__ import annotations

import io
import math
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
# Pixels per strip: Chromium decoded A6 (2.2 million pixels) in 28 ms whole, 11 ms as four
# strips (540,000 px each), 7 ms as eight (270,000), 9 ms as sixteen; so ~262,000.
STRIP_PIXELS = 1 << 18
# A page prints at 96 CSS pixels per inch, and Chromium prints an image at whole CSS
# pixels (it moves and stretches it to them). A strip that starts and ends on one lands
# where it belongs, on the row, with no seam and no jog against the strip above.
CSS_PX_PER_INCH = 96
@dataclass(frozen=True)
class Strip:
    """One horizontal strip of a card's image: an image file of rows top..top+rows-1."""

    data: bytes
    top: int
    rows: int


@dataclass(frozen=True)
class CardImage:
    """A card's first page as image files (strips, top to bottom), with its paper size."""

    strips: tuple[Strip, ...]
    mimetype: str
    paper: str  # the profile's name (a6, thermal4x6, ...)
    width_mm: float
    height_mm: float
    width_px: int
    height_px: int
    dpi: int


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


def strip_bounds(width: int, height: int, dpi: int) -> list[tuple[int, int]]:
    """Cut an image of width x height at `dpi` into strips: return each (top, rows).

    Each strip is as many rows as STRIP_PIXELS allows that are a whole number of CSS
    pixels (at 300 dpi 25 rows are 8 px; at 203 dpi 203 rows are 96 px), so that every
    strip starts where the one above ends on the paper. The rest goes to the last strip.
    """
    period = dpi // math.gcd(dpi, CSS_PX_PER_INCH)
    step = max(1, STRIP_PIXELS // max(width, 1) // period) * period
    tops = list(range(0, height, step))
    if len(tops) > 1 and height - tops[-1] < period:
        tops.pop()  # a sliver of a strip: the last whole one takes it
    return [(top, (tops[index + 1] if index + 1 < len(tops) else height) - top)
            for index, top in enumerate(tops)]


def print_image(pdf: bytes, profile: str) -> CardImage:
    """Rasterise a card's PDF for printing on `profile`'s paper, at the printer's resolution.

    Thermal labels: greyscale PNG at 203 dpi (lossless; the label is black only, so no
    colour is lost, and JPEG's ringing would print as specks). Everything else: colour
    JPEG at 300 dpi, which keeps the brand's accent colour and encodes six times faster
    than a colour PNG. Either way cut into strips (strip_bounds), which the browser
    decodes four times faster than the whole image.
    """
    paper = paper_of(profile)  # as the renderer reads the name: unknown ones are A6
    if paper.thermal:
        dpi, grey, mimetype, options = THERMAL_DPI, True, "image/png", {
            "format": "PNG", "compress_level": 1}
    else:
        dpi, grey, mimetype, options = LASER_DPI, False, "image/jpeg", {
            "format": "JPEG", "quality": JPEG_QUALITY}
    strips = []
    with rendered(pdf, dpi, grey=grey) as image:
        width, height = image.size
        for top, rows in strip_bounds(width, height, dpi):
            out = io.BytesIO()
            image.crop((0, top, width, top + rows)).save(out, **options)
            strips.append(Strip(out.getvalue(), top, rows))
    return CardImage(tuple(strips), mimetype, paper.name, paper.width_mm, paper.height_mm,
                     width, height, dpi)

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

# This module imports nothing of the package at its top: the helper process of
# rasterhelper.py loads this file alone, without the 121 MB that `greetings` imports.

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
    PDFium's bitmap (no copy: 3 ms of an A6 card at 300 dpi); `rasterise` gives a copy
    that lives on.
    """
    with first_page(pdf) as page:
        yield render_rows(page, dpi, grey, 0, page_pixels(page, dpi)[1])


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


def page_pixels(page, dpi: float) -> tuple[int, int]:
    """The size in pixels of a PDFium page rendered at `dpi`, rounded up as pypdfium2 does."""
    scale = dpi / 72
    return math.ceil(page.get_width() * scale), math.ceil(page.get_height() * scale)


@contextmanager
def first_page(pdf: bytes):
    """Open `pdf` with PDFium and yield its first page (closed after the `with`)."""
    import pypdfium2  # imported on first use: only printing and previews need it

    document = pypdfium2.PdfDocument(pdf)
    try:
        yield document[0]
    finally:
        document.close()


def render_rows(page, dpi: float, grey: bool, top: int, rows: int):
    """Render rows top..top+rows-1 of `page` at `dpi`; return them as a PIL image.

    The same drawing as those rows of the whole page rendered (`rendered`, with the
    same options): PDFium draws the page shifted up by `top` into a bitmap only `rows`
    high, so a part of the card costs about its share of the pixels. (It may round an
    anti-aliased edge differently from a row further down: A5, scaled from A6, differs
    on a few pixels by up to 9 levels of 255; A6 and the label not at all.)
    Colour: RGBX; grey: L.
    """
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    width, height = page_pixels(page, dpi)
    kind = pdfium_c.FPDFBitmap_Gray if grey else pdfium_c.FPDFBitmap_BGRx
    bitmap = pypdfium2.PdfBitmap.new_native(width, rows, kind, rev_byteorder=not grey)
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, rows)
    # The flags page.render(grayscale=grey, rev_byteorder=True) passes.
    flags = pdfium_c.FPDF_ANNOT | (
        pdfium_c.FPDF_GRAYSCALE if grey else pdfium_c.FPDF_REVERSE_BYTE_ORDER)
    pdfium_c.FPDF_RenderPageBitmap(bitmap, page, 0, -top, width, height, 0, flags)
    return bitmap.to_pil()  # PIL keeps the bitmap's buffer alive


def _encoding(grey: bool) -> dict:
    if grey:
        return {"format": "PNG", "compress_level": 1}
    return {"format": "JPEG", "quality": JPEG_QUALITY}


def render_strips(pdf: bytes, dpi: int, grey: bool,
                  bounds: list[tuple[int, int]]) -> list[Strip]:
    """Render and encode the strips `bounds` ((top, rows), one after the other) of `pdf`.

    What the helper process of rasterhelper.py runs for a card's lower strips.
    """
    with first_page(pdf) as page:
        return _strips_of(page, dpi, grey, bounds)


def _strips_of(page, dpi, grey, bounds) -> list[Strip]:
    first = bounds[0][0]
    image = render_rows(page, dpi, grey, first, sum(rows for _, rows in bounds))
    options, strips = _encoding(grey), []
    for top, rows in bounds:
        out = io.BytesIO()
        image.crop((0, top - first, image.width, top - first + rows)).save(out, **options)
        strips.append(Strip(out.getvalue(), top, rows))
    return strips


def print_image(pdf: bytes, profile: str, helper=None) -> CardImage:
    """Rasterise a card's PDF for printing on `profile`'s paper, at the printer's resolution.

    Thermal labels: greyscale PNG at 203 dpi (lossless; the label is black only, so no
    colour is lost, and JPEG's ringing would print as specks). Everything else: colour
    JPEG at 300 dpi, which keeps the brand's accent colour and encodes six times faster
    than a colour PNG. Either way cut into strips (strip_bounds), which the browser
    decodes four times faster than the whole image.

    With a `helper` (rasterhelper.Helper) that is ready, the lower strips are rendered
    in its process while this one renders the upper ones: the same strips, A6 in 18
    instead of 26 ms (p50; docs/benchmarks.md, issue 9, "the card's lower half in a
    helper process").
    """
    from .renderer.layouts import profile as paper_of

    paper = paper_of(profile)  # as the renderer reads the name: unknown ones are A6
    dpi, grey = (THERMAL_DPI, True) if paper.thermal else (LASER_DPI, False)
    with first_page(pdf) as page:
        width, height = page_pixels(page, dpi)
        bounds = strip_bounds(width, height, dpi)
        # This process also sends, waits and unpacks: it takes the larger half.
        mine, theirs = bounds[:(len(bounds) + 1) // 2], bounds[(len(bounds) + 1) // 2:]
        lower = helper.start(pdf, dpi, grey, theirs) if helper is not None and theirs else None
        if lower is None:
            mine, theirs = bounds, []
        try:
            strips = _strips_of(page, dpi, grey, mine)
        finally:  # the helper's answer is collected whatever happened here
            done = lower.result() if lower is not None else None
    if theirs:
        strips += ([Strip(*strip) for strip in done] if done is not None
                   else render_strips(pdf, dpi, grey, theirs))
    return CardImage(tuple(strips), "image/png" if grey else "image/jpeg", paper.name,
                     paper.width_mm, paper.height_mm, width, height, dpi)

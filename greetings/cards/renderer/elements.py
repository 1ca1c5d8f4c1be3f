"""One draw function per element of the card: draw_<kind>(page, box, card).

`page` is the pdf.Page being drawn (its methods are the only way to put marks on it);
`box` is the element's layouts.Box; `card` is the prepared content of one card
(render.Card). A draw function that fails is caught by render.draw_card, which drops
what it drew, logs, and leaves the slot empty.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import zlib
from functools import lru_cache

from PIL import Image
from reportlab.lib.units import mm

from . import fonts, pdf, qr
from .fonts import fit_line, fit_lines

log = logging.getLogger(__name__)


def _colour(page, card, box) -> None:
    page.fill_colour(card.profile.palette[box.colour])


def _draw_lines(page, box, card, lines, size) -> None:
    """Draw fitted lines top-down inside the box, aligned as the box says."""
    x, bottom, w, h = box.rect(card.profile.height_mm)
    _colour(page, card, box)
    step = size * box.leading
    # The first baseline sits one ascent below the box top.
    y = bottom + h - size * fonts.ASCENT
    for parts, width in lines:
        if parts:
            dx = {"center": (w - width) / 2, "right": w - width}.get(box.align, 0)
            page.text(x + dx, y, parts, size, slant=box.slant)
        y -= step


def _text(page, box, card, text) -> None:
    size, lines = fit_lines(text, box)
    _draw_lines(page, box, card, lines, size)


def draw_logo(page, box, card) -> None:
    """Draw the brand logo in its box, aligned as the brand is; no logo, no drawing."""
    if card.logo is not None:
        place_image(page, card.logo_png, card.logo, box, card, box.align)


def draw_brand(page, box, card) -> None:
    """Draw the brand name small, in capitals, letter-spaced a little.

    The spacing is character spacing (Tc), not spaces, so a copy reads "NORDLYS", never
    "N O R D L Y S".
    """
    name = fonts.drawable_text(card.brand_name.upper().replace("\n", " "), box.faces)
    parts = fonts.runs(name, box.faces) or []
    unit = fonts.width(parts, 1.0)
    gaps = max(0, len(name) - 1)
    x, bottom, w, h = box.rect(card.profile.height_mm)
    size = min(box.size, w / max(1e-6, unit + box.tracking * gaps))
    total = unit * size + size * box.tracking * gaps
    dx = {"center": (w - total) / 2, "right": w - total}.get(box.align, 0)
    _colour(page, card, box)
    page.text(x + dx, bottom + fonts.DESCENT * size, parts, size,
              char_space=size * box.tracking)


def draw_rule(page, box, card) -> None:
    """Draw a short hairline in the accent colour between the brand and the letter."""
    x, bottom, w, h = box.rect(card.profile.height_mm)
    page.line(x, bottom, x + w, bottom, 0.6, card.profile.palette[box.colour])


def draw_salutation(page, box, card) -> None:
    """Draw "Kære Søren," at the size the layout found, wrapping only if it must."""
    _text(page, box, card, card.salutation)


def draw_greeting(page, box, card) -> None:
    """Draw the greeting text, paragraphs kept, at the size the layout found."""
    _text(page, box, card, card.greeting_text)


def draw_packer_line(page, box, card) -> None:
    """Draw the packer's own line in quotes, in the theme's italic."""
    if card.packer_line:
        _text(page, box, card, card.packer_line)


def draw_signature(page, box, card) -> None:
    """Draw the signature image, or the packer's whole name in one face.

    The script face when it has every letter of the name, else the theme's italic (the
    layout chose the box's faces): a name never switches faces mid-word.
    """
    if card.signature is not None:
        tint = None if card.profile.thermal else card.profile.palette["signature"]
        place_image(page, card.signature_png, card.signature, box, card, "left", tint)
        return
    size, parts, width = fit_line(card.packer_name, box)
    x, bottom, w, h = box.rect(card.profile.height_mm)
    _colour(page, card, box)
    if box.faces[0] == fonts.SCRIPT:
        # Script capitals rise high and descenders hang low: sit the baseline at ~30 %.
        page.text(x + 1 * mm, bottom + h * 0.3, parts, size)
    else:
        page.text(x, bottom + fonts.DESCENT * size, parts, size, slant=box.slant)


def draw_signoff(page, box, card) -> None:
    """Draw "Pakket af Åse" and the date under the signature."""
    _text(page, box, card, card.signoff)


def draw_qr(page, box, card) -> None:
    """Draw the feedback URL as vector modules inside a 4-module quiet zone.

    The layout made the modules whole printer dots on thermal profiles and put them on
    the dot grid, so every bar prints the same width; one rectangle per run of dark
    modules.
    """
    n, runs = card.qr
    x, bottom, w, h = box.rect(card.profile.height_mm)
    cell = w / (n + 2 * qr.QUIET)
    page.fill_runs(x + qr.QUIET * cell, bottom + h - qr.QUIET * cell, cell, runs)


def draw_qr_caption(page, box, card) -> None:
    """Draw "Fortæl Åse, hvad du synes →" beside the code, the arrow in the theme's colour."""
    size, lines = fit_lines(card.caption + " →", box)
    *head, (parts, width) = lines
    arrow = None
    if parts and parts[-1][0].endswith("→"):
        text, font = parts[-1]
        arrow = font
        parts = parts[:-1] + (((text[:-1], font),) if text[:-1] else ())
    _draw_lines(page, box, card, [*head, (parts, width)], size)
    if arrow is not None:
        x, bottom, w, h = box.rect(card.profile.height_mm)
        dx = {"center": (w - width) / 2, "right": w - width}.get(box.align, 0)
        y = bottom + h - size * fonts.ASCENT - len(head) * size * box.leading
        page.fill_colour(card.profile.palette[card.theme.arrow])
        page.text(x + dx + width - fonts.width([("→", arrow)], size), y, [("→", arrow)], size,
                  slant=box.slant)


def draw_qr_url(page, box, card) -> None:
    """Draw the short address under the caption, its last baseline on the code's bottom."""
    _text(page, box, card, box.text or card.feedback_url)


def draw_cut_marks(page, profile) -> None:
    """Draw cut marks on a sheet's quarter lines: at the sheet's edges and crossing the middle.

    Office printers leave the outer 4-5 mm blank, so the marks at the edges run from 5 to
    8 mm in; the cross in the middle stays 3 mm clear of each card's margin.
    """
    w, h = profile.width_mm, profile.height_mm
    cx, cy = w / 2, h / 2
    marks = [(cx, 5, cx, 8), (cx, h - 8, cx, h - 5), (5, cy, 8, cy), (w - 8, cy, w - 5, cy),
             (cx - 3, cy, cx + 3, cy), (cx, cy - 3, cx, cy + 3)]
    for x1, y1, x2, y2 in marks:
        page.line(x1 * mm, (h - y1) * mm, x2 * mm, (h - y2) * mm, 0.4, (0.0, 0.0, 0.0))


# --- images, embedded once per document ---------------------------------------------


MAX_IMAGE_PX = (1080, 360)  # 2x of ~300 dpi in the A6 logo box; more adds only bytes
PRINT_DPI = 300             # laser: more pixels than this per printed inch add only bytes


@lru_cache(maxsize=256)
def encode_image(png: bytes, tint: tuple | None = None, height: int | None = None) -> pdf.Image:
    """Decode and compress an image once per process (logos and signatures repeat).

    tint: draw the image's alpha in this RGB colour (signatures); height: resample to
    this many pixels high (the printed height at PRINT_DPI), when that is smaller.
    """
    key = hashlib.blake2b(png + repr((tint, height)).encode(), digest_size=8).hexdigest()
    im = Image.open(io.BytesIO(png))
    im.load()
    rgba = im.convert("RGBA")
    factor = max(1, -(-rgba.width // MAX_IMAGE_PX[0]), -(-rgba.height // MAX_IMAGE_PX[1]))
    if height and height < rgba.height / factor:
        size = (max(1, round(rgba.width * height / rgba.height)), height)
        # Colours by nearest neighbour (a logo's flat colours stay flat and compress ~5x
        # better), edges by the box-filtered alpha (smooth).
        alpha = rgba.getchannel("A").resize(size, Image.Resampling.BOX)
        rgba = rgba.convert("RGB").resize(size, Image.Resampling.NEAREST)
        rgba.putalpha(alpha)
    elif factor > 1:
        rgba = rgba.reduce(factor)  # a box filter: no ringing, so flat colours stay flat
    # Edges need only a few steps of transparency at ~300 dpi; 4 compress 3x better than 256.
    alpha = rgba.getchannel("A").point(lambda v: (v * 3 + 127) // 255 * 85)
    if tint is not None:
        rgb = Image.new("RGB", rgba.size, tuple(int(c * 255) for c in tint))
    else:
        rgb = rgba.convert("RGB")
    smask = None if alpha.getextrema() == (255, 255) else zlib.compress(alpha.tobytes(), 9)
    return pdf.Image(key, rgba.width, rgba.height, "DeviceRGB",
                     zlib.compress(rgb.tobytes(), 9), smask)


@lru_cache(maxsize=256)
def encode_dots(png: bytes, width: int, height: int) -> pdf.Image:
    """The image as a 1-bit stencil of exactly width x height printer dots, thresholded.

    For thermal heads: resampled once to the dots it prints on (so no edge combs and no
    thin stroke falls between dots), laid on white, and cut at half grey. Line art
    (signatures, logos) is thresholded, never dithered: a dither turns a flat colour
    into a checkerboard on a 203 dpi head.
    """
    key = hashlib.blake2b(png + b"dots%d,%d" % (width, height), digest_size=8).hexdigest()
    im = Image.open(io.BytesIO(png))
    im.load()
    rgba = im.convert("RGBA")
    flat = Image.new("L", rgba.size, 255)
    flat.paste(rgba.convert("L"), mask=rgba.getchannel("A"))
    flat = flat.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    bits = flat.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
    return pdf.Image(key, width, height, "", zlib.compress(bits.tobytes(), 9), stencil=True)


def place_image(page, png: bytes | None, image: pdf.Image, box, card, align: str,
                tint: tuple | None = None) -> None:
    """Draw the image as large as fits the box, keeping its proportions.

    On laser profiles an image with many more pixels than PRINT_DPI needs at its printed
    size is resampled (a 10 mm logo needs 118 px, not 145: a third fewer bytes). On
    thermal profiles it is drawn on whole printer dots: its size rounded to dots, its
    corner on a dot, its pixels resampled to exactly those dots (encode_dots).
    """
    x, bottom, w, h = box.rect(card.profile.height_mm)
    scale = min(w / image.width, h / image.height)
    iw, ih = image.width * scale, image.height * scale
    x += {"center": (w - iw) / 2, "right": w - iw}.get(align, 0)
    y = bottom + (h - ih) / 2
    dot = card.profile.dot_mm
    if dot and png:
        pt = dot * mm
        dots_w, dots_h = max(1, round(iw / pt)), max(1, round(ih / pt))
        image = encode_dots(png, dots_w, dots_h)
        x, y = round(x / pt) * pt, round(y / pt) * pt
        iw, ih = dots_w * pt, dots_h * pt
    elif png:
        needed = math.ceil(ih / 72 * PRINT_DPI)
        if image.height > needed * 1.1:
            image = encode_image(png, tint, needed)
    page.image(image, x, y, iw, ih)

"""One draw function per element of the card: draw_<kind>(page, box, card).

`page` is the pdf.Page being drawn (its methods are the only way to put marks on it);
`box` is the element's layouts.Box; `card` is the prepared content of one card
(render.Card). A draw function that fails is caught by render.draw_page, which drops
what it drew, logs, and leaves the slot empty.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from dataclasses import replace
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
    # The first baseline sits one ascent (~0.8 em for DejaVu) below the box top.
    y = bottom + h - size * 0.95
    for parts, width in lines:
        if parts:
            dx = {"center": (w - width) / 2, "right": w - width}.get(box.align, 0)
            page.text(x + dx, y, parts, size)
        y -= step


def _text(page, box, card, text, font_chain=(fonts.TEXT, fonts.CJK)) -> None:
    size, lines = fit_lines(text, box, font_chain)
    _draw_lines(page, box, card, lines, size)


def draw_logo(page, box, card) -> None:
    """Draw the brand logo centred in its box; no logo, no drawing."""
    if card.logo is not None:
        place_image(page, card.logo, box, card.profile.height_mm, box.align)


def draw_brand(page, box, card) -> None:
    """Draw the brand name in letter-spaced capitals; larger, in ink, when there is no logo."""
    if card.logo is None:
        box = replace(box, size=box.size * 2.2, y=box.y - 12, h=box.h + 12, colour="ink")
    name = fonts.drawable_text(card.brand_name.upper().replace("\n", " "))
    parts = fonts.runs(name) or []
    unit = fonts.width(parts, 1.0)
    track = 0.28  # of the font size, between letters: small capitals want air
    x, bottom, w, h = box.rect(card.profile.height_mm)
    size = min(box.size, w / max(1e-6, unit + track * max(0, len(name) - 1)),
               h / (fonts.ASCENT + fonts.DESCENT))
    total = unit * size + size * track * max(0, len(name) - 1)
    _colour(page, card, box)
    page.text(x + (w - total) / 2, bottom + fonts.DESCENT * size, parts, size,
                char_space=size * track)


def draw_rule(page, box, card) -> None:
    """Draw a short hairline that separates the brand from the letter."""
    x, bottom, w, h = box.rect(card.profile.height_mm)
    page.line(x, bottom, x + w, bottom, max(h, 0.35), card.profile.palette[box.colour])


def draw_salutation(page, box, card) -> None:
    """Draw "Dear Søren," shrunk to fit, wrapping onto a second line only if it must."""
    _text(page, box, card, card.salutation)


def draw_greeting(page, box, card) -> None:
    """Draw the greeting text, paragraphs kept, shrunk until it fits its box."""
    _text(page, box, card, card.greeting_text)


def draw_packer_line(page, box, card) -> None:
    """Draw the packer's own line in quotes, if they wrote one."""
    if card.packer_line:
        _text(page, box, card, card.packer_line)


def draw_signature(page, box, card) -> None:
    """Draw the signature image, or the packer's name in the handwriting face."""
    if card.signature is not None:
        place_image(page, card.signature, box, card.profile.height_mm, "left")
        return
    name = card.packer_name
    if not name:
        return
    size, parts, width = fit_line(name, box, (fonts.SCRIPT, fonts.TEXT, fonts.CJK))
    x, bottom, w, h = box.rect(card.profile.height_mm)
    _colour(page, card, box)
    # Script capitals rise high and descenders hang low: sit the baseline at ~30 %.
    page.text(x + 1 * mm, bottom + h * 0.3, parts, size)


def draw_signoff(page, box, card) -> None:
    """Draw "Packed by Åse" and the date under the signature."""
    _text(page, box, card, card.signoff)


def draw_qr(page, box, card) -> None:
    """Draw the feedback URL as vector modules with a 4-module quiet zone.

    Modules are whole printer dots on thermal profiles, so every bar prints the same
    width and the code still scans at 203 dpi; one rectangle per run of dark modules.
    """
    n, runs = card.qr
    x, bottom, w, h = box.rect(card.profile.height_mm)
    total = n + 2 * qr.QUIET
    cell = min(w, h) / total
    dot = card.profile.qr_dot_mm
    if dot:
        dot_pt = dot * mm
        cell = max(1, int(cell / dot_pt)) * dot_pt
        # Snap the origin to the dot grid too, so module edges fall between dots.
        x = round((x + w - total * cell) / dot_pt) * dot_pt
        bottom = round(bottom / dot_pt) * dot_pt
    else:
        x = x + w - total * cell
    # In module units every coordinate is a small integer: one rectangle per dark run.
    page.fill_runs(x + qr.QUIET * cell, bottom + (qr.QUIET + n) * cell, cell, runs)


def draw_qr_caption(page, box, card) -> None:
    """Draw "Tell Åse how we did" beside the code."""
    _text(page, box, card, card.caption)


def draw_qr_url(page, box, card) -> None:
    """Draw the URL under the code for those who cannot scan."""
    size, parts, width = fit_line(card.feedback_url, box, (fonts.TEXT,))
    _draw_lines(page, box, card, [(parts, width)], size)


# --- images, embedded once per document ---------------------------------------------


MAX_IMAGE_PX = (1080, 360)  # 2x of ~300 dpi in the A6 logo box; more adds only bytes


@lru_cache(maxsize=256)
def encode_image(png: bytes, tint: tuple | None = None, stencil: bool = False) -> pdf.Image:
    """Decode and compress an image once per process (logos and signatures repeat).

    tint: draw the image's alpha in this RGB colour (signatures); stencil: a 1-bit mask
    painted black (thermal: black on white only, and the smallest stream there is).
    """
    key = hashlib.blake2b(png + repr((tint, stencil)).encode(), digest_size=8).hexdigest()
    im = Image.open(io.BytesIO(png))
    im.load()
    if stencil:
        flat = Image.new("L", im.size, 255)
        flat.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
        data = zlib.compress(flat.convert("1").tobytes(), 9)
        return pdf.Image(key, im.width, im.height, "", data, stencil=True)
    rgba = im.convert("RGBA")
    factor = max(1, -(-rgba.width // MAX_IMAGE_PX[0]), -(-rgba.height // MAX_IMAGE_PX[1]))
    if factor > 1:
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


def place_image(page, image: pdf.Image, box, page_h_mm: float, align: str) -> None:
    """Draw the image as large as fits the box, keeping its proportions."""
    x, bottom, w, h = box.rect(page_h_mm)
    scale = min(w / image.width, h / image.height)
    iw, ih = image.width * scale, image.height * scale
    x += {"center": (w - iw) / 2, "right": w - iw}.get(align, 0)
    page.image(image, x, bottom + (h - ih) / 2, iw, ih)

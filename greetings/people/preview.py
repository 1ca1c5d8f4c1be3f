"""How a packer's card prints: the real card, rendered and rasterised for a screen.

The card is built by `greetings.cards.service.build_card` from a sample order that is
never stored, so the preview shows the brand, greeting text and the packer's line
exactly as a real card would, with the signature being previewed in place of the
stored one. The PDF is rasterised with PDFium (pypdfium2): the preview is the very PDF
a printer gets, not an imitation of it.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pypdfium2
from PIL import Image

from ..cards.renderer import render_card
from ..cards.service import build_card
from ..models import Card, Order, OrderItem, Packer, Shipment, utcnow
from ..text import card_language

# What a screen shows of each paper: A6 at a comfortable size, thermal at the printer's
# own 203 dots per inch, thresholded as the print head does (black or nothing).
PROFILES = {"a6": 110, "thermal4x6": 203}
SAMPLE_FIRST_NAMES = {"da": "Søren", "de": "Jonas", "en": "Emma", "nb": "Ingrid", "sv": "Astrid"}
SAMPLE_TOKEN = "PREVIEWPREVIEWPREVIEWPREVI"  # noqa: S105 (a sample, 26 characters as real ones)


def sample_card(packer: Packer, language: str) -> Card:
    """Return an unsaved card of a sample order packed by this packer."""
    language = card_language(language)
    order = Order(number="1042", first_name=SAMPLE_FIRST_NAMES[language], language=language,
                  items=[OrderItem(position=1, name="Sample", quantity=3)])
    shipment = Shipment(order=order, packed_at=utcnow())
    return Card(shipment=shipment, packer=packer, token=SAMPLE_TOKEN, created_at=utcnow(),
                print_count=0)


def card_pdf_preview(packer: Packer, language: str, profile: str,
                     signature: tuple[bytes | None, bytes | None] | None = None) -> bytes:
    """Render the packer's card on a sample order; `signature` replaces the stored one."""
    card = build_card(sample_card(packer, language), profile)
    if signature is not None:
        card = replace(card, signature_png=signature[0], signature_1bit=signature[1])
    return render_card(card)


def pdf_to_png(pdf: bytes, dpi: int, bilevel: bool = False) -> bytes:
    """Rasterise the first page of a PDF to PNG bytes (1-bit when `bilevel`)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72, grayscale=bilevel).to_pil()
    finally:
        document.close()
    if bilevel:
        image = image.convert("L").point(lambda value: 255 if value >= 128 else 0)\
            .convert("1", dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    # Fast zlib: optimize=True took ~6x as long here for a file only ~5% smaller
    # (bench/signature_preview.py), and a preview is shown once, not stored.
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def card_preview_png(packer: Packer, language: str, profile: str,
                     signature: tuple[bytes | None, bytes | None] | None = None) -> bytes:
    """Return a PNG of the packer's card on one paper (a key of PROFILES)."""
    return pdf_to_png(card_pdf_preview(packer, language, profile, signature), PROFILES[profile],
                      bilevel=profile.startswith("thermal"))


def card_previews(packer: Packer, language: str,
                  signature: tuple[bytes | None, bytes | None] | None = None) -> dict[str, bytes]:
    """Return PNG previews of the packer's card on A6 and on 203-dpi thermal paper."""
    return {profile: card_preview_png(packer, language, profile, signature)
            for profile in PROFILES}

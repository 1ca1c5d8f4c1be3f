"""The greeting card as PDF: a pure renderer (plain values in, PDF bytes out).

It knows nothing of Flask, the database or the configuration, and keeps no words of
its own: the app (greetings.cards.service) fills a CardData, words included, and the
renderer draws it. tests/cards/test_fence.py holds it to that.

Public API:
- CardData, CardWords: what one card shows (frozen dataclasses of plain values).
- render_card(data, start=1) -> bytes: one card as a one-page PDF.
- render_wave(items, start=1) -> bytes: many cards in one PDF, one page each (a4 and
  letter: four cards a sheet, with cut marks, from cell `start`), fonts and images
  embedded once.
- PROFILES: the page profiles by name (a6, a5, a4, letter, thermal4x6).
- THEMES: the designed layouts by name (warm, minimal); CardData.theme picks one and
  CardData.accent gives it the brand's colour.
- drawable_name(name) -> str | None: the name as the card would print it, or None when
  the card's fonts cannot draw it (the card then uses the neutral salutation).
- preload_fonts() -> bool: load every face now (an app server's start), the CJK one too.
- qr_version(url) -> int: the QR version a URL gives (its size on the card).
- prepare_signature(raw) -> (png, 1-bit png), SignatureRejected: clean a signature upload.
- admit_image(raw), ImageRejected (SignatureRejected is one), prepare_logo: uploads are
  checked for size, pixels and type before they are decoded.
- THEMES, DEFAULT_THEME: the card's designs by name (the brand's choice, CardData.theme).

Inside: pdf.py (the small PDF writer, the only place that writes PDF syntax), qr.py
(QR symbols as `qrcode` makes them, faster), elements.py (one draw function per element),
layouts.py (themes and profiles as data), flow.py (arranges one card's elements),
fonts.py, images.py, masks.py, signatures.py, render.py.
"""

from .fonts import drawable_name, preload_fonts
from .images import ImageRejected, admit_image, prepare_logo
from .layouts import DEFAULT_THEME, PROFILES, THEMES
from .qr import qr_version
from .render import CardData, CardWords, render_card, render_wave
from .signatures import SignatureRejected, prepare_signature

__all__ = ["CardData", "CardWords", "render_card", "render_wave", "prepare_signature",
           "SignatureRejected", "qr_version", "drawable_name", "preload_fonts", "PROFILES",
           "admit_image", "ImageRejected", "prepare_logo", "THEMES", "DEFAULT_THEME"]

"""The greeting insert: a pure PDF renderer (no Flask, no database).

Public API: CardData, render_card, render_wave, prepare_signature,
SignatureRejected, qr_version, drawable_name, PROFILES; for uploads: admit_image,
ImageRejected (SignatureRejected is one), prepare_logo; the brand's choices: THEMES,
DEFAULT_THEME.
"""

from .fonts import drawable_name
from .images import ImageRejected, admit_image, prepare_logo
from .layouts import DEFAULT_THEME, PROFILES, THEMES
from .qr import qr_version
from .render import CardData, render_card, render_wave
from .signatures import SignatureRejected, prepare_signature

__all__ = ["CardData", "render_card", "render_wave", "prepare_signature",
           "SignatureRejected", "qr_version", "drawable_name", "PROFILES",
           "admit_image", "ImageRejected", "prepare_logo", "THEMES", "DEFAULT_THEME"]

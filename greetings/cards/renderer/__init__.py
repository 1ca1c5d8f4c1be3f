"""The greeting insert: a pure PDF renderer (no Flask, no database).

Public API: CardData, render_card, render_wave, prepare_signature,
SignatureRejected, qr_version, drawable_name, PROFILES; for uploads: admit_image,
ImageRejected (SignatureRejected is one), prepare_logo.
"""

from .fonts import drawable_name
from .images import ImageRejected, admit_image, prepare_logo
from .layouts import PROFILES
from .qr import qr_version
from .render import CardData, render_card, render_wave
from .signatures import SignatureRejected, prepare_signature

__all__ = ["CardData", "render_card", "render_wave", "prepare_signature",
           "SignatureRejected", "qr_version", "drawable_name", "PROFILES",
           "admit_image", "ImageRejected", "prepare_logo"]

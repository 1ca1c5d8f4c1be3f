"""A sample card as the console shows it: the real renderer, rasterised to PNG.

The Greetings and Brand pages preview a card for a made-up order, with the brand in
force (or the one being edited) and the greeting text being edited, so a manager sees
exactly what the printer will get. The PDF is rasterised with pypdfium2 (PDFium, the
engine Chromium shows PDFs with).
"""

from __future__ import annotations

import io
from datetime import date

from .brand import Brand, brand_logo, current_brand
from .greeting_texts import default_template, render_greeting
from .raster import rasterise
from .renderer import CardData, drawable_name, render_card
from .service import card_words
from .tokens import qr_url

# The sample order of a preview, per card language: a name and a packer of that language.
SAMPLE_NAMES = {"da": ("Søren", "Åse"), "en": ("Emily", "Sam"), "de": ("Jürgen", "Jörg"),
                "sv": ("Åsa", "Björn"), "nb": ("Øystein", "Kari")}
SAMPLE_ORDER = "1042"
SAMPLE_ITEMS = 3
PREVIEW_DPI = 110   # an A6 card is 455 x 643 px: sharp beside the editor, ~100 KB


def sample_values(language: str, brand: Brand) -> dict:
    """Return the template variables of the preview's made-up order."""
    first_name, packer = SAMPLE_NAMES.get(language, SAMPLE_NAMES["en"])
    return {"first_name": first_name, "packer": packer, "brand": brand.name,
            "order_number": SAMPLE_ORDER, "item_count": SAMPLE_ITEMS}


def sample_card(language: str, template: str | None = None, brand: Brand | None = None,
                logo: bytes | None = None, profile: str = "a6") -> CardData:
    """Build the card of the made-up order; `template` None: the language's default text.

    Raises what render_greeting raises for a template that fails (the page says why).
    """
    brand = brand or current_brand()
    values = sample_values(language, brand)
    text = render_greeting(template if template is not None else default_template(language),
                           values)
    return CardData(
        brand_name=brand.name, logo=logo if logo is not None else brand_logo(brand),
        theme=brand.theme, feedback_url=qr_url("PREVIEWPREVIEWPREVIEWPREVIEW"),
        packer_display_name=values["packer"], greeting_text=text,
        words=card_words(language), date=date.today(), language=language,
        first_name=drawable_name(values["first_name"]), profile=profile)


def card_png(card: CardData, dpi: int = PREVIEW_DPI) -> bytes:
    """Render the card with the real renderer and return its first page as PNG."""
    out = io.BytesIO()
    rasterise(render_card(card), dpi).save(out, format="PNG", optimize=False)
    return out.getvalue()


"""Render greeting cards to PDF bytes: one card, or a wave of cards in one document.

Pure: plain values in, bytes out. No Flask, no database, no configuration lookups.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date

from ...text import card_language, clean_line
from . import elements, fonts, layouts, pdf, qr

log = logging.getLogger(__name__)

SALUTATION = {"en": ("Dear {name},", "Dear customer,"), "da": ("Kære {name},", "Kære kunde,"),
              "de": ("Hallo {name},", "Hallo,"), "sv": ("Hej {name},", "Hej,"),
              "nb": ("Kjære {name},", "Kjære kunde,")}
CAPTION = {"en": "Tell {packer} how we did", "da": "Fortæl {packer}, hvad du synes",
           "de": "Sag {packer}, wie es dir gefällt", "sv": "Berätta för {packer} vad du tycker",
           "nb": "Fortell {packer} hva du synes"}
PACKED_BY = {"en": "Packed by {packer}", "da": "Pakket af {packer}", "de": "Gepackt von {packer}",
             "sv": "Packad av {packer}", "nb": "Pakket av {packer}"}
QUOTES = {"en": "“{}”", "da": "»{}«", "de": "„{}“", "sv": "”{}”", "nb": "«{}»"}
SIGNATURE_INK = layouts.PALETTE["signature"]


@dataclass(frozen=True)
class CardData:
    """Everything one insert shows, as plain values (the renderer reads nothing else)."""

    brand_name: str
    feedback_url: str
    packer_display_name: str
    greeting_text: str                 # already rendered from the language's template
    date: datetime.date
    language: str = "en"               # "da", "da-DK", "nb_NO"...; unknown ones print in English
    first_name: str | None = None      # None or undrawable: the neutral salutation
    logo: bytes | None = None          # PNG (or any Pillow-readable image)
    packer_line: str | None = None     # the packer's own line, printed in quotes
    signature_png: bytes | None = None     # from signatures.prepare_signature; None: script name
    signature_1bit: bytes | None = None    # its 1-bit variant, used on thermal profiles
    profile: str = "a6"                # a6 | a5 | a4 | letter | thermal4x6
    theme: str = layouts.DEFAULT_THEME  # a name of layouts.THEMES (the brand's choice)
    salutation: str | None = None      # override with {name}, e.g. "Hi {name},"
    neutral_salutation: str | None = None  # override for a name we cannot (or need not) print
    qr_caption: str | None = None      # override with {packer}


@dataclass(frozen=True)
class Card:
    """One insert's content, resolved for drawing: what each draw_<element> reads."""

    profile: layouts.Profile
    brand_name: str
    logo: elements.EncodedImage | None
    salutation: str
    greeting_text: str
    packer_line: str | None
    packer_name: str
    signature: elements.EncodedImage | None
    signoff: str
    qr: tuple[int, tuple[int, ...]]
    caption: str
    feedback_url: str


def format_day(day: datetime.date, locale: str | None) -> str:
    """Format the date long-form in the customer's locale, e.g. "14. marts 2026"."""
    try:
        loc = Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        loc = Locale.parse(card_language(locale))
    return format_date(day, format="long", locale=loc)


def _salutation(data: CardData, lang: str) -> str:
    named, neutral = SALUTATION[lang]
    name = fonts.drawable_name(data.first_name)
    if name is None:
        if data.first_name:
            # Privacy: say that it happened, never whose name it was.
            log.info("insert: first name not drawable with our fonts; neutral salutation (%s)",
                     lang)
        return data.neutral_salutation or neutral
    return (data.salutation or named).replace("{name}", name)


def _image(png: bytes | None, what: str, **kwargs) -> elements.EncodedImage | None:
    if not png:
        return None
    try:
        return elements.encode_image(png, **kwargs)
    except Exception as exc:  # a broken image leaves its slot empty, never the page
        log.warning("insert: %s image unreadable (%s); slot left empty", what, type(exc).__name__)
        return None


def prepare(data: CardData) -> Card:
    """Resolve an CardData into a Card: texts localised, names checked, images encoded."""
    fonts.register_fonts()
    profile = layouts.profile(data.profile)
    lang = card_language(data.language)
    packer = fonts.strip_decoration(clean_line(data.packer_display_name))
    thermal = profile.thermal
    if thermal:
        signature = _image(data.signature_1bit or data.signature_png, "signature", stencil=True)
    else:
        signature = _image(data.signature_png, "signature", tint=SIGNATURE_INK)
    line = clean_line(data.packer_line)
    return Card(
        profile=profile,
        brand_name=clean_line(data.brand_name),
        logo=_image(data.logo, "logo", stencil=thermal),
        salutation=_salutation(data, lang),
        greeting_text=data.greeting_text.strip(),
        packer_line=QUOTES[lang].format(line) if line else None,
        packer_name=packer,
        signature=signature,
        signoff=PACKED_BY[lang].format(packer=packer) + "\n" + format_day(data.date,
                                                                           data.language),
        qr=qr.qr_matrix(data.feedback_url),
        caption=(data.qr_caption or CAPTION[lang]).replace("{packer}", packer) + " →",
        feedback_url=data.feedback_url,
    )


def draw_page(page: pdf.Page, card: Card) -> None:
    """Draw every element of the card's profile; a failing element leaves its slot empty."""
    for box in card.profile.boxes:
        mark, depth = len(page.code), page.depth
        try:
            getattr(elements, f"draw_{box.kind}")(page, box, card)
        except Exception as exc:
            # Only the type: messages can quote names, and names are personal data.
            log.error("insert element %s failed (%s); slot left empty", box.kind,
                      type(exc).__name__)
            del page.code[mark:]   # its q operators go with it, so the state stays balanced
            page.depth = depth


def render_wave(items: list[CardData]) -> bytes:
    """Render many cards into ONE PDF, one page each, in the given order.

    Fonts, the logo and each distinct signature are embedded once per document and
    referenced from every page that shows them.
    """
    items = list(items)
    if not items:
        raise ValueError("render_wave needs at least one insert")
    doc = pdf.Document("Greeting cards")
    for data in items:
        card = prepare(data)
        page = pdf.Page(doc, *card.profile.pagesize)
        draw_page(page, card)
        doc.add(page)
    return doc.finish()


def render_card(data: CardData) -> bytes:
    """Render one insert as a one-page PDF."""
    return render_wave([data])

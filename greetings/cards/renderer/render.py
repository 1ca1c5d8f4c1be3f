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

SIGNATURE_INK = layouts.PALETTE["signature"]


@dataclass(frozen=True)
class CardWords:
    """The words a card prints around its data, already in the card's language.

    The renderer keeps no words of its own: the app takes these from its gettext
    catalogs (greetings.cards.service.card_words), where a translator finds them.
    Placeholders are python-format as in the catalogs; the renderer fills them only
    after checking that the name can be drawn.
    """

    salutation: str            # "Dear %(name)s,"
    neutral_salutation: str    # "Dear customer,": no first name, or one the fonts can't draw
    caption: str               # "Tell %(packer)s how we did", beside the QR code
    signoff: str               # "Packed by %(packer)s", under the signature
    quote: str                 # "“%(line)s”": the packer's own line in the language's quotes


@dataclass(frozen=True)
class CardData:
    """Everything one card shows, as plain values (the renderer reads nothing else)."""

    brand_name: str
    feedback_url: str
    packer_display_name: str
    greeting_text: str                 # already rendered from the language's template
    date: datetime.date
    words: CardWords                   # the card's own words, in the card's language
    language: str = "en"               # for the date: "da", "da-DK", "nb_NO"... (else English)
    first_name: str | None = None      # None or undrawable: the neutral salutation
    logo: bytes | None = None          # PNG (or any Pillow-readable image)
    packer_line: str | None = None     # the packer's own line, printed in quotes
    signature_png: bytes | None = None     # from signatures.prepare_signature; None: script name
    signature_1bit: bytes | None = None    # its 1-bit variant, used on thermal profiles
    profile: str = "a6"                # a6 | a5 | a4 | letter | thermal4x6
    theme: str = layouts.DEFAULT_THEME  # a name of layouts.THEMES (the brand's choice)


@dataclass(frozen=True)
class Card:
    """One insert's content, resolved for drawing: what each draw_<element> reads."""

    profile: layouts.Profile
    brand_name: str
    logo: pdf.Image | None
    salutation: str
    greeting_text: str
    packer_line: str | None
    packer_name: str
    signature: pdf.Image | None
    signoff: str
    qr: tuple[int, list[tuple[int, int, int]]]   # size, dark runs (qr.qr_runs)
    caption: str
    feedback_url: str


def format_day(day: datetime.date, locale: str | None) -> str:
    """Format the date long-form in the customer's locale, e.g. "14. marts 2026"."""
    try:
        loc = Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        loc = Locale.parse(card_language(locale))
    return format_date(day, format="long", locale=loc)


def _fill(text: str, key: str, value: str) -> str:
    """Put value into text's %(key)s placeholder; "%%" reads as "%", nothing else is parsed.

    Unlike `text % values`, a translation with a stray "%" can never raise here.
    """
    if "%%" not in text:
        return text.replace(f"%({key})s", value)
    return value.join(part.replace("%%", "%") for part in text.split(f"%({key})s"))


def _salutation(data: CardData) -> str:
    name = fonts.drawable_name(data.first_name)
    if name is None:
        if data.first_name:
            # Privacy: say that it happened, never whose name it was.
            log.info("card: first name not drawable with our fonts; neutral salutation")
        return data.words.neutral_salutation
    return _fill(data.words.salutation, "name", name)


def _image(png: bytes | None, what: str, **kwargs) -> pdf.Image | None:
    if not png:
        return None
    try:
        return elements.encode_image(png, **kwargs)
    except Exception as exc:  # a broken image leaves its slot empty, never the page
        log.warning("insert: %s image unreadable (%s); slot left empty", what, type(exc).__name__)
        return None


def prepare(data: CardData) -> Card:
    """Resolve CardData into a Card: names checked and put into the words, images encoded."""
    fonts.register_fonts()
    profile = layouts.profile(data.profile)
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
        salutation=_salutation(data),
        greeting_text=data.greeting_text.strip(),
        packer_line=_fill(data.words.quote, "line", line) if line else None,
        packer_name=packer,
        signature=signature,
        signoff=_fill(data.words.signoff, "packer", packer) + "\n" + format_day(data.date,
                                                                                data.language),
        qr=qr.qr_runs(data.feedback_url),
        caption=_fill(data.words.caption, "packer", packer) + " →",
        feedback_url=data.feedback_url,
    )


def draw_page(page: pdf.Page, card: Card) -> None:
    """Draw every element of the card's profile; a failing element leaves its slot empty."""
    for box in card.profile.boxes:
        mark = page.checkpoint()
        try:
            getattr(elements, f"draw_{box.kind}")(page, box, card)
        except Exception as exc:
            page.rollback(mark)   # what the failing element drew goes with it
            # Only the type: messages can quote names, and names are personal data.
            log.error("card element %s failed (%s); slot left empty", box.kind,
                      type(exc).__name__)


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

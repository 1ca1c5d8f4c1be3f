"""Render greeting cards to PDF bytes: one card, or a wave of cards in one document.

Pure: plain values in, bytes out. No Flask, no database, no configuration lookups.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date

from ...text import card_language, clean_line
from . import elements, flow, fonts, layouts, pdf, qr

log = logging.getLogger(__name__)

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
    neutral_caption: str       # "Tell us how we did": a packer name the fonts can't draw
    neutral_signoff: str       # "Packed with care": the same, under the signature


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
    theme: str = layouts.DEFAULT_THEME  # a name in THEMES, the brand's choice (unknown: warm)
    accent: str | None = None          # the brand's colour "#rrggbb" (thermal prints black)
    printed_url: str | None = None     # the short address printed under the QR (else the URL)


@dataclass(frozen=True)
class Card:
    """One insert's content, resolved for drawing: what each draw_<element> reads."""

    profile: layouts.Profile
    theme: layouts.Theme
    brand_name: str
    logo: pdf.Image | None
    logo_png: bytes | None        # the source, re-sampled to printer dots on thermal
    salutation: str
    greeting_text: str
    packer_line: str | None
    packer_name: str              # "" when the fonts cannot draw it (neutral wording)
    signature: pdf.Image | None
    signature_png: bytes | None
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


_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def _accent(value: str | None) -> tuple[float, float, float] | None:
    """The accent "#rrggbb" as RGB 0..1; anything else: None (the theme's own)."""
    found = _HEX.fullmatch((value or "").strip())
    if not found:
        return None
    raw = bytes.fromhex(found.group(1))
    return (raw[0] / 255, raw[1] / 255, raw[2] / 255)


def _packer(data: CardData) -> str:
    name = fonts.drawable_name(data.packer_display_name)
    if name is None:
        if data.packer_display_name:
            log.info("card: packer name not drawable with our fonts; neutral wording")
        return ""
    return name


def prepare(data: CardData) -> Card:
    """Resolve CardData into a Card: names checked and put into the words, images encoded."""
    fonts.register_fonts()
    profile = layouts.profile(data.profile).with_accent(_accent(data.accent))
    packer = _packer(data)
    words = data.words
    thermal = profile.thermal
    if thermal:
        signature_png = data.signature_png or data.signature_1bit
        signature = _image(signature_png, "signature")
    else:
        signature_png = data.signature_png
        signature = _image(signature_png, "signature", tint=profile.palette["signature"])
    line = clean_line(data.packer_line)
    signoff = _fill(words.signoff, "packer", packer) if packer else words.neutral_signoff
    logo = _image(data.logo, "logo")
    return Card(
        profile=profile,
        theme=layouts.theme(data.theme),
        brand_name=clean_line(data.brand_name),
        logo=logo, logo_png=data.logo if logo else None,
        salutation=_salutation(data),
        greeting_text=data.greeting_text.strip(),
        packer_line=_fill(words.quote, "line", line) if line else None,
        packer_name=packer,
        signature=signature, signature_png=signature_png if signature else None,
        signoff=signoff + "\n" + format_day(data.date, data.language),
        qr=qr.qr_runs(data.feedback_url),
        caption=_fill(words.caption, "packer", packer) if packer else words.neutral_caption,
        feedback_url=clean_line(data.printed_url) or data.feedback_url,
    )


def draw_card(page: pdf.Page, card: Card, cell) -> None:
    """Draw every element of the card in its cell; a failing element leaves its slot empty."""
    for box in flow.arrange(card, card.profile, cell):
        mark = page.checkpoint()
        try:
            getattr(elements, f"draw_{box.kind}")(page, box, card)
        except Exception as exc:
            page.rollback(mark)   # what the failing element drew goes with it
            # Only the type: messages can quote names, and names are personal data.
            log.error("card element %s failed (%s); slot left empty", box.kind,
                      type(exc).__name__)


def render_wave(items: list[CardData], start: int = 1) -> bytes:
    """Render many cards into ONE PDF, in the given order.

    Single-card profiles give one page per card; sheet profiles (a4, letter) fill each
    sheet's four cells in reading order, the first sheet from cell `start` (1-4: the
    rest of a half-used sheet), and leave unused cells blank. A change of profile
    starts a new page. Fonts, the logo and each distinct signature are embedded once
    per document and referenced from every page that shows them.
    """
    items = list(items)
    if not items:
        raise ValueError("render_wave needs at least one insert")
    doc = pdf.Document("Greeting cards")
    page, slot, first, current = None, 0, True, None
    for data in items:
        card = prepare(data)
        cells = card.profile.cells
        if page is None or slot >= len(cells) or current != card.profile.name:
            if page is not None:
                doc.add(page)
            page, current = pdf.Page(doc, *card.profile.pagesize), card.profile.name
            slot = min(max(start, 1), len(cells)) - 1 if first else 0
            first = False
            if card.profile.cut_marks:
                elements.draw_cut_marks(page, card.profile)
        draw_card(page, card, cells[slot])
        slot += 1
    doc.add(page)
    return doc.finish()


def render_card(data: CardData, start: int = 1) -> bytes:
    """Render one insert as a one-page PDF (on a sheet profile, in cell `start`)."""
    return render_wave([data], start)

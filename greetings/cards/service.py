"""From a card in the database to the plain data the card renderer draws.

`build_card` is the one place that reads the database and configuration for a card,
and `card_words` the one place that takes the card's words from the gettext catalogs;
`greetings.cards.renderer` itself knows nothing of either and keeps no words.
"""

from datetime import date

import flask_babel
from flask import current_app

from ..models import Card
from ..text import card_language
from .brand import brand_logo, current_brand
from .greeting_texts import greeting_for_card
from .raster import CardImage, print_image
from .rasterhelper import helper_for_this_process
from .renderer import CardData, CardWords, drawable_name, render_card, render_wave
from .tokens import printed_address, qr_url


def words_from(pgettext) -> CardWords:
    """Build the card's words with a pgettext(context, message) function.

    The one list of what a card says around its data, as catalog entries in the context
    "card" (so a translator sees they are printed, and they never merge with a web
    page's text). Placeholders stay unfilled: the renderer puts names in after checking
    that its fonts can draw them.
    """
    return CardWords(
        salutation=pgettext("card", "Dear %(name)s,"),
        neutral_salutation=pgettext("card", "Dear customer,"),
        caption=pgettext("card", "Tell %(packer)s how we did"),
        signoff=pgettext("card", "Packed by %(packer)s"),
        quote=pgettext("card", "“%(line)s”"),
        neutral_caption=pgettext("card", "Tell us how we did"),
        neutral_signoff=pgettext("card", "Packed with care"),
    )


def card_words(language: str) -> CardWords:
    """Return the card's words in the card's language (da, de, en, nb, sv) via Flask-Babel.

    Kept per app and language: Flask-Babel reads the catalogs once per app as well, so
    they cannot change meanwhile, and a wave then pays the look-ups once, not per card.
    """
    language = card_language(language)
    cache = current_app.extensions.setdefault("greetings.card_words", {})
    words = cache.get(language)
    if words is None:
        with flask_babel.force_locale(language):
            words = cache[language] = words_from(flask_babel.pgettext)
    return words


def build_card(card: Card, profile: str | None = None) -> CardData:
    """Gather everything one card shows from the card, its order and the packer named on it."""
    config, brand = current_app.config, current_brand()
    order, packer = card.shipment.order, card.packer
    language = card_language(order.language)
    # A name the card's fonts cannot draw must not reach the text either (the default
    # texts then say "I packed…" rather than "I'm  and I packed…").
    values = dict(first_name=drawable_name(order.first_name) or "",
                  packer=drawable_name(packer.display_name) or "",
                  brand=brand.name, order_number=order.number,
                  item_count=order.item_count)
    text = greeting_for_card(language, values)
    signature, signature_1bit = packer.usable_signature()
    return CardData(
        brand_name=brand.name, logo=brand_logo(brand), theme=brand.theme,
        feedback_url=qr_url(card.token),
        packer_display_name=packer.display_name, greeting_text=text,
        words=card_words(language),
        date=card.created_at.date() if card.created_at else date.today(),
        language=order.language, first_name=order.first_name,
        packer_line=packer.line_for(language),
        signature_png=signature, signature_1bit=signature_1bit,
        profile=profile or config["INSERT_PROFILE"],
        accent=brand.accent,
        printed_url=printed_address(card.token),
    )


def card_pdf(card: Card, profile: str | None = None, start: int = 1) -> bytes:
    """Render one card (on a sheet profile, in cell `start`, 1-4)."""
    return render_card(build_card(card, profile), start)


def card_image(card: Card, profile: str | None = None) -> CardImage:
    """Render one card and rasterise it as its printer prints it (a browser station's card)."""
    data = build_card(card, profile)
    helper = helper_for_this_process() if current_app.config["CARD_RASTER_HELPER"] else None
    return print_image(render_card(data), data.profile, helper)


def wave_pdf(cards: list[Card], profile: str | None = None, start: int = 1) -> bytes:
    """Render many cards into one PDF, in the given order (sheets from cell `start`)."""
    return render_wave([build_card(card, profile) for card in cards], start)

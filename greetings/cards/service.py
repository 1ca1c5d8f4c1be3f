"""From a shipment in the database to the plain data the insert renderer draws.

`build_card` is the one place that reads the database and configuration for a card;
`greetings.cards.renderer` itself knows nothing of either.
"""

from datetime import date

from flask import current_app

from ..models import Shipment
from ..text import card_language
from .brand import brand_logo, current_brand
from .greeting_texts import greeting_for_card
from .renderer import CardData, drawable_name, render_card, render_wave
from .tokens import qr_url


def build_card(shipment: Shipment, profile: str | None = None) -> CardData:
    """Gather everything one card shows from the shipment, its order and its packer."""
    config, brand = current_app.config, current_brand()
    order, packer = shipment.order, shipment.packer
    language = card_language(order.language)
    # A name the card's fonts cannot draw must not reach the text either.
    values = dict(first_name=drawable_name(order.first_name) or "", packer=packer.display_name,
                  brand=brand.name, order_number=order.number,
                  item_count=order.item_count)
    text = greeting_for_card(language, values)
    signature, signature_1bit = packer.usable_signature()
    return CardData(
        brand_name=brand.name, logo=brand_logo(brand), theme=brand.theme,
        feedback_url=qr_url(shipment.feedback_token),
        packer_display_name=packer.display_name, greeting_text=text,
        date=shipment.packed_at.date() if shipment.packed_at else date.today(),
        language=order.language, first_name=order.first_name, packer_line=packer.own_line,
        signature_png=signature, signature_1bit=signature_1bit,
        profile=profile or config["INSERT_PROFILE"],
    )


def card_pdf(shipment: Shipment, profile: str | None = None) -> bytes:
    """Render one shipment's card."""
    return render_card(build_card(shipment, profile))


def wave_pdf(shipments: list[Shipment], profile: str | None = None) -> bytes:
    """Render many shipments' cards into one PDF, in the given order."""
    return render_wave([build_card(shipment, profile) for shipment in shipments])

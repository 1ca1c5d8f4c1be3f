"""Shopify and WooCommerce order payloads, mapped onto the internal `OrderIn`."""

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StrictStr

from ..models import OrderStatus
from ..text import clean_line, language_tag
from .payloads import (
    MAX_ITEMS,
    Identifier,
    ItemIn,
    Name,
    OrderIn,
    PayloadUnusable,
    Text,
    Timestamp,
    _Payload,
    none_if_blank,
)

# Optional text where a shop sends "" for "unknown".
Blankable = Annotated[Text | None, BeforeValidator(none_if_blank)]
ItemName = Annotated[StrictStr, AfterValidator(lambda text: clean_line(text)[:500] or "?")]
Quantity = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
VERSION_REQUIRED = "required: it is the order's version, and only the signed body can say it"


class Person(_Payload):
    first_name: Name | None = None
    last_name: Name | None = None
    country_code: Blankable = None
    country: Blankable = None


class ShopifyLine(_Payload):
    sku: Blankable = None
    name: ItemName | None = None
    title: ItemName | None = None
    quantity: Quantity = 1


class ShopifyOrder(_Payload):
    id: StrictInt
    order_number: StrictInt | None = None
    name: Blankable = None
    customer_locale: Blankable = None
    customer: Person | None = None
    billing_address: Person | None = None
    shipping_address: Person | None = None
    line_items: Annotated[list[ShopifyLine], Field(max_length=MAX_ITEMS)] = []
    cancelled_at: Timestamp | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None

    def to_order(self) -> OrderIn:
        """Map onto the internal order: its state and version come from the body alone.

        Only the body is signed, so `X-Shopify-Topic` and `X-Shopify-Triggered-At` vouch for
        nothing: cancelled means `cancelled_at` is set, and the version is `updated_at`
        (`created_at` for a body that was never updated). Raises PayloadUnusable without
        either.
        """
        version = self.updated_at or self.created_at
        if version is None:
            raise PayloadUnusable("updated_at", VERSION_REQUIRED)
        # Apps without protected-customer-data access get no names: neutral salutation.
        person = _first_named(self.customer, self.billing_address, self.shipping_address)
        cancelled = self.cancelled_at is not None
        number = self.order_number if self.order_number is not None else self.id
        country = self.shipping_address.country_code if self.shipping_address else None
        return OrderIn(
            external_id=str(self.id),
            number=str(number),
            status=OrderStatus.CANCELLED if cancelled else OrderStatus.OPEN,
            first_name=person.first_name if person else None,
            last_name=person.last_name if person else None,
            language=language_tag(self.customer_locale),
            shipping_country=_country(country),
            placed_at=self.created_at,
            version=version,
            items=[
                ItemIn(sku=(line.sku or None), name=line.name or line.title or "?",
                       quantity=line.quantity)
                for line in self.line_items
            ],
        )


class WooLine(_Payload):
    sku: Blankable = None
    name: ItemName = "?"
    quantity: Quantity = 1


class WooMeta(_Payload):
    key: StrictStr
    value: Any = None


# Order meta keys that multilingual plugins use to record the buyer's language.
WOO_LANGUAGE_KEYS = ("greeting_language", "wpml_language", "_wpml_language", "pll_language")
WOO_CANCELLED = {"cancelled", "refunded", "failed", "trash"}


class WooOrder(_Payload):
    id: StrictInt
    number: Identifier | None = None
    status: Blankable = None
    billing: Person | None = None
    shipping: Person | None = None
    line_items: Annotated[list[WooLine], Field(max_length=MAX_ITEMS)] = []
    meta_data: Annotated[list[WooMeta], Field(max_length=5000)] = []
    date_created_gmt: Annotated[Timestamp | None, BeforeValidator(none_if_blank)] = None
    date_modified_gmt: Annotated[Timestamp | None, BeforeValidator(none_if_blank)] = None

    def language(self) -> str | None:
        """Return the buyer's language if a plugin recorded it."""
        for meta in self.meta_data:
            if meta.key in WOO_LANGUAGE_KEYS and isinstance(meta.value, str):
                return language_tag(meta.value)
        return None

    def to_order(self, default_language: str) -> OrderIn:
        """Map onto the internal order; WooCommerce sends no locale of its own.

        The version is `date_modified_gmt` (`date_created_gmt` for a body without it), the
        state is `status`: both signed. Raises PayloadUnusable without either date.
        """
        version = self.date_modified_gmt or self.date_created_gmt
        if version is None:
            raise PayloadUnusable("date_modified_gmt", VERSION_REQUIRED)
        person = _first_named(self.billing, self.shipping)
        country = (self.shipping and self.shipping.country) or (
            self.billing and self.billing.country)
        cancelled = (self.status or "").lower() in WOO_CANCELLED
        return OrderIn(
            external_id=str(self.id),
            number=self.number or str(self.id),
            status=OrderStatus.CANCELLED if cancelled else OrderStatus.OPEN,
            first_name=person.first_name if person else None,
            last_name=person.last_name if person else None,
            language=self.language() or default_language,
            shipping_country=_country(country),
            placed_at=self.date_created_gmt,
            version=version,
            items=[ItemIn(sku=line.sku, name=line.name, quantity=line.quantity)
                   for line in self.line_items],
        )


class WooDeleted(_Payload):
    """WooCommerce's `order.deleted` carries only the id: no version, no state."""

    id: StrictInt


def _first_named(*people):
    return next((p for p in people if p is not None and (p.first_name or p.last_name)), None)


def _country(code):
    return code.upper() if code and len(code) == 2 and code.isalpha() else None

"""Order payloads of every sender, validated with pydantic into one `OrderIn`."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
)

from ..models import OrderStatus
from ..text import clean_line, is_printable_code, language_tag

MAX_ITEMS = 1000


class PayloadUnusable(ValueError):
    """A signed payload that parsed but cannot be applied as sent; `errors` says why.

    Raised where a body lacks what only it can vouch for (the order's version), or where
    an unsigned header contradicts it (a deletion topic on a whole order).
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.errors = [{"field": field, "message": message}]


def clean_identifier(value: str | int) -> str:
    """Turn an id into text; refuse empty ids and control characters."""
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    if not is_printable_code(text):
        raise ValueError("must not contain control characters")
    return text


def to_utc(value: datetime) -> datetime:
    """Return a datetime as naive UTC; a naive input is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as error:
        raise ValueError("date is out of range") from error


def none_if_blank(value):
    """Treat empty strings as absent: shops send "" for unknown fields."""
    return None if value == "" else value


Text = Annotated[StrictStr, AfterValidator(clean_line)]
# Over-long names are cut, not refused: a shop's order must not be parked for a long name.
Name = Annotated[StrictStr, BeforeValidator(none_if_blank), AfterValidator(clean_line),
                 AfterValidator(lambda text: text[:200] or None)]
Identifier = Annotated[StrictStr | StrictInt, AfterValidator(clean_identifier)]
Timestamp = Annotated[datetime, AfterValidator(to_utc)]


class ItemIn(BaseModel):
    """One line of an order, as every adapter hands it on."""

    # Cut rather than refused: the card never prints them, the station only shows them.
    sku: Annotated[str | None, AfterValidator(lambda text: text[:128] if text else None)] = None
    name: Annotated[str, AfterValidator(lambda text: text[:500])]
    quantity: int = Field(ge=0, le=1_000_000)


class OrderIn(BaseModel):
    """The one internal order every payload becomes."""

    external_id: str = Field(max_length=128)
    number: str = Field(max_length=128)
    status: OrderStatus = OrderStatus.OPEN
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    shipping_country: str | None = None
    placed_at: datetime | None = None
    version: datetime | None = None
    items: list[ItemIn] = []


class _Payload(BaseModel):
    # Senders add fields over time; unknown ones are ignored, not refused.
    model_config = ConfigDict(extra="ignore")


# --- our own format: tests/fixtures/erp/generic_order.json ----------------------------

class GenericCustomer(_Payload):
    first_name: Name | None = None
    last_name: Name | None = None
    email: Annotated[Text, Field(max_length=320)] | None = None
    locale: Annotated[Text, Field(max_length=35)] | None = None


class GenericItem(_Payload):
    sku: Annotated[Text, Field(max_length=128)] | None = None
    name: Annotated[Text, Field(min_length=1, max_length=500)]
    quantity: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = 1


class GenericOrder(_Payload):
    order_id: Annotated[Identifier, Field(max_length=128)]
    number: Annotated[Identifier, Field(max_length=128)] | None = None
    customer: GenericCustomer | None = None
    items: Annotated[list[GenericItem], Field(max_length=MAX_ITEMS)] = []
    shipping_country: Annotated[Text, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    placed_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    status: Literal["open", "cancelled"] = "open"

    def to_order(self) -> OrderIn:
        """Map onto the internal order."""
        customer = self.customer or GenericCustomer()
        return OrderIn(
            external_id=self.order_id,
            number=self.number or self.order_id,
            status=OrderStatus(self.status),
            first_name=customer.first_name or None,
            last_name=customer.last_name or None,
            language=language_tag(customer.locale),
            shipping_country=self.shipping_country.upper() if self.shipping_country else None,
            placed_at=self.placed_at,
            version=self.updated_at,
            items=[ItemIn(sku=i.sku, name=i.name, quantity=i.quantity) for i in self.items],
        )

"""Order intake: the senders of orders, their orders, and every delivery they made."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow


class IntegrationKind(enum.StrEnum):
    """How a sender signs its deliveries and shapes its orders (see intake/kinds.py)."""

    STANDARD = "standard"
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class Integration(Base):
    """A sender of orders (an ERP or a shop), addressed by the slug in its webhook URL."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[IntegrationKind] = mapped_column(enum_column(IntegrationKind, 16))
    # Used when a payload carries no language of its own (WooCommerce).
    default_language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    secrets: Mapped[list[IntegrationSecret]] = relationship(
        back_populates="integration", cascade="all, delete-orphan", order_by="IntegrationSecret.id"
    )


class IntegrationSecret(Base):
    """One signing secret; several live at once while a sender rotates its secret.

    HMAC needs the secret itself, so it cannot be hashed like a password: it lives in the
    database, never in the repository, and is never logged or shown again after `add`.
    """

    __tablename__ = "integration_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    secret: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    integration: Mapped[Integration] = relationship(back_populates="secrets")

    __table_args__ = (UniqueConstraint("integration_id", "secret"),)


class OrderStatus(enum.StrEnum):
    """Where the sender says the order stands; only an open order may be packed."""

    OPEN = "open"
    CANCELLED = "cancelled"
    DELETED = "deleted"


class Order(Base):
    """An order as its sender last described it; one row per sender's order id."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    # What the packing slip's barcode carries.
    number: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, 16),
                                                default=OrderStatus.OPEN)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    shipping_country: Mapped[str | None] = mapped_column(String(2))
    placed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The sender's version of the order: an update older than this one is ignored.
    version: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set once `purge` has removed the customer's personal data.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.position"
    )

    __table_args__ = (UniqueConstraint("integration_id", "external_id"),)

    @property
    def item_count(self) -> int:
        """Return how many pieces the parcel holds."""
        return sum(item.quantity for item in self.items)


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="items")


class DeliveryOutcome(enum.StrEnum):
    """What became of a webhook delivery, as its log line and its answer name it."""

    # Applied, or answered without applying anything.
    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicate"  # this very delivery was applied before
    STALE = "stale"  # older than the stored version of the order
    IGNORED = "ignored"  # a topic that is not about orders, or the deletion of an unknown one
    PING = "ping"  # the sender's connection test
    PARKED = "parked"  # signed, but the payload failed validation: kept for a person
    SPOOLED = "spooled"  # taken while the database was away; applied once it is back
    # Refused.
    UNKNOWN_INTEGRATION = "unknown_integration"
    BAD_SIGNATURE = "bad_signature"
    UNREADABLE = "unreadable"
    TOO_LARGE = "too_large"
    NOT_JSON = "not_json"
    INVALID = "invalid"
    REFUSED = "refused"


class Delivery(Base):
    """One webhook request and what became of it, so an integrator can see why."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null when the slug named no integration.
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set only for deliveries that were applied: a second one with the same key is a repeat.
    dedup_key: Mapped[str | None] = mapped_column(String(300))
    topic: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[DeliveryOutcome] = mapped_column(enum_column(DeliveryOutcome, 32))
    detail: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list | None] = mapped_column(JSON)
    body_bytes: Mapped[int] = mapped_column(Integer, default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # Kept only for parked payloads, so that a person can see what was sent; `purge`
    # drops it with the order data.
    parked_body: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("integration_id", "dedup_key"),
        Index("ix_deliveries_integration_received", "integration_id", "received_at"),
    )


class RefusalTally(Base):
    """Requests refused as 401 or 404 on one day: counted, with the last few as a sample.

    Anyone can send those, so they get no row each in `deliveries` (which a stranger could
    otherwise fill): one count per slug and outcome and day. Slugs that name no
    integration share one count under the slug "", and the sample says which they were.
    """

    __tablename__ = "refusal_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[DeliveryOutcome] = mapped_column(enum_column(DeliveryOutcome, 32))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The newest refusals, newest last: {"at", "status", "slug", "detail", "bytes", "topic"}.
    samples: Mapped[list] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("slug", "outcome", "day"),)

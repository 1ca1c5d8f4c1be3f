"""The database models: typed SQLAlchemy 2 classes, one place for all of them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so Alembic migrations name the same thing on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IntegrationKind(enum.StrEnum):
    STANDARD = "standard"
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class Integration(Base):
    """A sender of orders (an ERP or a shop), addressed by the slug in its webhook URL."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
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
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.OPEN)
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
    outcome: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list | None] = mapped_column(JSON)
    body_bytes: Mapped[int] = mapped_column(Integer, default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # Kept only for parked payloads, so they can be looked at and replayed; purged with
    # the order data.
    parked_body: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("integration_id", "dedup_key"),
        Index("ix_deliveries_integration_received", "integration_id", "received_at"),
    )


class ApiToken(Base):
    """A Bearer token for the API. Only its SHA-256 is stored.

    The token is 256 random bits, so a fast hash is enough: there is nothing to guess
    that a slow password hash would protect.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class Packer(Base):
    """A person who packs parcels; the customer sees only the display name they chose."""

    __tablename__ = "packers"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(60))
    # SHA-256 of the badge code: the station looks the packer up by it.
    badge_hash: Mapped[str] = mapped_column(String(64), unique=True)
    own_line: Mapped[str | None] = mapped_column(String(200))
    # Loaded only when a card or the feedback page draws them, not with every packer.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    signature_1bit: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Signatures go on cards only while this is set; revoking keeps old cards as they are.
    signature_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Werkzeug's salted hash of the station PIN; None: badge sign-in only.
    pin_hash: Mapped[str | None] = mapped_column(String(256))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def usable_signature(self) -> tuple[bytes | None, bytes | None]:
        """Return the signature images a new card may carry (none without consent)."""
        if not self.signature_consent:
            return None, None
        return self.signature_png, self.signature_1bit


class Shipment(Base):
    """An order packed by a packer: one per order, so a second scan is a reprint."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id"), index=True)
    station: Mapped[str | None] = mapped_column(String(100))
    packed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The QR's secret: 130 random bits in upper-case base32 (see feedback_token()).
    feedback_token: Mapped[str] = mapped_column(String(32), unique=True)
    print_count: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship()
    packer: Mapped[Packer] = relationship()


class GreetingText(Base):
    """A manager's own greeting template for one language, replacing the default."""

    __tablename__ = "greeting_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16), unique=True)
    template: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    """A manager or admin who signs in to the staff pages with e-mail and password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # admin | manager
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class Station(Base):
    """A packing computer a manager set up: where it is and how it prints."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    site: Mapped[str | None] = mapped_column(String(100))
    profile: Mapped[str] = mapped_column(String(16), default="a6")
    print_mode: Mapped[str] = mapped_column(String(16), default="browser")  # browser | cups
    cups_queue: Mapped[str | None] = mapped_column(String(100))
    idle_minutes: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Feedback(Base):
    """What the customer said about one shipment (one per shipment; a second post updates)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # A manager hid the comment from the packer's wall; the reason is kept.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    shipment: Mapped[Shipment] = relationship()

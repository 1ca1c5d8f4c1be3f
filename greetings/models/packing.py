"""Packing: the sites and their stations, the shipments they record, and greeting texts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .cards import Card

if TYPE_CHECKING:
    from .intake import Integration, Order
    from .people import Packer


class PrintMode(enum.StrEnum):
    """How a station prints its cards."""

    BROWSER = "browser"  # the station's browser fetches the PDF and prints it
    CUPS = "cups"  # the server sends the PDF to the station's CUPS queue


class Site(Base):
    """A place where stations stand (a warehouse); its days and weeks are in its time zone."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # An IANA name (Europe/Copenhagen): what "today" and "this week" mean at the site.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# The shops (integrations) a station packs for: a scanned number is looked up among their
# orders only, and one that two of them share is asked about.
station_integrations = Table(
    "station_integrations", Base.metadata,
    Column("station_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
    Column("integration_id", ForeignKey("integrations.id", ondelete="CASCADE"),
           primary_key=True),
)


class Station(Base):
    """A packing computer a manager set up: where it is, how it prints, whom it packs for.

    The browser set up as the station holds a secret of it in a long-lived cookie; only the
    secret's hash is stored, so rotating it (or retiring the station) cuts off every copy.
    """

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    profile: Mapped[str] = mapped_column(String(16), default="a6")
    print_mode: Mapped[PrintMode] = mapped_column(enum_column(PrintMode, 16),
                                                  default=PrintMode.BROWSER)
    cups_queue: Mapped[str | None] = mapped_column(String(100))
    idle_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # SHA-256 of the station's secret (256 random bits: a fast hash is enough).
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    site: Mapped[Site | None] = relationship()
    integrations: Mapped[list[Integration]] = relationship(
        secondary=station_integrations, order_by="Integration.slug")

    @property
    def active(self) -> bool:
        """Tell whether the station may still be used (not retired)."""
        return self.retired_at is None

    @property
    def time_zone(self) -> str:
        """Return the IANA time zone of the station's site (UTC without a site)."""
        return self.site.time_zone if self.site is not None else "UTC"


class Shipment(Base):
    """An order packed by a packer: one per order, so a second scan is a reprint.

    It keeps the station (by id) and the site it was packed at, so renaming or retiring a
    station never rewrites history. Its cards are every card printed for it; the newest
    is the one a reprint prints.
    """

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    # The packer of the newest card.
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    packed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    order: Mapped[Order] = relationship()
    packer: Mapped[Packer] = relationship()
    station: Mapped[Station | None] = relationship()
    site: Mapped[Site | None] = relationship()
    cards: Mapped[list[Card]] = relationship(back_populates="shipment", order_by=Card.id)

    __table_args__ = (
        Index("ix_shipments_station_packed", "station_id", "packed_at"),
        Index("ix_shipments_site_packed", "site_id", "packed_at"),
    )

    @property
    def card(self) -> Card | None:
        """Return the newest card, the one a reprint prints (None before the first)."""
        return self.cards[-1] if self.cards else None


class GreetingText(Base):
    """A manager's own greeting template for one language, replacing the default."""

    __tablename__ = "greeting_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16), unique=True)
    template: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

"""Packing: the stations, the shipments they record, and the greeting texts cards carry."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from .intake import Order
    from .people import Packer


class PrintMode(enum.StrEnum):
    """How a station prints its cards."""

    BROWSER = "browser"  # the station's browser fetches the PDF and prints it
    CUPS = "cups"  # the server sends the PDF to the station's CUPS queue


class Station(Base):
    """A packing computer a manager set up: where it is and how it prints."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    site: Mapped[str | None] = mapped_column(String(100))
    profile: Mapped[str] = mapped_column(String(16), default="a6")
    print_mode: Mapped[PrintMode] = mapped_column(enum_column(PrintMode, 16),
                                                  default=PrintMode.BROWSER)
    cups_queue: Mapped[str | None] = mapped_column(String(100))
    idle_minutes: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Shipment(Base):
    """An order packed by a packer: one per order, so a second scan is a reprint."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id"), index=True)
    station: Mapped[str | None] = mapped_column(String(100))
    packed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The QR's secret, made and read only by greetings.cards.tokens.
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

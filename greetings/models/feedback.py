"""What customers said about their parcels."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .cards import Card
    from .packing import Shipment


class Feedback(Base):
    """What the customer said through one card (one per card; a second post updates).

    It is credited to the packer named on the card; a shipment counts as answered when
    any of its cards is.
    """

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # A manager hid the comment from the packer's wall; the reason is kept.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # On the manager's worklist (a low rating or a worrying word): set on every write by
    # greetings.insight.attention, which owns the rule.
    attention: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Copied from the card when the answer is written (greetings.feedback.service.credit),
    # so a packer's or a site's answers are an index range of feedback, without joining
    # cards and shipments. Feedback is per card: the packer named on it, and the site of
    # the station that made it (a repack later moves the shipment, not the card).
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))

    card: Mapped[Card] = relationship()

    @property
    def shipment(self) -> Shipment:
        """Return the shipment the card went into."""
        return self.card.shipment

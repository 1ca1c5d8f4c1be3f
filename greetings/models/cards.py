"""Cards: every card a station or the API printed, each with its own feedback token."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .packing import Shipment, Station
    from .people import Packer


class Card(Base):
    """One printed card: the token of its QR code, and the packer whose name it carries.

    A shipment's first pack makes its first card; a repack makes a new one and leaves the
    old one alive, so the code on a card that is already in a parcel keeps working and
    keeps crediting the packer named on it. Reprints print the same card again.
    """

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    # The packer named on the card (the one feedback on this card is credited to).
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id"))
    # Where it was made; None for cards made through the API without a station.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    # The QR's secret, made and read only by greetings.cards.tokens.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    # An admin voided it (it went into the wrong parcel): its page greets no one by name
    # and takes no answer.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    shipment: Mapped[Shipment] = relationship(back_populates="cards")
    packer: Mapped[Packer] = relationship()
    station: Mapped[Station | None] = relationship()

    __table_args__ = (
        # A packer's cards by time (their page, the dashboard), and a station's.
        Index("ix_cards_packer_created", "packer_id", "created_at"),
        Index("ix_cards_station_created", "station_id", "created_at"),
    )

    @property
    def voided(self) -> bool:
        """Tell whether an admin took the card out of use."""
        return self.voided_at is not None

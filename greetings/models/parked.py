"""Parked deliveries applied again from the console, and what became of each attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ParkedApplication(Base):
    """An admin's "apply again" of a parked payload: who, when, and the new outcome.

    The attempt itself is a new delivery row (the delivery log is intake's); this row
    ties it to the parked one, so the console can say which parked payloads were dealt with.
    """

    __tablename__ = "parked_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # The DeliveryOutcome of the new attempt (created, updated, parked again, …).
    outcome: Mapped[str] = mapped_column(String(32))
    order_number: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)

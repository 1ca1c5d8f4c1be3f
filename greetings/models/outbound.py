"""Outbound events: the CRM endpoints we send feedback to, the outbox, and every attempt."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .feedback import Feedback


class OutboundEndpoint(Base):
    """A receiver (a CRM) of signed feedback events, added by an admin.

    The `whsec_` secret signs every delivery. HMAC needs the secret itself, so it cannot be
    hashed like a password: like the integrations' secrets it lives in the database, never
    in the repository, is shown once when the endpoint is added and is never logged.
    """

    __tablename__ = "outbound_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(512))
    # The event types it receives; an empty list means every type.
    events: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when the receiver answered 410 Gone (or an admin disabled it); nothing is sent then.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def active(self) -> bool:
        """Tell whether events are sent to this endpoint."""
        return self.disabled_at is None

    def wants(self, event_type: str) -> bool:
        """Tell whether the endpoint chose to receive this type of event."""
        return not self.events or event_type in self.events


class OutboundEvent(Base):
    """One event for one endpoint (the outbox row), written with the change that caused it.

    `webhook_id` is what the receiver de-duplicates on: the same on every attempt. The
    body is not stored: it is built at each attempt from the feedback as it is then.
    """

    __tablename__ = "outbound_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_endpoints.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"),
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When the next attempt may start; retries move it forward along the schedule.
    due_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Start of the retry window (creation, or the last "send again").
    retry_from: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A worker holds the event until then while it sends; one killed mid-send lets go.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    dead_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))

    endpoint: Mapped[OutboundEndpoint] = relationship()
    feedback: Mapped[Feedback] = relationship()

    __table_args__ = (
        # The sweep's question: which unsent events are due?
        Index("ix_outbound_events_pending", "delivered_at", "dead_at", "due_at"),
        Index("ix_outbound_events_endpoint_created", "endpoint_id", "created_at"),
    )

    @property
    def state(self) -> str:
        """Return delivered, dead or pending."""
        if self.delivered_at is not None:
            return "delivered"
        return "dead" if self.dead_at is not None else "pending"


class OutboundAttempt(Base):
    """One attempt to deliver an event, and what the receiver answered (the delivery log)."""

    __tablename__ = "outbound_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_events.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # None when no HTTP answer came (refused, timed out, address not allowed).
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | failed | gone | dead
    error: Mapped[str | None] = mapped_column(Text)

    event: Mapped[OutboundEvent] = relationship()

    __table_args__ = (
        Index("ix_outbound_attempts_endpoint_attempted", "endpoint_id", "attempted_at"),
    )

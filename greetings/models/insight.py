"""Insight: what managers add to feedback (a follow-up on a low rating, a "best of" pin)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from .feedback import Feedback


class FollowUpStatus(enum.StrEnum):
    """Where a low rating on the manager's worklist stands."""

    OPEN = "open"
    CONTACTED = "contacted"
    RESOLVED = "resolved"


class FollowUp(Base):
    """A manager's follow-up of one low rating: its status and a note.

    Kept beside the feedback rather than in it, so the feedback table stays the customer's
    words and the worklist's state is the manager's.
    """

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    status: Mapped[FollowUpStatus] = mapped_column(enum_column(FollowUpStatus, 16),
                                                   default=FollowUpStatus.OPEN)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    feedback: Mapped[Feedback] = relationship()


class Pin(Base):
    """A comment a manager pinned to the packer's "best of" (their page and digest)."""

    __tablename__ = "pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    pinned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    pinned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    feedback: Mapped[Feedback] = relationship()

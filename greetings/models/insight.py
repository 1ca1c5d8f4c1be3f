"""Insight: what managers add to feedback (a follow-up on a low rating, a "best of" pin)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
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


class RolledUp:
    """The keys and sums a roll-up row holds, by day (InsightDay) or by week (InsightWeek):
    one packer at one station and site in one language."""

    packer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 0 for parcels packed through the API without a station, or without a site.
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    packed: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    r1: Mapped[int] = mapped_column(Integer, default=0)
    r2: Mapped[int] = mapped_column(Integer, default=0)
    r3: Mapped[int] = mapped_column(Integer, default=0)
    r4: Mapped[int] = mapped_column(Integer, default=0)
    r5: Mapped[int] = mapped_column(Integer, default=0)


class InsightDay(RolledUp, Base):
    """The dashboard's roll-up: one day (local to the site's time zone) of one packer at
    one station and site in one language: parcels packed that day, and the answers to
    them credited to this packer (the one named on the answered card).

    Built from shipments and feedback by greetings.insight.queries (never written
    elsewhere), refreshed for the days that changed, so the pages add up a few thousand
    rows instead of millions of shipments.
    """

    __tablename__ = "insight_days"

    # The roll-up's grain leads the primary key (sort_order: before the mixin's keys).
    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)

    __table_args__ = (Index("ix_insight_days_packer_day", "packer_id", "day"),)


class InsightWeek(RolledUp, Base):
    """The roll-up by week: `insight_days` summed per Monday (of the same local days) and
    the same keys, rebuilt from those days whenever one of them is (greetings.insight.
    rollup). Whole weeks of a period are read from here, seven times fewer rows than
    their days (15 ms against 53 ms for a year of the dashboard, docs/benchmarks.md).
    """

    __tablename__ = "insight_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)  # the Monday

    __table_args__ = (Index("ix_insight_weeks_packer_week", "packer_id", "week"),)


class InsightRefresh(Base):
    """How far the roll-up is up to date, and a fingerprint of the time zones its days
    are in (a site's new zone rebuilds it)."""

    __tablename__ = "insight_refresh"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    refreshed_to: Mapped[datetime] = mapped_column(DateTime)
    # A digest of the rows counted in the last SETTLE before refreshed_to: the next
    # refresh reads that span again (rows still committing then) and, when it holds the
    # same rows and nothing newer came, has nothing to rebuild.
    settled: Mapped[str | None] = mapped_column(String(64))


class InsightChange(Base):
    """A note that one packer's roll-up rows of one local day are out of date: the day of
    `packed_at` in the time zone of `site_id` (none: the default zone).

    New parcels and answers need no note: the roll-up finds them by their time
    (greetings.insight.rollup). A repack does: it moves a parcel (and the answers through
    its cards) to another packer, station and time, so the day and packers it counted for
    until then change without a trace in any time the roll-up reads. The repack writes
    these notes in its own transaction, for where the parcel stood and where it stands;
    a refresh rebuilds exactly the notes it read and deletes those (a note committed
    meanwhile waits for the next one).
    """

    __tablename__ = "insight_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys: a note outlives nothing and is read by id and deleted within minutes.
    packer_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)
    packed_at: Mapped[datetime] = mapped_column(DateTime)

    @classmethod
    def where_counted(cls, shipment) -> list[InsightChange]:
        """Notes for every packer the shipment counts for as it stands: its packer (the
        parcel) and the packer named on each of its cards (their answers), on its day."""
        packers = {shipment.packer_id, *(card.packer_id for card in shipment.cards)}
        return [cls(packer_id=packer, site_id=shipment.site_id, packed_at=shipment.packed_at)
                for packer in sorted(packers)]


# The index the answer lists (worklist, digest, CSV) need on feedback; declared here so
# the owner module stays as it is (see the migration of this module).
Index("ix_feedback_created_at", Feedback.created_at)
# The worklist: flagged answers newest first, a range of this small partial index.
Index("ix_feedback_attention_created", Feedback.created_at, Feedback.id,
      postgresql_where=Feedback.attention, sqlite_where=Feedback.attention)
# The worklist of one site: the same, a range per site (Feedback.site_id).
Index("ix_feedback_site_attention_created", Feedback.site_id, Feedback.created_at, Feedback.id,
      postgresql_where=Feedback.attention, sqlite_where=Feedback.attention)
# A packer's best visible comments (their page, the digest), best and newest first: the
# first ten rows of a range, whatever the packer's ratings.
_VISIBLE = and_(Feedback.comment.is_not(None), Feedback.hidden_at.is_(None))
Index("ix_feedback_packer_visible", Feedback.packer_id, Feedback.rating, Feedback.created_at,
      postgresql_where=_VISIBLE, sqlite_where=_VISIBLE)

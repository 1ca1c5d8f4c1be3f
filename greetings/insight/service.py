"""Insight's writes and its reading of filters: follow-ups, "best of" pins, the period.

Plain functions over db.session; the routes commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from ..errors import ProblemError
from ..extensions import db
from ..models import Feedback, FollowUp, FollowUpStatus, Pin, User, utcnow
from .queries import Scope, local_to_utc

NOTE_MAX = 2000
DEFAULT_WEEKS = 12
# A year and a bit: enough for a yearly trend, and a bound on what one page may ask for.
MAX_DAYS = 400


class CannotPin(ProblemError):
    status = 409
    title = "Only a visible comment can be pinned"


@dataclass(frozen=True)
class Period:
    """A period of whole local days, first and last included."""

    first: date
    last: date

    def scope(self, zone: str, site: str | None = None, language: str | None = None,
              packer_id: int | None = None) -> Scope:
        """Return the scope of these days in the zone."""
        start = local_to_utc(datetime.combine(self.first, datetime.min.time()), zone)
        end = local_to_utc(datetime.combine(self.last + timedelta(days=1),
                                            datetime.min.time()), zone)
        return Scope(start, end, zone, site, language, packer_id)


def insight_zone() -> str:
    """Return the time zone whose days and weeks the insight pages count in.

    The console's zone (BABEL_DEFAULT_TIMEZONE) until sites carry their own.
    """
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"


def default_period(today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """Return the last `weeks` weeks up to today, starting on a Monday."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=weeks - 1), today)


def week_period(monday: date) -> Period:
    """Return the ISO week starting on that Monday."""
    return Period(monday, monday + timedelta(days=6))


def read_period(first: date | None, last: date | None, today: date) -> Period | None:
    """Return the period the filter asks for, or None when it makes no sense."""
    fallback = default_period(today)
    first, last = first or fallback.first, last or fallback.last
    if first > last or (last - first).days > MAX_DAYS:
        return None
    return Period(first, last)


def set_follow_up(feedback: Feedback, status: str, note: str | None, user: User) -> FollowUp:
    """Record the follow-up status and note of an answer on the worklist."""
    follow_up = db.session.execute(
        select(FollowUp).where(FollowUp.feedback_id == feedback.id)).scalar_one_or_none()
    if follow_up is None:
        follow_up = FollowUp(feedback_id=feedback.id)
        db.session.add(follow_up)
    follow_up.status = FollowUpStatus(status)
    follow_up.note = (note or "").strip()[:NOTE_MAX] or None
    follow_up.updated_at = utcnow()
    follow_up.updated_by_id = user.id
    return follow_up


def pin(feedback: Feedback, user: User) -> None:
    """Pin a visible comment to its packer's "best of"; pinning twice changes nothing."""
    if feedback.hidden_at is not None or not feedback.comment:
        raise CannotPin
    exists = db.session.execute(
        select(Pin.id).where(Pin.feedback_id == feedback.id)).scalar_one_or_none()
    if exists is None:
        db.session.add(Pin(feedback_id=feedback.id, pinned_by_id=user.id))


def unpin(feedback: Feedback) -> None:
    """Take a comment off its packer's "best of"."""
    db.session.execute(delete(Pin).where(Pin.feedback_id == feedback.id))


def forget_notes(created_before: datetime) -> int:
    """Clear follow-up notes on answers given before a time (they may quote the customer)."""
    old = select(Feedback.id).where(Feedback.created_at < created_before).scalar_subquery()
    return db.session.execute(
        update(FollowUp).where(FollowUp.feedback_id.in_(old), FollowUp.note.is_not(None))
        .values(note=None)).rowcount

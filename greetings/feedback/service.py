"""Feedback: finding a card by its token, storing its one answer, hiding a comment from
the packer's wall (the one writer of the feedback table), and the wall.

The routes commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from ..cards.tokens import normalise
from ..extensions import db
from ..models import Card, Feedback, Shipment, Station, User, dialect_insert, utcnow
from ..outbound.outbox import record_feedback_event
from ..text import card_language

RATINGS = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000
REASON_MAX = 500  # the column's size


class FeedbackLocked(Exception):
    """The answer is older than the edit window and can no longer be changed."""


@dataclass(frozen=True)
class FeedbackIn:
    """A customer's rating and comment as the form validated them, ready to store."""

    rating: int
    comment: str | None
    language: str


def find_card(token: str) -> Card | None:
    """Return the card a token names (voided or not), with its order and packer, or None.

    Every card ever printed is found, also after a repack: its page credits the packer
    named on that card.
    """
    token = normalise(token)
    if token is None:
        return None
    return db.session.execute(
        select(Card).options(joinedload(Card.shipment).joinedload(Shipment.order),
                             joinedload(Card.packer))
        .where(Card.token == token)
    ).scalar_one_or_none()


def credit(card_id: int):
    """The statement reading whom and where an answer through this card counts for:
    (packer_id, site_id), stored on the answer when it is written.

    Feedback is per card, so both come from the card: the packer named on it, and the
    site of the station that made it. Not the shipment's: a repack moves the shipment
    (and its site) to the repacker's station, while the old card in the parcel still
    names the first packer, made at the first site. A card made without a station (the
    API) counts for the shipment's site.
    """
    return (select(Card.packer_id, func.coalesce(Station.site_id, Shipment.site_id))
            .join(Shipment, Shipment.id == Card.shipment_id)
            .outerjoin(Station, Station.id == Card.station_id)
            .where(Card.id == card_id))


@event.listens_for(Feedback, "before_insert")
def _credit_before_insert(_mapper, connection, feedback: Feedback) -> None:
    # Answers added through the ORM (tests, scripts) get the same credit as save_answer's.
    if feedback.packer_id is None:
        feedback.packer_id, feedback.site_id = connection.execute(
            credit(feedback.card_id)).one()


def feedback_of(card: Card) -> Feedback | None:
    """Return the answer already given through the card, if any."""
    return db.session.execute(
        select(Feedback).where(Feedback.card_id == card.id)
    ).scalar_one_or_none()


def page_language(card: Card, chosen: str | None) -> str:
    """Return the page language: the customer's own choice, else the order's language."""
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return card_language(card.shipment.order.language)


def edit_deadline(feedback: Feedback) -> datetime:
    """Return until when the customer may change their answer."""
    days = int(current_app.config["FEEDBACK_EDIT_DAYS"])
    return feedback.created_at + timedelta(days=days)


def can_change(feedback: Feedback | None, now: datetime | None = None) -> bool:
    """Tell whether a (new or existing) answer may still be written."""
    return feedback is None or (now or utcnow()) <= edit_deadline(feedback)


def save_answer(card: Card, answer: FeedbackIn) -> Feedback:
    """Store the card's one answer, or update it within the edit window.

    Raises FeedbackLocked after the window; the caller commits. Two first answers racing
    each other make one row: the second insert does nothing, and updates that row.
    """
    feedback = feedback_of(card)
    if not can_change(feedback):
        raise FeedbackLocked
    now = utcnow()
    event = "feedback.updated"
    if feedback is None:
        insert = dialect_insert(db.session.get_bind().dialect.name)
        packer_id, site_id = db.session.execute(credit(card.id)).one()
        inserted = db.session.execute(
            insert(Feedback)
            .values(card_id=card.id, rating=answer.rating, comment=answer.comment,
                    language=answer.language, created_at=now, updated_at=now,
                    packer_id=packer_id, site_id=site_id)
            .on_conflict_do_nothing(index_elements=["card_id"])).rowcount
        feedback = feedback_of(card)
        # A racing first answer inserted the row instead: this one updates it.
        if inserted:
            event = "feedback.received"
    feedback.rating, feedback.comment = answer.rating, answer.comment
    feedback.language, feedback.updated_at = answer.language, now
    # Always an ORM update, even when the values equal what the Core insert just stored:
    # the worklist flag is set by insight.attention's before_update hook, not by the insert.
    flag_modified(feedback, "rating")
    record_feedback_event(feedback, event)  # the outbox, in this same transaction
    return feedback


def hide_comment(feedback: Feedback, user: User, reason: str) -> None:
    """Hide the comment from the packer's wall, keeping who did it, when and why."""
    feedback.hidden_at = utcnow()
    feedback.hidden_by_id = user.id
    feedback.hidden_reason = reason.strip()[:REASON_MAX]
    record_feedback_event(feedback, "feedback.hidden")  # the outbox, in this same transaction


def show_comment(feedback: Feedback) -> None:
    """Let the packer see the comment again.

    The last reason stays stored, so a later reader can see it was once hidden and why.
    """
    feedback.hidden_at = None
    feedback.hidden_by_id = None
    # Receivers got the comment as null when it was hidden; this sends it to them again.
    record_feedback_event(feedback, "feedback.updated")


def week_start(today: date) -> datetime:
    """Return Monday 00:00 of the ISO week holding `today` (UTC, like every timestamp)."""
    monday = today - timedelta(days=today.isoweekday() - 1)
    return datetime(monday.year, monday.month, monday.day)


def wall_for(packer_id: int, limit: int | None = None, now: datetime | None = None) -> dict:
    """Return what the packer's station wall shows: latest answers and this week's count.

    A comment a manager hid is left out entirely (the rating stays): the packer must not
    be able to read it, nor tell that something was hidden.
    """
    now = now or utcnow()
    limit = limit or int(current_app.config["FEEDBACK_WALL_SIZE"])
    # Credited to the packer named on the card the customer answered through.
    mine = select(Feedback).join(Card).where(Card.packer_id == packer_id)
    latest = db.session.execute(
        mine.order_by(Feedback.updated_at.desc(), Feedback.id.desc()).limit(limit)
    ).scalars().all()
    since = week_start(now.date())
    count = db.session.execute(
        select(func.count(Feedback.id)).join(Card)
        .where(Card.packer_id == packer_id, Feedback.created_at >= since)
    ).scalar_one()
    entries = [{
        "rating": feedback.rating,
        "comment": None if feedback.hidden_at else feedback.comment,
        "date": feedback.updated_at.date(),
    } for feedback in latest]
    return {
        "packer_id": packer_id,
        "latest": entries[0] if entries else None,
        "entries": entries,
        "thanks_this_week": count,
        "week": f"{now.isocalendar().year}-W{now.isocalendar().week:02d}",
    }


def forget_comments(created_before: datetime) -> int:
    """Clear the text of comments given before a time (retention); return how many.

    The rating, language and dates stay, so every aggregate (averages, response rates,
    distributions) stays as it was.
    """
    return db.session.execute(
        update(Feedback).where(Feedback.created_at < created_before,
                               Feedback.comment.is_not(None))
        .values(comment=None)).rowcount

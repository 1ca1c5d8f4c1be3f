"""Moderating feedback: what a manager lists (hiding and showing is feedback's own)."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Card, Feedback, Shipment, User

FILTERS = ("all", "comments", "hidden")


def feedback_query(which: str = "all"):
    """Return the newest-first selection of feedback for the moderation list."""
    query = (
        select(Feedback)
        .options(joinedload(Feedback.card).joinedload(Card.shipment).joinedload(Shipment.order),
                 joinedload(Feedback.card).joinedload(Card.packer))
        .order_by(Feedback.updated_at.desc(), Feedback.id.desc())
    )
    if which == "comments":
        query = query.where(Feedback.comment.is_not(None), Feedback.hidden_at.is_(None))
    elif which == "hidden":
        query = query.where(Feedback.hidden_at.is_not(None))
    return query


def hidden_by(feedback: Feedback) -> str | None:
    """Return the e-mail of the manager who hid the comment, if it is hidden."""
    if feedback.hidden_by_id is None:
        return None
    user = db.session.get(User, feedback.hidden_by_id)
    return user.email if user else None

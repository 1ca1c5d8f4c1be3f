"""The answers themselves, one by one: the worklist, the CSV, the comments a packer sees,
the "best of" pins. Read straight from feedback (not the roll-up): these are lists, not sums.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Card,
    Feedback,
    FollowUp,
    FollowUpStatus,
    Order,
    Packer,
    Pin,
    Shipment,
    Site,
    Station,
)
from .queries import Scope, language_match


def _answered(scope: Scope, cards: bool = False, shipments: bool = False):
    """Answers given in [start, end) through cards of the scope's site/language/packer.

    The packer and the site are the answer's own columns (copied from the card when it
    was written: greetings.feedback.service.credit), so those filters are index ranges
    of feedback. Card and shipment are joined only when the language filter (or the
    caller's columns) needs them: every answer has both, so the joins never drop a row,
    but over a year they cost a join per answer.

    The site is the site of the station that made the card, which after a repack can
    differ from the shipment's (the roll-up's) site: the answer came through that card.
    """
    query = select(Feedback).where(Feedback.created_at >= scope.start,
                                   Feedback.created_at < scope.end)
    shipments = shipments or scope.language is not None
    if shipments or cards:
        query = query.join(Card, Card.id == Feedback.card_id)
    if shipments:
        query = query.join(Shipment, Shipment.id == Card.shipment_id)
    if scope.site is not None:
        query = query.where(Feedback.site_id == scope.site)
    if scope.packer_id is not None:
        query = query.where(Feedback.packer_id == scope.packer_id)
    if scope.language is not None:
        query = (query.join(Order, Order.id == Shipment.order_id)
                 .where(language_match(Order.language, scope.language)))
    return query


def worklist(scope: Scope, status: str | None = None):
    """Return the newest-first selection of answers that need a manager's follow-up
    (flagged by greetings.insight.attention: rating ≤ 2, or a worrying word).

    `status` narrows to one follow-up status; an answer nobody followed up yet is open.
    """
    # The bare column (not IS TRUE): the form the partial index's WHERE matches.
    query = (_answered(scope).where(Feedback.attention)
             .options(joinedload(Feedback.card).joinedload(Card.shipment)
                      .joinedload(Shipment.order),
                      joinedload(Feedback.card).joinedload(Card.packer)))
    if status is not None:
        followed = (select(FollowUp.feedback_id)
                    .where(FollowUp.status != FollowUpStatus.OPEN).scalar_subquery())
        if status == FollowUpStatus.OPEN:
            query = query.where(Feedback.id.not_in(followed))
        else:
            query = query.where(Feedback.id.in_(
                select(FollowUp.feedback_id).where(FollowUp.status == status)
                .scalar_subquery()))
    return query.order_by(Feedback.created_at.desc(), Feedback.id.desc())


def follow_ups_for(feedback_ids: list[int]) -> dict[int, FollowUp]:
    """Return the follow-ups of these answers, by answer id."""
    if not feedback_ids:
        return {}
    rows = db.session.execute(
        select(FollowUp).where(FollowUp.feedback_id.in_(feedback_ids))).scalars()
    return {row.feedback_id: row for row in rows}


@dataclass(frozen=True)
class ExportRow:
    """One answer as the CSV carries it (display names only)."""

    answered_at: datetime
    order: str
    packer: str
    station: str | None
    site: str | None
    language: str | None
    rating: int
    comment: str | None
    hidden: bool
    follow_up: str | None
    note: str | None


def export_rows(scope: Scope, chunk: int = 1000) -> Iterator[ExportRow]:
    """Yield every answer in the scope, oldest first, a chunk at a time."""
    query = (_answered(scope, shipments=True)
             .with_only_columns(Feedback.created_at, Order.number, Packer.display_name,
                                Station.name, Site.name, Feedback.language,
                                Feedback.rating, Feedback.comment, Feedback.hidden_at,
                                FollowUp.status, FollowUp.note)
             .join(Packer, Packer.id == Feedback.packer_id)
             # The station and site of the card the answer came through (as the filter).
             .outerjoin(Station, Station.id == Card.station_id)
             .outerjoin(Site, Site.id == Feedback.site_id)
             .outerjoin(FollowUp, FollowUp.feedback_id == Feedback.id)
             .order_by(Feedback.created_at, Feedback.id))
    if scope.language is None:
        query = query.join(Order, Order.id == Shipment.order_id)
    result = db.session.execute(query.execution_options(yield_per=chunk))
    for (at, number, packer, station, site, language, rating, comment, hidden_at,
         status, note) in result:
        yield ExportRow(at, number, packer, station, site, language, rating,
                        None if hidden_at else comment, hidden_at is not None,
                        str(status) if status else None, note)


def visible_comments(scope: Scope, limit: int, min_rating: int = 1) -> list[Feedback]:
    """Return the newest comments in the scope that a manager has not hidden."""
    return db.session.execute(
        _answered(scope).where(Feedback.comment.is_not(None), Feedback.hidden_at.is_(None),
                               Feedback.rating >= min_rating)
        .order_by(Feedback.rating.desc(), Feedback.created_at.desc()).limit(limit)
    ).scalars().all()


def best_comments_by_packer(scope: Scope, per_packer: int,
                            min_rating: int) -> dict[int, list[Feedback]]:
    """Return, per packer, their best visible comments in the scope (one query for all)."""
    ranked = (_answered(scope)
              .where(Feedback.comment.is_not(None), Feedback.hidden_at.is_(None),
                     Feedback.rating >= min_rating)
              .with_only_columns(Feedback.id, Feedback.packer_id, func.row_number().over(
                  partition_by=Feedback.packer_id,
                  order_by=(Feedback.rating.desc(), Feedback.created_at.desc())).label("n"))
              .subquery())
    # The few winners' ids first, then their rows: joined in one statement, PostgreSQL
    # guessed thousands of winners and read all of feedback to join them (600 ms).
    chosen = db.session.execute(
        select(ranked.c.id, ranked.c.packer_id).where(ranked.c.n <= per_packer)
        .order_by(ranked.c.packer_id, ranked.c.n)).all()
    rows = db.session.execute(
        select(Feedback).where(Feedback.id.in_([row.id for row in chosen]))).scalars()
    by_id = {feedback.id: feedback for feedback in rows}
    found: dict[int, list[Feedback]] = {}
    for row in chosen:
        found.setdefault(row.packer_id, []).append(by_id[row.id])
    return found


def pins_by_packer(since: datetime, until: datetime,
                   per_packer: int) -> dict[int, list[Feedback]]:
    """Return, per packer, the pinned comments among the answers given in [since, until).

    A manager pins on Monday what stood out last week: the answer's time counts, not
    the pin's.
    """
    rows = db.session.execute(
        select(Feedback, Card.packer_id).join(Pin, Pin.feedback_id == Feedback.id)
        .join(Card, Card.id == Feedback.card_id)
        .where(Feedback.created_at >= since, Feedback.created_at < until,
               Feedback.hidden_at.is_(None))
        .order_by(Pin.pinned_at.desc(), Pin.id.desc())).all()
    found: dict[int, list[Feedback]] = {}
    for feedback, packer_id in rows:
        if len(found.setdefault(packer_id, [])) < per_packer:
            found[packer_id].append(feedback)
    return found


def pinned(packer_id: int, limit: int, since: datetime | None = None) -> list[Feedback]:
    """Return the packer's answers a manager pinned as "best of", newest pin first."""
    query = (select(Feedback).join(Pin, Pin.feedback_id == Feedback.id)
             .join(Card, Card.id == Feedback.card_id)
             .where(Card.packer_id == packer_id, Feedback.hidden_at.is_(None)))
    if since is not None:
        query = query.where(Pin.pinned_at >= since)
    return db.session.execute(
        query.order_by(Pin.pinned_at.desc(), Pin.id.desc()).limit(limit)).scalars().all()


def pinned_ids(feedback_ids: list[int]) -> set[int]:
    """Return which of these answers are pinned."""
    if not feedback_ids:
        return set()
    return set(db.session.execute(
        select(Pin.feedback_id).where(Pin.feedback_id.in_(feedback_ids))).scalars())

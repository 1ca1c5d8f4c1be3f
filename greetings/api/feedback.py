"""GET /api/v1/feedback?since=: feedback for CRM pulls (Bearer), oldest change first.

A CRM remembers the `updated_at` of the last item it took and asks again with it as
`since` (inclusive, so an answer changed in the same microsecond is never missed; items
carry their `id` for de-duplication). Within one pull, `next` is an opaque cursor to the
following page; it is null on the last page.
"""

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated

from flask import jsonify, request, url_for
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Card, Feedback, Shipment
from .routes import PackerName, bp
from .scopes import Scope
from .spec import Reply, operation

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def _parse_time(text: str | None) -> datetime | None:
    """Read an ISO 8601 time as naive UTC (a time without offset is taken as UTC)."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ValueError("an ISO 8601 time, e.g. 2026-03-14T09:15:00Z")
    text = text.strip()
    if "T" in text:
        # An unencoded "+02:00" in a query string arrives as " 02:00".
        text = text.replace(" ", "+")
    try:
        stamp = datetime.fromisoformat(text)
        if stamp.tzinfo is not None:
            # 9999-12-31T23:59:59-14:00 is past the last datetime once in UTC.
            stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ValueError("an ISO 8601 time, e.g. 2026-03-14T09:15:00Z") from None
    return stamp


def _parse_limit(text) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    text = str(text)
    if not (text.isascii() and text.isdecimal()) or not 1 <= int(text) <= MAX_LIMIT:
        raise ValueError(f"a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def _make_cursor(item: Feedback) -> str:
    raw = json.dumps([item.updated_at.isoformat(timespec="microseconds"), item.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_cursor(text) -> tuple[datetime, int] | None:
    """Read a cursor made by _make_cursor; anything else is a 422, never a 500."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stamp, last_id = json.loads(raw)
        # Within a BIGINT: a larger number would make PostgreSQL fail the query.
        if type(last_id) is not int or not 0 <= last_id < 2**63:
            raise ValueError
        return datetime.fromisoformat(stamp).replace(tzinfo=None), last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValueError("use the `next` value of the previous page") from None


class FeedbackQuery(BaseModel):
    """The query string of GET /api/v1/feedback."""

    model_config = ConfigDict(extra="ignore")

    since: Annotated[datetime | None, BeforeValidator(_parse_time),
                     WithJsonSchema({"type": "string", "format": "date-time"}),
                     Field(description="changed at or after this ISO 8601 time (inclusive)")
                     ] = None
    limit: Annotated[int, BeforeValidator(_parse_limit),
                     WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                     "default": DEFAULT_LIMIT}),
                     Field(description="items per page")] = DEFAULT_LIMIT
    cursor: Annotated[tuple[datetime, int] | None, BeforeValidator(_parse_cursor),
                      WithJsonSchema({"type": "string"}),
                      Field(description="the `next` value of the previous page")] = None


class FeedbackShipment(BaseModel):
    id: int
    order: str


class FeedbackCard(BaseModel):
    id: int


class FeedbackOut(BaseModel):
    id: int
    shipment: FeedbackShipment
    card: FeedbackCard
    packer: PackerName
    rating: int
    comment: str | None
    hidden: bool
    language: str | None
    created_at: str
    updated_at: str


class FeedbackPage(BaseModel):
    feedback: list[FeedbackOut]
    next: str | None
    next_url: str | None


@bp.get("/v1/feedback")
@operation("Feedback for CRM pulls, oldest change first", scope=Scope.FEEDBACK_READ,
           query=FeedbackQuery, tag="feedback",
           responses={200: Reply("a page of feedback", FeedbackPage)})
def list_feedback(query: FeedbackQuery):
    """List feedback changed at or after `since`, paginated by `limit` and `cursor`."""
    limit = query.limit
    selection = (
        select(Feedback)
        .options(joinedload(Feedback.card).joinedload(Card.shipment).joinedload(Shipment.order),
                 joinedload(Feedback.card).joinedload(Card.packer))
        .order_by(Feedback.updated_at, Feedback.id)
        .limit(limit + 1)
    )
    if query.since is not None:
        selection = selection.where(Feedback.updated_at >= query.since)
    if query.cursor is not None:
        stamp, last_id = query.cursor
        selection = selection.where(or_(Feedback.updated_at > stamp,
                                        and_(Feedback.updated_at == stamp,
                                             Feedback.id > last_id)))
    rows = db.session.execute(selection).scalars().all()
    page, more = rows[:limit], len(rows) > limit
    cursor = _make_cursor(page[-1]) if more else None
    next_url = None
    if cursor:
        next_url = url_for(".list_feedback", since=request.args.get("since"), limit=limit,
                           cursor=cursor, _external=True)
    return jsonify({"feedback": [feedback_json(item) for item in page], "next": cursor,
                    "next_url": next_url})


def feedback_json(item: Feedback) -> dict:
    """Describe one answer for a CRM: the comment is included even when hidden, and flagged.

    Hiding protects the packer's wall; the CRM is the company's own system, so it gets the
    words (and may choose not to show them) but not the manager's private reason.
    """
    card = item.card
    return {
        "id": item.id,
        "shipment": {"id": card.shipment.id, "order": card.shipment.order.number},
        "card": {"id": card.id},
        "packer": {"display_name": card.packer.display_name},
        "rating": item.rating,
        "comment": item.comment,
        "hidden": item.hidden_at is not None,
        "language": item.language,
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
    }


def _iso(stamp: datetime) -> str:
    return stamp.replace(tzinfo=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")

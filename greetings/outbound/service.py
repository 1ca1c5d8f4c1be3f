"""Outbound endpoints as the CLI and the console manage them (admins only)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..errors import ProblemError
from ..extensions import db
from ..jobs import setting_on
from ..models import OutboundAttempt, OutboundEndpoint, OutboundEvent, utcnow
from ..ops import register_gauge
from .outbox import EVENT_TYPES, send_after_commit
from .targets import TargetRefused, resolve

__all__ = ["EVENT_TYPES", "TargetRefused"]


class EndpointNotFound(ProblemError):
    status = 404
    title = "No such outbound endpoint"


class EventNotFound(ProblemError):
    status = 404
    title = "No such outbound event"


class NotDead(ProblemError):
    status = 409
    title = "Only a dead-lettered event can be sent again"


class UnknownEventType(ProblemError):
    status = 422
    title = "Unknown event type"


@dataclass(frozen=True)
class EndpointSummary:
    """An endpoint with the counts the list shows."""

    endpoint: OutboundEndpoint
    pending: int
    delivered: int
    dead: int


def new_endpoint_secret() -> str:
    """Return a fresh Standard Webhooks secret: whsec_ and base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def add_endpoint(url: str, events=()) -> OutboundEndpoint:
    """Add an endpoint for the given event types (none: all) with a new secret.

    The URL is checked (https, and no private or loopback address unless
    OUTBOUND_ALLOW_PRIVATE) and raises TargetRefused. The caller commits and shows the
    secret once.
    """
    chosen = list(dict.fromkeys(events or ()))
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise UnknownEventType(f"{', '.join(unknown)}: the types are {', '.join(EVENT_TYPES)}")
    resolve(url, setting_on(current_app.config["OUTBOUND_ALLOW_PRIVATE"]))
    endpoint = OutboundEndpoint(url=url, secret=new_endpoint_secret(), events=chosen)
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def get_endpoint(endpoint_id: int) -> OutboundEndpoint:
    """Return the endpoint or raise EndpointNotFound."""
    endpoint = db.session.get(OutboundEndpoint, endpoint_id)
    if endpoint is None:
        raise EndpointNotFound(f"no outbound endpoint has the id {endpoint_id}")
    return endpoint


def list_endpoints() -> list[EndpointSummary]:
    """Return every endpoint with its pending, delivered and dead event counts."""
    counts = {}
    rows = db.session.execute(
        select(OutboundEvent.endpoint_id,
               func.count().filter(OutboundEvent.delivered_at.is_not(None)),
               func.count().filter(OutboundEvent.dead_at.is_not(None)),
               func.count())
        .group_by(OutboundEvent.endpoint_id))
    for endpoint_id, delivered, dead, total in rows:
        counts[endpoint_id] = (total - delivered - dead, delivered, dead)
    endpoints = db.session.execute(
        select(OutboundEndpoint).order_by(OutboundEndpoint.id)).scalars()
    return [EndpointSummary(endpoint, *counts.get(endpoint.id, (0, 0, 0)))
            for endpoint in endpoints]


def remove_endpoint(endpoint_id: int) -> None:
    """Delete the endpoint with its events and delivery log; the caller commits."""
    endpoint = get_endpoint(endpoint_id)
    db.session.execute(delete(OutboundAttempt).where(OutboundAttempt.endpoint_id == endpoint.id))
    db.session.execute(delete(OutboundEvent).where(OutboundEvent.endpoint_id == endpoint.id))
    db.session.delete(endpoint)


def enable_endpoint(endpoint_id: int) -> OutboundEndpoint:
    """Send to a disabled endpoint again (its dead letters stay until sent again)."""
    endpoint = get_endpoint(endpoint_id)
    endpoint.disabled_at = endpoint.disabled_reason = None
    return endpoint


def disable_endpoint(endpoint_id: int, reason: str) -> OutboundEndpoint:
    """Stop sending to an endpoint (its events wait, and die after their retry window)."""
    endpoint = get_endpoint(endpoint_id)
    if endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_reason = utcnow(), reason[:500]
    return endpoint


def delivery_log(endpoint_id: int, limit: int = 50) -> list[OutboundAttempt]:
    """Return the endpoint's latest delivery attempts, newest first, with their events."""
    get_endpoint(endpoint_id)
    return db.session.execute(
        select(OutboundAttempt).where(OutboundAttempt.endpoint_id == endpoint_id)
        .order_by(OutboundAttempt.attempted_at.desc(), OutboundAttempt.id.desc()).limit(limit)
    ).scalars().all()


def dead_letters(endpoint_id: int | None = None, limit: int = 100) -> list[OutboundEvent]:
    """Return dead-lettered events (of one endpoint, or all), newest first."""
    query = select(OutboundEvent).where(OutboundEvent.dead_at.is_not(None))
    if endpoint_id is not None:
        query = query.where(OutboundEvent.endpoint_id == endpoint_id)
    return db.session.execute(
        query.order_by(OutboundEvent.dead_at.desc(), OutboundEvent.id.desc()).limit(limit)
    ).scalars().all()


def find_event(reference: str | int) -> OutboundEvent:
    """Return an event by its webhook-id (msg_…) or its number, or raise EventNotFound."""
    text = str(reference).strip()
    if text.isdigit():
        event = db.session.get(OutboundEvent, int(text))
    else:
        event = db.session.execute(
            select(OutboundEvent).where(OutboundEvent.webhook_id == text)).scalar_one_or_none()
    if event is None:
        raise EventNotFound(f"no outbound event {text}")
    return event


def resend(reference: str | int) -> OutboundEvent:
    """Send a dead-lettered event again: same webhook-id, a fresh retry window.

    The body is built when it is sent, from the data as it is then. The caller commits;
    the worker is asked after the commit.
    """
    event = find_event(reference)
    if event.dead_at is None:
        raise NotDead(f"{event.webhook_id} is {event.state}")
    now = utcnow()
    event.dead_at = None
    event.due_at = event.retry_from = now
    event.claimed_until = None
    send_after_commit([event])
    return event


def resend_dead(endpoint_id: int) -> int:
    """Send every dead-lettered event of the endpoint again; return how many."""
    get_endpoint(endpoint_id)
    events = dead_letters(endpoint_id, limit=10_000)
    for event in events:
        resend(event.id)
    return len(events)


def prune_history(days: int) -> int:
    """Delete delivered events (and their attempts) older than `days`; return how many."""
    cutoff = utcnow() - timedelta(days=days)
    old = select(OutboundEvent.id).where(OutboundEvent.delivered_at < cutoff)
    db.session.execute(delete(OutboundAttempt).where(OutboundAttempt.event_id.in_(old)))
    count = db.session.execute(
        delete(OutboundEvent).where(OutboundEvent.delivered_at < cutoff)).rowcount
    db.session.commit()
    return count


def backlog() -> dict[tuple[str], int]:
    """Count the outbox: events due now, waiting for a later retry, and dead-lettered."""
    now = utcnow()
    unsent = (OutboundEvent.delivered_at.is_(None), OutboundEvent.dead_at.is_(None))
    due, waiting, dead = db.session.execute(select(
        func.count().filter(*unsent, OutboundEvent.due_at <= now),
        func.count().filter(*unsent, OutboundEvent.due_at > now),
        func.count().filter(OutboundEvent.dead_at.is_not(None)),
    ).select_from(OutboundEvent)).one()
    return {("due",): due, ("waiting",): waiting, ("dead",): dead}


register_gauge("greetings_outbox_backlog", "Outbound events not delivered: due now, waiting "
               "for a later retry, dead-lettered", backlog, labels=("state",))

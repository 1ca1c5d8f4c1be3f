"""The outbox: events written in the same transaction as the change that caused them.

After that transaction commits, the worker is asked to send them. If asking fails (the
queue is away) nothing is lost: the sweep finds the due, unsent rows.
"""

from __future__ import annotations

import logging
import secrets

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect, select

from ..extensions import db
from ..models import Feedback, OutboundEndpoint, OutboundEvent, utcnow

log = logging.getLogger(__name__)

EVENT_TYPES = ("feedback.received", "feedback.updated", "feedback.hidden")
DELIVER = "outbound.deliver"
_PENDING = "outbound_to_send"


def new_webhook_id() -> str:
    """Return a fresh event id, the `webhook-id` the receiver de-duplicates on."""
    return "msg_" + secrets.token_hex(12)


def record_feedback_event(feedback: Feedback, event_type: str) -> list[OutboundEvent]:
    """Add one outbox row per active endpoint that wants this event; the caller commits.

    Nothing is added when no endpoint wants it, so feedback costs one small query then.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    endpoints = db.session.execute(
        select(OutboundEndpoint).where(OutboundEndpoint.disabled_at.is_(None))
    ).scalars().all()
    now = utcnow()
    rows = [OutboundEvent(webhook_id=new_webhook_id(), endpoint=endpoint, type=event_type,
                          feedback=feedback, created_at=now, due_at=now, retry_from=now)
            for endpoint in endpoints if endpoint.wants(event_type)]
    db.session.add_all(rows)
    send_after_commit(rows)
    return rows


def send_after_commit(rows: list[OutboundEvent]) -> None:
    """Ask the worker to send these events as soon as the current transaction commits."""
    if rows:
        db.session().info.setdefault(_PENDING, []).extend(rows)


@event.listens_for(Session, "after_commit")
def _kick(session):
    rows = session.info.pop(_PENDING, None)
    if not rows or not has_app_context():
        return
    # The identity survives the commit's expiry: reading it emits no SQL (none may run here).
    ids = [state.identity[0] for state in map(inspect, rows) if state.identity]
    try:
        queue = current_app.extensions["jobs"]
        for event_id in ids:
            queue.enqueue(DELIVER, event_id)
    except Exception:
        log.warning("could not queue %d outbound event(s); the sweep will send them",
                    len(ids), exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_PENDING, None)

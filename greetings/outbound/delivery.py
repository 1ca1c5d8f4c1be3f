"""Sending one outbox event: claim it, build its body from today's data, sign, POST, record.

At least once: an event is claimed for one attempt (`claimed_until`), and a worker killed
mid-send simply lets the claim run out, after which the sweep queues it again with the
same `webhook-id`. No transaction is open while the receiver is being waited for.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..intake.signatures import sign_standard
from ..jobs import enqueue, setting_on
from ..models import (
    Card,
    Feedback,
    OutboundAttempt,
    OutboundEndpoint,
    OutboundEvent,
    Shipment,
    utcnow,
)
from ..ops import observe_job
from .outbox import DELIVER
from .sender import Answer, post
from .targets import TargetRefused, resolve

log = logging.getLogger(__name__)
# A claim outlives the send's deadline by this much, so it never runs out mid-send.
CLAIM_MARGIN_SECONDS = 5
SWEEP_BATCH = 1000
USER_AGENT = "Greetings-Webhooks/1"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds") + "Z"


def build_body(event: OutboundEvent) -> bytes:
    """Return the event's JSON body from the feedback as it is now.

    A comment hidden by a manager or cleared by the retention purge is sent as null.
    """
    feedback = event.feedback
    card = feedback.card
    shipment = card.shipment
    comment = None if feedback.hidden_at is not None else (feedback.comment or None)
    body = {
        "type": event.type,
        "timestamp": _iso(event.created_at),
        "data": {
            "feedback": {"id": feedback.id, "rating": feedback.rating, "comment": comment,
                         "language": feedback.language,
                         "submitted_at": _iso(feedback.created_at),
                         "updated_at": _iso(feedback.updated_at)},
            "shipment": {"id": shipment.id, "order": shipment.order.number,
                         "packed_at": _iso(shipment.packed_at)},
            # The card the customer answered through (a repacked parcel has several).
            "card": {"id": card.id},
            "packer": {"display_name": card.packer.display_name},
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(secret: str, webhook_id: str, body: bytes, now: float | None = None) -> dict:
    """Return the Standard Webhooks headers of one attempt (timestamp = time of sending)."""
    timestamp = int(now if now is not None else time.time())
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT,
            "webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_standard(secret, webhook_id, timestamp, body)}


@dataclass(frozen=True)
class Claimed:
    """What one attempt needs to know after it has let go of the database."""

    event_id: int
    endpoint_id: int
    attempts: int
    retry_from: datetime
    until: datetime
    due_at: datetime


def _claim(event_id: int, now: datetime, timeout: float):
    """Take the event for one attempt and load it; return (Claimed, event) or None."""
    until = now + timedelta(seconds=timeout + CLAIM_MARGIN_SECONDS)
    claimed = db.session.execute(
        update(OutboundEvent)
        .where(OutboundEvent.id == event_id, OutboundEvent.delivered_at.is_(None),
               OutboundEvent.dead_at.is_(None), OutboundEvent.due_at <= now,
               or_(OutboundEvent.claimed_until.is_(None), OutboundEvent.claimed_until < now))
        .values(claimed_until=until, attempts=OutboundEvent.attempts + 1)
        .execution_options(synchronize_session=False)  # no objects loaded yet to update
    ).rowcount == 1
    if not claimed:
        db.session.rollback()
        return None
    event = db.session.execute(
        select(OutboundEvent).where(OutboundEvent.id == event_id).options(
            joinedload(OutboundEvent.endpoint),
            joinedload(OutboundEvent.feedback).joinedload(Feedback.card)
            .options(joinedload(Card.shipment).joinedload(Shipment.order),
                     joinedload(Card.packer)))
    ).scalar_one()
    return (Claimed(event_id, event.endpoint_id, event.attempts, event.retry_from, until,
                    event.due_at), event)


def deliver(event_id: int) -> str | None:
    """Make one attempt at an event if it is due and nobody else is at it.

    Return the outcome (delivered, failed, gone, dead) or None when there was nothing to do.
    """
    config = current_app.config
    timeout = float(config["OUTBOUND_TIMEOUT_SECONDS"])
    found = _claim(event_id, utcnow(), timeout)
    if found is None:
        return None
    claim, event = found
    endpoint = event.endpoint
    url, secret, webhook_id = endpoint.url, endpoint.secret, event.webhook_id
    active, reason = endpoint.active, endpoint.disabled_reason
    try:
        body = build_body(event) if active else b""
    except Exception:  # a bug must not leave the event claimed and silent: retry, then dead
        log.exception("could not build the body of outbound event %s", event_id)
        body = None
    db.session.commit()  # the claim, before the network is waited for
    if not active:
        return _record(claim, Answer(None, f"endpoint disabled: {reason}", 0), dead=True)
    if body is None:
        return _record(claim, Answer(None, "could not build the body (see the worker log)", 0))
    try:
        target = resolve(url, setting_on(config["OUTBOUND_ALLOW_PRIVATE"]))
    except TargetRefused as refused:
        answer = Answer(None, refused.detail, 0)
    else:
        answer = post(target, signed_headers(secret, webhook_id, body), body, timeout)
    return _record(claim, answer)


def retry_delay(attempts: int, schedule) -> float:
    """Return the wait after the `attempts`-th failed attempt (the schedule's last repeats)."""
    if isinstance(schedule, str):
        schedule = [float(part) for part in schedule.replace(",", " ").split()]
    return float(schedule[min(max(attempts, 1), len(schedule)) - 1])


def _record(claim: Claimed, answer: Answer, dead: bool = False) -> str:
    config = current_app.config
    now = utcnow()
    values = {"claimed_until": None, "last_status": answer.status,
              "last_error": answer.error[:500] if answer.error else None}
    delay = None
    if answer.ok:
        outcome, values["delivered_at"] = "delivered", now
    elif answer.status == 410:
        outcome, values["dead_at"] = "gone", now
        db.session.execute(
            update(OutboundEndpoint)
            .where(OutboundEndpoint.id == claim.endpoint_id,
                   OutboundEndpoint.disabled_at.is_(None))
            .values(disabled_at=now, disabled_reason="the receiver answered 410 Gone"))
    elif dead or now - claim.retry_from >= timedelta(
            seconds=float(config["OUTBOUND_DEAD_AFTER_SECONDS"])):
        outcome, values["dead_at"] = "dead", now
    else:
        outcome = "failed"
        delay = retry_delay(claim.attempts, config["OUTBOUND_RETRY_SCHEDULE"])
        values["due_at"] = now + timedelta(seconds=delay)
    # Only the holder of this claim moves the event on; the attempt is logged either way.
    db.session.execute(update(OutboundEvent).where(
        OutboundEvent.id == claim.event_id, OutboundEvent.claimed_until == claim.until)
        .values(**values).execution_options(synchronize_session=False))
    db.session.execute(insert(OutboundAttempt).values(
        endpoint_id=claim.endpoint_id, event_id=claim.event_id, attempted_at=now,
        duration_ms=answer.duration_ms, status_code=answer.status, outcome=outcome,
        error=answer.error))
    db.session.commit()
    observe_job(DELIVER, (now - claim.due_at).total_seconds())
    log.info("outbound event %s to endpoint %s: %s %s", claim.event_id, claim.endpoint_id,
             outcome, answer.status or answer.error)
    if delay is not None:
        _queue(claim.event_id, delay)
    return outcome


def _queue(event_id: int, delay: float | None = None) -> None:
    try:
        enqueue(DELIVER, event_id, delay=delay)
    except Exception:
        log.warning("could not queue outbound event %s; the sweep will", event_id, exc_info=True)


def sweep(now: datetime | None = None) -> int:
    """Queue every event that is due, unsent and unclaimed since the grace period.

    The queue normally carries each event at its due time; this finds those whose message
    was lost (a worker killed mid-send, a queue emptied). Return how many were queued.
    """
    config = current_app.config
    now = now or utcnow()
    due_before = now - timedelta(seconds=float(config["OUTBOUND_SWEEP_GRACE_SECONDS"]))
    ids = db.session.execute(
        select(OutboundEvent.id)
        .where(OutboundEvent.delivered_at.is_(None), OutboundEvent.dead_at.is_(None),
               OutboundEvent.due_at <= due_before,
               or_(OutboundEvent.claimed_until.is_(None), OutboundEvent.claimed_until < now))
        .order_by(OutboundEvent.due_at).limit(SWEEP_BATCH)
    ).scalars().all()
    db.session.rollback()
    for event_id in ids:
        _queue(event_id)
    if ids:
        log.info("sweep queued %d outbound event(s) again", len(ids))
    return len(ids)

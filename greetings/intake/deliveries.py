"""The delivery log: the one module that writes the `deliveries` table.

Every webhook request leaves one row, accepted or refused, so an integrator can see what
became of it (never the secret). An applied delivery's row also carries its
de-duplication key, which is what makes a repeat of it recognisable. Statements are built
once: logging runs for every delivery.
"""

import hashlib
import logging

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ProblemError
from ..extensions import db, hold_sqlite_write_lock
from ..models import Delivery, DeliveryOutcome, Order, utcnow
from ..text import clean_line, is_printable_code

log = logging.getLogger(__name__)

DELIVERIES, ORDERS = Delivery.__table__, Order.__table__
LOG = insert(DELIVERIES)
APPLIED = select(DELIVERIES.c.id).where(
    DELIVERIES.c.integration_id == bindparam("integration_id"),
    DELIVERIES.c.dedup_key == bindparam("key"))
FIRST_APPLIED = (
    select(DELIVERIES.c.order_id, ORDERS.c.number)
    .outerjoin(ORDERS, ORDERS.c.id == DELIVERIES.c.order_id)
    .where(DELIVERIES.c.integration_id == bindparam("integration_id"),
           DELIVERIES.c.dedup_key == bindparam("key"))
)
# The outcome a refusal is logged under, by the status it is answered with.
REFUSALS = {
    400: DeliveryOutcome.UNREADABLE, 401: DeliveryOutcome.BAD_SIGNATURE,
    404: DeliveryOutcome.UNKNOWN_INTEGRATION, 413: DeliveryOutcome.TOO_LARGE,
    415: DeliveryOutcome.NOT_JSON, 422: DeliveryOutcome.INVALID,
}


def answered_status(outcome: DeliveryOutcome) -> int:
    """Return the HTTP status an accepted delivery is answered (and logged) with.

    A parked payload is 202: taken, but not applied. Every other accepted delivery is 200.
    """
    return 202 if outcome == DeliveryOutcome.PARKED else 200


def dedup_column(key: str) -> str:
    """Fit a sender's key into the column, keeping distinct keys distinct.

    Long keys, and keys no database stores as they are (NUL, lone surrogates, control
    characters: a sender's header may hold anything), are stored as their hash.
    """
    if len(key) <= 200 and is_printable_code(key):
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def storable(text: str | None, limit: int) -> str | None:
    """Return outside text (a topic, a slug, a detail) as every database can store it."""
    if text is None:
        return None
    return clean_line(text)[:limit]


def write(integration_id: int | None, slug: str, outcome: DeliveryOutcome, *,
          status: int | None = None, key: str | None = None, order_id: int | None = None,
          topic: str | None = None, size: int = 0, detail: str | None = None,
          errors: list | None = None, parked_body: str | None = None, now=None) -> None:
    """Add one delivery's row to the session's transaction (the caller commits).

    `key` is given only for a delivery that was applied: a second row with the same key
    fails on the table's unique constraint.
    """
    # The session itself, not its scoped proxy: this runs for every delivery.
    hold_sqlite_write_lock(db.session()).execute(LOG, {
        "integration_id": integration_id, "slug": storable(slug, 64),
        "received_at": now or utcnow(), "dedup_key": key and dedup_column(key),
        "topic": storable(topic, 64),
        "status_code": answered_status(outcome) if status is None else status,
        "outcome": outcome, "body_bytes": size, "order_id": order_id, "errors": errors,
        "parked_body": parked_body, "detail": detail,
    })


def write_refusal(integration_id: int | None, slug: str, error: ProblemError, *,
                  size: int = 0, topic: str | None = None) -> None:
    """Log a refused delivery; logging never turns the refusal into a 500.

    Whatever the refused delivery had written is rolled back first.
    """
    try:
        db.session.rollback()
        write(integration_id, slug, REFUSALS.get(error.status, DeliveryOutcome.REFUSED),
              status=error.status, detail=error.detail, errors=error.errors, size=size,
              topic=topic)
    except (SQLAlchemyError, OSError):  # the database, or SQLite's lock file
        db.session.rollback()
        log.warning("could not log a refused delivery (status %s)", error.status,
                    exc_info=True)


def was_applied(integration_id: int, key: str) -> bool:
    """Tell whether a delivery with this key was applied before."""
    found = db.session.connection().execute(
        APPLIED, {"integration_id": integration_id, "key": dedup_column(key)}).first()
    return found is not None


def write_duplicate(integration_id: int, slug: str, key: str, topic: str | None,
                    size: int) -> str | None:
    """Log a repeat of an applied delivery; return the number of the order it stored."""
    original = db.session.connection().execute(
        FIRST_APPLIED, {"integration_id": integration_id, "key": dedup_column(key)}
    ).one_or_none()
    if original is None:
        raise RuntimeError("a delivery conflicted on its key but none is stored under it")
    write(integration_id, slug, DeliveryOutcome.DUPLICATE, order_id=original.order_id,
          topic=topic, size=size, detail="this delivery was received before")
    return original.number


def latest(slug: str, limit: int) -> list[Delivery]:
    """Return the last deliveries to a slug, newest first."""
    return list(db.session.execute(
        select(Delivery).where(Delivery.slug == slug)
        .order_by(Delivery.received_at.desc(), Delivery.id.desc()).limit(limit)
    ).scalars())


def forget_parked_bodies(received_before) -> int:
    """Drop the kept bodies of parked deliveries received before a time; return how many."""
    return db.session.execute(
        update(Delivery).where(Delivery.received_at < received_before,
                               Delivery.parked_body.is_not(None))
        .values(parked_body=None)).rowcount

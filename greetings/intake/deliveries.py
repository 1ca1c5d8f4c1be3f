"""The delivery log: the one module that writes the `deliveries` and `refusal_tallies` tables.

Every webhook request is logged, accepted or refused, so an integrator can see what
became of it (never the secret). Most leave one row; an applied delivery's row also
carries its de-duplication key, which is what makes a repeat of it recognisable. (On
PostgreSQL, intake's store writes an applied delivery's row in the statement that stores
the order, from the values `applied_row` gives.) Requests refused as 401 or 404, which
anyone can send, are counted per slug and day instead, with the last few kept as a
sample. Statements are built once: logging runs for every delivery.
"""

import hashlib
import logging

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ProblemError
from ..extensions import db, hold_sqlite_write_lock
from ..models import Delivery, DeliveryOutcome, Order, RefusalTally, dialect_insert, utcnow
from ..text import clean_line, is_printable_code

log = logging.getLogger(__name__)

DELIVERIES, ORDERS, TALLIES = Delivery.__table__, Order.__table__, RefusalTally.__table__
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
# Refusals counted rather than logged a row each: what a stranger can cause.
TALLIED = frozenset({401, 404})
SAMPLES = 5
_TALLY_UPSERTS = {}
TALLY_SAMPLES = update(TALLIES).where(TALLIES.c.id == bindparam("tally_id"))
# The outcome a refusal is logged under, by the status it is answered with.
REFUSALS = {
    400: DeliveryOutcome.UNREADABLE, 401: DeliveryOutcome.BAD_SIGNATURE,
    404: DeliveryOutcome.UNKNOWN_INTEGRATION, 413: DeliveryOutcome.TOO_LARGE,
    415: DeliveryOutcome.NOT_JSON, 422: DeliveryOutcome.INVALID,
}


def answered_status(outcome: DeliveryOutcome) -> int:
    """Return the HTTP status an accepted delivery is answered (and logged) with.

    A parked or spooled payload is 202: taken, but not (yet) applied. Every other accepted
    delivery is 200.
    """
    return 202 if outcome in (DeliveryOutcome.PARKED, DeliveryOutcome.SPOOLED) else 200


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


def applied_row(integration_id: int, slug: str, key: str, topic: str | None, size: int,
                now) -> dict:
    """Return the log row of an applied delivery as bound values, for a statement that
    writes it together with the order (intake's one-statement upsert on PostgreSQL).

    Its outcome (created or updated) is left to that statement; its status is 200.
    """
    return {"integration_id": integration_id, "slug": storable(slug, 64), "now": now,
            "dedup_key": dedup_column(key), "topic": storable(topic, 64),
            "status_code": answered_status(DeliveryOutcome.CREATED), "body_bytes": size}


def write_refusal(integration_id: int | None, slug: str, error: ProblemError, *,
                  size: int = 0, topic: str | None = None) -> None:
    """Log a refused delivery; logging never turns the refusal into a 500.

    Whatever the refused delivery had written is rolled back first. A 401 or 404 is
    counted in its day's tally (`slug` "" when it named no integration), not given a row.
    """
    outcome = REFUSALS.get(error.status, DeliveryOutcome.REFUSED)
    try:
        db.session.rollback()
        if error.status in TALLIED:
            tally(slug if integration_id is not None else "", outcome, {
                "status": error.status, "slug": storable(slug, 64), "detail": error.detail,
                "bytes": size, "topic": storable(topic, 64)})
        else:
            write(integration_id, slug, outcome, status=error.status, detail=error.detail,
                  errors=error.errors, size=size, topic=topic)
    except (SQLAlchemyError, OSError):  # the database, or SQLite's lock file
        db.session.rollback()
        log.warning("could not log a refused delivery (status %s)", error.status,
                    exc_info=True)


def tally(slug: str, outcome: DeliveryOutcome, sample: dict, now=None) -> None:
    """Count one refusal in its slug's tally of the day and keep it among the samples.

    One upsert counts it; the samples are rewritten under the row lock that upsert took,
    so concurrent refusals each count and none corrupts the list. The caller commits.
    """
    now = now or utcnow()
    sample = {"at": now.isoformat(timespec="seconds"), **sample}
    connection = hold_sqlite_write_lock(db.session())
    counted = connection.execute(_tally_upsert(connection.dialect.name), {
        "slug": storable(slug, 64), "outcome": outcome, "day": now.date(), "count": 1,
        "first_at": now, "last_at": now, "samples": [sample],
    }).one()
    if counted.count > 1:
        samples = [*(counted.samples or [])[-(SAMPLES - 1):], sample]
        connection.execute(TALLY_SAMPLES, {"tally_id": counted.id, "samples": samples})


def _tally_upsert(dialect_name: str):
    statement = _TALLY_UPSERTS.get(dialect_name)
    if statement is None:
        statement = dialect_insert(dialect_name)(TALLIES)
        statement = statement.on_conflict_do_update(
            index_elements=["slug", "outcome", "day"],
            set_={"count": TALLIES.c.count + 1, "last_at": statement.excluded.last_at},
        ).returning(TALLIES.c.id, TALLIES.c.count, TALLIES.c.samples)
        _TALLY_UPSERTS[dialect_name] = statement
    return statement


def tallies(slug: str | None, since) -> list[RefusalTally]:
    """Return the refusal tallies of a slug ("" for unknown slugs; None: all), newest first."""
    query = select(RefusalTally).where(RefusalTally.day >= since)
    if slug is not None:
        query = query.where(RefusalTally.slug == slug)
    return list(db.session.execute(
        query.order_by(RefusalTally.day.desc(), RefusalTally.slug, RefusalTally.outcome)
    ).scalars())


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


def forget_before(received_before) -> tuple[int, int]:
    """Delete the log of deliveries received before a time: rows (parked bodies with them)
    and refusal tallies of earlier days. Return how many of each went.

    A repeat of a delivery that old is still no second order: the order's version stops it
    (PRODUCT.md's retention applies to the log as to the orders).
    """
    rows = db.session.execute(
        delete(Delivery).where(Delivery.received_at < received_before)).rowcount
    days = db.session.execute(
        delete(RefusalTally).where(RefusalTally.day < received_before.date())).rowcount
    return rows, days

"""Storing an order exactly once, with the database's constraints doing the guarding.

This is the hot path of every webhook, so statements are built once per dialect and run
through SQLAlchemy Core: the ORM's per-call statement building cost more than the database.
"""

import contextlib
import fcntl
import hashlib
import os

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Delivery, Order, OrderItem, OrderStatus, utcnow
from .payloads import OrderIn

# Columns an update of the order may change; created_at and the ids stay.
UPDATABLE = ("number", "status", "first_name", "last_name", "language", "shipping_country",
             "placed_at", "version", "updated_at")
ORDERS, ITEMS, DELIVERIES = Order.__table__, OrderItem.__table__, Delivery.__table__
_UPSERTS = {}
# Built once: building a statement costs more CPU than SQLite takes to run it.
SEEN_KEY = select(DELIVERIES.c.id).where(
    DELIVERIES.c.integration_id == bindparam("integration_id"),
    DELIVERIES.c.dedup_key == bindparam("key"))
EXISTING = select(ORDERS.c.id, ORDERS.c.number).where(
    ORDERS.c.integration_id == bindparam("integration_id"),
    ORDERS.c.external_id == bindparam("external_id"))
CLEAR_ITEMS = delete(ITEMS).where(ITEMS.c.order_id == bindparam("order_id"))


class DuplicateDelivery(Exception):
    """This delivery was applied before; the unique key in `deliveries` says so."""


def dedup_column(key: str) -> str:
    """Fit a sender's key into the column; long keys are hashed, keeping them distinct."""
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def upsert_order(integration, order: OrderIn, key: str, topic, size: int):
    """Create or update the order and log the delivery in one transaction.

    Returns the order number (None if unknown) and the outcome: created, updated, stale
    (older than the stored version, ignored), or ignored. Raises DuplicateDelivery when
    the delivery's key was seen before.
    """
    connection = db.session.connection()
    key = dedup_column(key)
    # A fast path for repeats only: the unique key below is what guarantees it.
    seen = connection.execute(SEEN_KEY, {"integration_id": integration.id, "key": key})
    if seen.first() is not None:
        raise DuplicateDelivery
    now = utcnow()
    with _sqlite_write_lock(connection):
        try:
            number, order_id, outcome = _apply(connection, integration, order, now)
            # Last, so that a repeated key rolls back everything this delivery did.
            connection.execute(insert(DELIVERIES), {
                "integration_id": integration.id, "slug": integration.slug,
                "received_at": now, "dedup_key": key, "topic": topic and topic[:64],
                "status_code": 200, "outcome": outcome, "body_bytes": size,
                "order_id": order_id, "errors": None, "parked_body": None,
                "detail": "older than the stored version" if outcome == "stale" else None,
            })
            db.session.commit()
        except IntegrityError as error:
            db.session.rollback()
            raise DuplicateDelivery from error
        except BaseException:
            db.session.rollback()
            raise
    return number, outcome


def _apply(connection, integration, order: OrderIn, now):
    """Write the order and its items; return (number, order id, outcome)."""
    if order.status == OrderStatus.DELETED:
        row = _mark_deleted(connection, integration.id, order, now)
    else:
        row = _upsert_row(connection, integration, order, now)
    if row is None:
        order_id, number = _existing(connection, integration.id, order.external_id)
        return number, order_id, "stale" if order_id is not None else "ignored"
    order_id, number, created_at = row
    outcome = "created" if created_at == now else "updated"
    if outcome == "updated":
        connection.execute(CLEAR_ITEMS, {"order_id": order_id})
    if order.status != OrderStatus.DELETED and order.items:
        connection.execute(insert(ITEMS), [
            {"order_id": order_id, "position": index, "sku": item.sku, "name": item.name,
             "quantity": item.quantity}
            for index, item in enumerate(order.items)
        ])
    return number, order_id, outcome


def _upsert_statement(dialect_name):
    """Build the upsert once per dialect, so SQLAlchemy compiles it once too."""
    statement = _UPSERTS.get(dialect_name)
    if statement is None:
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        statement = dialect.insert(ORDERS)
        statement = statement.on_conflict_do_update(
            index_elements=["integration_id", "external_id"],
            set_={column: statement.excluded[column] for column in UPDATABLE},
            # An equal version applies again (the sender may correct itself); an older never.
            where=ORDERS.c.version <= statement.excluded.version,
        ).returning(ORDERS.c.id, ORDERS.c.number, ORDERS.c.created_at)
        _UPSERTS[dialect_name] = statement
    return statement


def _upsert_row(connection, integration, order: OrderIn, now):
    values = {
        "integration_id": integration.id, "external_id": order.external_id,
        "number": order.number, "status": str(order.status), "first_name": order.first_name,
        "last_name": order.last_name, "language": order.language or integration.default_language,
        "shipping_country": order.shipping_country, "placed_at": order.placed_at,
        "version": order.version or now, "created_at": now, "updated_at": now,
    }
    return connection.execute(_upsert_statement(connection.dialect.name), values).one_or_none()


def _mark_deleted(connection, integration_id, order: OrderIn, now):
    statement = (
        update(ORDERS)
        .where(ORDERS.c.integration_id == integration_id,
               ORDERS.c.external_id == order.external_id, ORDERS.c.version <= now)
        .values(status=str(OrderStatus.DELETED), version=now, updated_at=now)
        .returning(ORDERS.c.id, ORDERS.c.number, ORDERS.c.created_at)
    )
    return connection.execute(statement).one_or_none()


def _existing(connection, integration_id, external_id):
    row = connection.execute(
        EXISTING, {"integration_id": integration_id, "external_id": external_id}).one_or_none()
    return (row.id, row.number) if row else (None, None)


@contextlib.contextmanager
def _sqlite_write_lock(connection):
    """Queue SQLite writers on a file lock (a no-op on PostgreSQL).

    SQLite lets one writer in at a time and makes the others poll with growing sleeps
    (1, 2, 5 … 100 ms), which is what stretched p99 under concurrent webhooks. A blocking
    flock wakes the next writer the moment the lock is free, across gunicorn workers.
    """
    database = connection.engine.url.database if connection.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    descriptor = os.open(database + ".write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def record_duplicate(integration, key: str, topic, size: int):
    """Log a repeated delivery and return the number of the order it first stored."""
    connection = db.session.connection()
    original = connection.execute(
        select(DELIVERIES.c.order_id, ORDERS.c.number)
        .outerjoin(ORDERS, ORDERS.c.id == DELIVERIES.c.order_id)
        .where(DELIVERIES.c.integration_id == integration.id,
               DELIVERIES.c.dedup_key == dedup_column(key))
    ).one_or_none()
    if original is None:
        raise RuntimeError("a delivery conflicted on its key but none is stored under it")
    with _sqlite_write_lock(connection):
        connection.execute(insert(DELIVERIES), {
            "integration_id": integration.id, "slug": integration.slug,
            "received_at": utcnow(), "dedup_key": None, "topic": topic and topic[:64],
            "status_code": 200, "outcome": "duplicate", "body_bytes": size,
            "order_id": original.order_id, "errors": None, "parked_body": None,
            "detail": "this delivery was received before",
        })
        db.session.commit()
    return original.number, "duplicate"

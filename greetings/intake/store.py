"""Storing an order exactly once, with the database's constraints doing the guarding.

This is the hot path of every webhook, so statements are built once per dialect and run
through SQLAlchemy Core: the ORM's per-call statement building cost more than the database.
"""

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db, hold_sqlite_write_lock
from ..models import DeliveryOutcome, Order, OrderItem, OrderStatus, dialect_insert, utcnow
from . import deliveries
from .payloads import OrderIn

# Columns an update of the order may change; created_at and the ids stay.
UPDATABLE = ("number", "status", "first_name", "last_name", "language", "shipping_country",
             "placed_at", "version", "updated_at")
ORDERS, ITEMS = Order.__table__, OrderItem.__table__
_UPSERTS = {}
# Built once: building a statement costs more CPU than SQLite takes to run it.
EXISTING = select(ORDERS.c.id, ORDERS.c.number).where(
    ORDERS.c.integration_id == bindparam("integration_id"),
    ORDERS.c.external_id == bindparam("external_id"))
CLEAR_ITEMS = delete(ITEMS).where(ITEMS.c.order_id == bindparam("order_id"))


class DuplicateDelivery(Exception):
    """This delivery was applied before; the unique key in `deliveries` says so."""


def upsert_order(integration, order: OrderIn, key: str, topic, size: int):
    """Create or update the order and log the delivery, in the session's transaction.

    Returns the order number (None if unknown) and the outcome: created, updated, stale
    (older than the stored version, ignored), or ignored. The caller commits. Raises
    DuplicateDelivery when the delivery's key was seen before; the transaction is then
    rolled back, so that nothing this delivery wrote stays.
    """
    # A fast path for repeats only: the unique key below is what guarantees it.
    if deliveries.was_applied(integration.id, key):
        raise DuplicateDelivery
    now = utcnow()
    connection = hold_sqlite_write_lock(db.session())
    try:
        number, order_id, outcome = _apply(connection, integration, order, now)
        # Last, so that a repeated key fails after everything this delivery did.
        deliveries.write(
            integration.id, integration.slug, outcome, key=key, order_id=order_id,
            topic=topic, size=size, now=now,
            detail="older than the stored version" if outcome == DeliveryOutcome.STALE else None)
    except IntegrityError as error:
        db.session.rollback()
        raise DuplicateDelivery from error
    return number, outcome


def _apply(connection, integration, order: OrderIn, now):
    """Write the order and its items; return (number, order id, outcome)."""
    if order.status == OrderStatus.DELETED:
        row = _mark_deleted(connection, integration.id, order, now)
    else:
        row = _upsert_row(connection, integration, order, now)
    if row is None:
        order_id, number = _existing(connection, integration.id, order.external_id)
        outcome = DeliveryOutcome.STALE if order_id is not None else DeliveryOutcome.IGNORED
        return number, order_id, outcome
    order_id, number, created_at = row
    outcome = DeliveryOutcome.CREATED if created_at == now else DeliveryOutcome.UPDATED
    if outcome == DeliveryOutcome.UPDATED:
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
        statement = dialect_insert(dialect_name)(ORDERS)
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
        "number": order.number, "status": order.status, "first_name": order.first_name,
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
        .values(status=OrderStatus.DELETED, version=now, updated_at=now)
        .returning(ORDERS.c.id, ORDERS.c.number, ORDERS.c.created_at)
    )
    return connection.execute(statement).one_or_none()


def _existing(connection, integration_id, external_id):
    row = connection.execute(
        EXISTING, {"integration_id": integration_id, "external_id": external_id}).one_or_none()
    return (row.id, row.number) if row else (None, None)


def forget_customers(created_before, now) -> tuple[int, int]:
    """Clear the names and items of orders stored before a time; return how many of each.

    The order row stays (number, language, dates), so shipments and feedback keep their
    meaning without naming anyone. An order is forgotten once.
    """
    old_ids = list(db.session.execute(
        select(ORDERS.c.id).where(ORDERS.c.created_at < created_before,
                                  ORDERS.c.purged_at.is_(None))).scalars())
    if not old_ids:
        return 0, 0
    items = db.session.execute(delete(ITEMS).where(ITEMS.c.order_id.in_(old_ids))).rowcount
    db.session.execute(update(ORDERS).where(ORDERS.c.id.in_(old_ids))
                       .values(first_name=None, last_name=None, purged_at=now))
    return len(old_ids), items

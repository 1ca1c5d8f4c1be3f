"""Storing an order exactly once, with the database's constraints doing the guarding.

This is the hot path of every webhook, so statements are built once per dialect and run
through SQLAlchemy Core: the ORM's per-call statement building cost more than the database.
"""

from sqlalchemy import and_, bindparam, delete, exists, insert, null, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db, hold_sqlite_write_lock
from ..models import (
    DeliveryOutcome,
    Order,
    OrderItem,
    OrderStatus,
    Shipment,
    dialect_insert,
    utcnow,
)
from . import deliveries
from .payloads import OrderIn

# Columns an update of the order may change; created_at and the ids stay. purged_at is
# cleared: the personal data this writes is purged again at its own time.
UPDATABLE = ("number", "status", "first_name", "last_name", "language", "shipping_country",
             "placed_at", "version", "updated_at")
ORDERS, ITEMS, SHIPMENTS = Order.__table__, OrderItem.__table__, Shipment.__table__
_UPSERTS = {}
# Built once: building a statement costs more CPU than SQLite takes to run it.
EXISTING = select(ORDERS.c.id, ORDERS.c.number).where(
    ORDERS.c.integration_id == bindparam("integration_id"),
    ORDERS.c.external_id == bindparam("external_id"))
CLEAR_ITEMS = delete(ITEMS).where(ITEMS.c.order_id == bindparam("order_id"))
IS_PACKED = exists().where(SHIPMENTS.c.order_id == ORDERS.c.id)
TO_DELETE = select(ORDERS.c.id, ORDERS.c.number, ORDERS.c.version,
                   IS_PACKED.label("packed")).where(
    ORDERS.c.integration_id == bindparam("integration_id"),
    ORDERS.c.external_id == bindparam("external_id"))
# Only while the order is as it was read: unpacked, at the version the key names.
MARK_DELETED = (
    update(ORDERS)
    .where(ORDERS.c.id == bindparam("order_id"), ORDERS.c.version == bindparam("seen_version"),
           ~IS_PACKED)
    .values(status=OrderStatus.DELETED)
)


class DuplicateDelivery(Exception):
    """This delivery was applied before; the unique key in `deliveries` says so.

    `key` is the key it repeats.
    """

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def upsert_order(integration, order: OrderIn, key: str, topic, size: int):
    """Create or update the order and log the delivery, in the session's transaction.

    Returns the order number (None if unknown), the outcome (created, updated, stale:
    older than the stored version and ignored, or ignored) and a word for the sender when
    the outcome alone does not say why (else None). The caller commits. Raises
    DuplicateDelivery when the delivery's key was seen before; the transaction is then
    rolled back, so that nothing this delivery wrote stays.
    """
    deletion = order.status == OrderStatus.DELETED
    if not deletion and db.session.get_bind().dialect.name == "postgresql":
        return _upsert_in_one_statement(integration, order, key, topic, size)
    # A fast path for repeats only: the unique key below is what guarantees it. (A
    # deletion's key is only complete once the order's version is read.)
    if not deletion and deliveries.was_applied(integration.id, key):
        raise DuplicateDelivery(key)
    now = utcnow()
    connection = hold_sqlite_write_lock(db.session())
    try:
        if deletion:
            number, order_id, outcome, key, detail = _delete(connection, integration.id,
                                                             order, key)
        else:
            number, order_id, outcome = _apply(connection, integration, order, now)
            detail = STALE if outcome == DeliveryOutcome.STALE else None
        # Last, so that a repeated key fails after everything this delivery did.
        deliveries.write(integration.id, integration.slug, outcome, key=key, order_id=order_id,
                         topic=topic, size=size, now=now, detail=detail)
    except IntegrityError as error:
        db.session.rollback()
        raise DuplicateDelivery(key) from error
    return number, outcome, detail


STALE = "older than the stored version"

# PostgreSQL: the repeat check, the upsert (its rule as in _upsert_statement), a new
# order's items and the delivery's log row in one statement, one round trip instead of
# four: the server shares the machine's cores with the app, and each round trip is a wait
# for both.
# Data-modifying CTEs all see the snapshot from before the statement and each runs once.
# An older version updates nothing; then nothing else is written here, and the caller
# logs the delivery as stale (rare: it costs two more round trips).
ONE_STATEMENT = text("""
WITH applied AS (
    SELECT 1 FROM deliveries
    WHERE integration_id = :integration_id AND dedup_key = :dedup_key
), up AS (
    INSERT INTO orders AS o (integration_id, external_id, number, status, first_name,
                             last_name, language, shipping_country, placed_at, version,
                             created_at, updated_at)
    SELECT :integration_id, :external_id, :number, :status, :first_name, :last_name,
           :language, :shipping_country, :placed_at, :version, :now, :now
    WHERE NOT EXISTS (SELECT 1 FROM applied)
    ON CONFLICT (integration_id, external_id) DO UPDATE SET
        number = excluded.number, status = excluded.status,
        first_name = excluded.first_name, last_name = excluded.last_name,
        language = excluded.language, shipping_country = excluded.shipping_country,
        placed_at = excluded.placed_at, version = excluded.version,
        updated_at = excluded.updated_at, purged_at = NULL
    WHERE o.version < excluded.version
       OR (o.version = excluded.version AND o.status <> :deleted AND o.purged_at IS NULL)
    RETURNING o.id, o.number, o.created_at
), new_items AS (
    INSERT INTO order_items (order_id, position, sku, name, quantity)
    SELECT up.id, item.position - 1, item.sku, item.name, item.quantity
    FROM (SELECT id FROM up WHERE created_at = :now) AS up,
         unnest(CAST(:skus AS varchar[]), CAST(:names AS varchar[]),
                CAST(:quantities AS integer[]))
             WITH ORDINALITY AS item(sku, name, quantity, position)
), logged AS (
    INSERT INTO deliveries (integration_id, slug, received_at, dedup_key, topic, status_code,
                            outcome, body_bytes, order_id)
    SELECT :integration_id, :slug, :now, :dedup_key, :topic, :status_code,
           CASE WHEN up.created_at = :now THEN :created ELSE :updated END, :body_bytes, up.id
    FROM up
)
SELECT EXISTS (SELECT 1 FROM applied) AS repeated, up.id, up.number, up.created_at
FROM (SELECT 1) AS one LEFT JOIN up ON true
""")


def _upsert_in_one_statement(integration, order: OrderIn, key: str, topic, size: int):
    """upsert_order on PostgreSQL: one statement for everything a new version writes."""
    now = utcnow()
    connection = db.session.connection()
    logged = deliveries.applied_row(integration.id, integration.slug, key, topic, size, now)
    items = order.items or []
    try:
        row = connection.execute(ONE_STATEMENT, {
            **logged, "external_id": order.external_id, "number": order.number,
            "status": order.status.value, "first_name": order.first_name,
            "last_name": order.last_name,
            "language": order.language or integration.default_language,
            "shipping_country": order.shipping_country, "placed_at": order.placed_at,
            "version": order.version or now, "deleted": OrderStatus.DELETED.value,
            "created": DeliveryOutcome.CREATED.value, "updated": DeliveryOutcome.UPDATED.value,
            "skus": [item.sku for item in items], "names": [item.name for item in items],
            "quantities": [item.quantity for item in items],
        }).one()
        if row.repeated:
            raise DuplicateDelivery(key)
        if row.id is not None:
            if row.created_at == now:
                return row.number, DeliveryOutcome.CREATED, None
            # An update rewrites the items after the statement, under the row lock it took:
            # the statement's snapshot may miss items a concurrent delivery just committed.
            _replace_items(connection, row.id, items)
            return row.number, DeliveryOutcome.UPDATED, None
        order_id, number = _existing(connection, integration.id, order.external_id)
        outcome = DeliveryOutcome.STALE if order_id is not None else DeliveryOutcome.IGNORED
        detail = STALE if order_id is not None else None
        deliveries.write(integration.id, integration.slug, outcome, key=key, order_id=order_id,
                         topic=topic, size=size, now=now, detail=detail)
    except IntegrityError as error:  # the same delivery, applied meanwhile by another worker
        db.session.rollback()
        raise DuplicateDelivery(key) from error
    return number, outcome, detail


def _apply(connection, integration, order: OrderIn, now):
    """Write the order and its items; return (number, order id, outcome)."""
    row = _upsert_row(connection, integration, order, now)
    if row is None:
        order_id, number = _existing(connection, integration.id, order.external_id)
        outcome = DeliveryOutcome.STALE if order_id is not None else DeliveryOutcome.IGNORED
        return number, order_id, outcome
    order_id, number, created_at = row
    outcome = DeliveryOutcome.CREATED if created_at == now else DeliveryOutcome.UPDATED
    if outcome == DeliveryOutcome.UPDATED:
        connection.execute(CLEAR_ITEMS, {"order_id": order_id})
    if order.items:
        connection.execute(insert(ITEMS), [
            {"order_id": order_id, "position": index, "sku": item.sku, "name": item.name,
             "quantity": item.quantity}
            for index, item in enumerate(order.items)
        ])
    return number, order_id, outcome


def _replace_items(connection, order_id: int, items) -> None:
    connection.execute(CLEAR_ITEMS, {"order_id": order_id})
    if items:
        connection.execute(insert(ITEMS), [
            {"order_id": order_id, "position": index, "sku": item.sku, "name": item.name,
             "quantity": item.quantity} for index, item in enumerate(items)])


def _upsert_statement(dialect_name):
    """Build the upsert once per dialect, so SQLAlchemy compiles it once too."""
    statement = _UPSERTS.get(dialect_name)
    if statement is None:
        statement = dialect_insert(dialect_name)(ORDERS)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["integration_id", "external_id"],
            set_={**{column: excluded[column] for column in UPDATABLE}, "purged_at": null()},
            # An equal version applies again (the sender may correct itself), an older one
            # never. A deletion or a purge is undone only by a newer version: the body that
            # was stored before them, replayed under another topic, is not news.
            where=or_(ORDERS.c.version < excluded.version,
                      and_(ORDERS.c.version == excluded.version,
                           ORDERS.c.status != OrderStatus.DELETED,
                           ORDERS.c.purged_at.is_(None))),
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


def _delete(connection, integration_id, order: OrderIn, key: str):
    """Mark the order deleted; return (number, order id, outcome, complete key, detail).

    A deletion carries no version (WooCommerce sends {"id": N}), so it records none: the
    order keeps the shop's version, and any newer body undoes the deletion. Its key is
    completed with the version it deletes, so a repeat is a duplicate while a deletion after
    a restore applies again. A packed order is never deleted: the parcel is on its way.
    """
    found = connection.execute(TO_DELETE, {"integration_id": integration_id,
                                           "external_id": order.external_id}).one_or_none()
    if found is None:
        return None, None, DeliveryOutcome.IGNORED, f"{key}@-", "no such order"
    key = f"{key}@{found.version.isoformat()}"
    if found.packed:
        return (found.number, found.id, DeliveryOutcome.IGNORED, key,
                "the order is packed already: a deletion never recalls a parcel")
    changed = connection.execute(MARK_DELETED, {"order_id": found.id,
                                                "seen_version": found.version}).rowcount
    if not changed:
        # Packed, or a newer version stored, between the read and the write.
        return (found.number, found.id, DeliveryOutcome.IGNORED, key,
                "the order changed while it was being deleted")
    return found.number, found.id, DeliveryOutcome.UPDATED, key, None


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

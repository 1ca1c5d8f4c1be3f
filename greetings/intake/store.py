"""Storing an order exactly once, with the database's constraints doing the guarding."""

import hashlib

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Delivery, Order, OrderItem, OrderStatus, utcnow
from .payloads import OrderIn

# Columns an update of the order may change; created_at and the ids stay.
UPDATABLE = ("number", "status", "first_name", "last_name", "language", "shipping_country",
             "placed_at", "version", "updated_at")


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
    now = utcnow()
    session = db.session
    if order.status == OrderStatus.DELETED:
        row = _mark_deleted(integration.id, order, now)
    else:
        row = _upsert_row(integration, order, now)
    if row is not None:
        order_id, number, created_at = row
        outcome = "created" if created_at == now else "updated"
        if outcome == "updated":
            session.execute(delete(OrderItem).where(OrderItem.order_id == order_id))
        if order.status != OrderStatus.DELETED and order.items:
            session.execute(insert(OrderItem), [
                {"order_id": order_id, "position": index, "sku": item.sku, "name": item.name,
                 "quantity": item.quantity}
                for index, item in enumerate(order.items)
            ])
    else:
        order_id, number = _existing(integration.id, order.external_id)
        outcome = "stale" if order_id is not None else "ignored"
    try:
        # Last, so that a repeated key rolls back everything this delivery did.
        session.execute(insert(Delivery).values(
            integration_id=integration.id, slug=integration.slug, received_at=now,
            dedup_key=dedup_column(key), topic=topic and topic[:64], status_code=200,
            outcome=outcome, body_bytes=size, order_id=order_id,
            detail="older than the stored version" if outcome == "stale" else None,
        ))
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise DuplicateDelivery from error
    return number, outcome


def _upsert_row(integration, order: OrderIn, now):
    values = {
        "integration_id": integration.id, "external_id": order.external_id,
        "number": order.number, "status": str(order.status), "first_name": order.first_name,
        "last_name": order.last_name, "language": order.language or integration.default_language,
        "shipping_country": order.shipping_country, "placed_at": order.placed_at,
        "version": order.version or now, "created_at": now, "updated_at": now,
    }
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Order).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["integration_id", "external_id"],
        set_={column: statement.excluded[column] for column in UPDATABLE},
        # An equal version applies again (the sender may correct itself); an older never.
        where=Order.version <= statement.excluded.version,
    ).returning(Order.id, Order.number, Order.created_at)
    return db.session.execute(statement).one_or_none()


def _mark_deleted(integration_id, order: OrderIn, now):
    statement = (
        update(Order)
        .where(Order.integration_id == integration_id, Order.external_id == order.external_id,
               Order.version <= now)
        .values(status=str(OrderStatus.DELETED), version=now, updated_at=now)
        .returning(Order.id, Order.number, Order.created_at)
    )
    return db.session.execute(statement).one_or_none()


def _existing(integration_id, external_id):
    row = db.session.execute(
        select(Order.id, Order.number).where(
            Order.integration_id == integration_id, Order.external_id == external_id)
    ).one_or_none()
    return (row.id, row.number) if row else (None, None)


def record_duplicate(integration, key: str, topic, size: int):
    """Log a repeated delivery and return the number of the order it first stored."""
    session = db.session
    original = session.execute(
        select(Delivery.order_id, Order.number)
        .outerjoin(Order, Order.id == Delivery.order_id)
        .where(Delivery.integration_id == integration.id,
               Delivery.dedup_key == dedup_column(key))
    ).one_or_none()
    if original is None:
        raise RuntimeError("a delivery conflicted on its key but none is stored under it")
    session.add(Delivery(
        integration_id=integration.id, slug=integration.slug, status_code=200,
        outcome="duplicate", topic=topic and topic[:64], body_bytes=size,
        order_id=original.order_id, detail="this delivery was received before",
    ))
    session.commit()
    return original.number, "duplicate"

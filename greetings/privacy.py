"""The retention policy: customers' personal data goes after RETENTION_DAYS."""

from datetime import timedelta

from sqlalchemy import delete, select, update

from .extensions import db
from .intake import deliveries
from .models import Order, OrderItem, utcnow


def purge(retention_days: int, now=None) -> dict:
    """Clear customer data of orders older than the retention; keep feedback, anonymised.

    Names and items go; the order row stays (number, language, dates) so shipments and
    feedback keep their meaning without naming anyone. Parked webhook bodies of the same
    age go too, since they carry the whole order. The caller commits.
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    old = select(Order.id).where(Order.created_at < cutoff, Order.purged_at.is_(None))
    old_ids = list(db.session.execute(old).scalars())
    counts = {"orders": len(old_ids), "items": 0, "parked_bodies": 0}
    if old_ids:
        counts["items"] = db.session.execute(
            delete(OrderItem).where(OrderItem.order_id.in_(old_ids))).rowcount
        db.session.execute(
            update(Order).where(Order.id.in_(old_ids))
            .values(first_name=None, last_name=None, purged_at=now or utcnow()))
    counts["parked_bodies"] = deliveries.forget_parked_bodies(cutoff)
    return counts

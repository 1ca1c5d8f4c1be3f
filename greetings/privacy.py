"""The retention policy: customers' personal data goes after RETENTION_DAYS."""

from datetime import timedelta

from .feedback.service import forget_comments
from .insight.service import forget_notes
from .intake import deliveries, store
from .models import utcnow


def purge(retention_days: int, now=None) -> dict:
    """Clear customer data of orders older than the retention; keep feedback, anonymised.

    Names and items go; the order row stays (number, language, dates) so shipments and
    feedback keep their meaning without naming anyone. The delivery log of the same age
    goes too (its parked bodies carry whole orders), and the daily counts of refusals.
    An order a webhook wrote to again after its purge is purged again. Comments given
    before the cutoff lose their text (and follow-up notes on them theirs); ratings stay,
    so aggregates stay. The caller commits.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    orders, items = store.forget_customers(cutoff, now)
    logged, refusal_days = deliveries.forget_before(cutoff)
    return {"orders": orders, "items": items, "deliveries": logged,
            "refusal_days": refusal_days, "comments": forget_comments(cutoff),
            "notes": forget_notes(cutoff)}

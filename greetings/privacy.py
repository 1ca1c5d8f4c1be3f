"""The retention policy: customers' personal data goes after RETENTION_DAYS."""

from datetime import timedelta

from .feedback.service import forget_comments
from .insight.attention import recheck as recheck_attention
from .insight.service import forget_notes
from .intake import deliveries, store
from .models import Feedback, utcnow


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
    comments = forget_comments(cutoff)
    # A comment gone takes its worrying words with it: only a low rating keeps the
    # answer on the worklist.
    recheck_attention(Feedback.created_at < cutoff, Feedback.attention.is_(True))
    return {"orders": orders, "items": items, "deliveries": logged,
            "refusal_days": refusal_days, "comments": comments, "notes": forget_notes(cutoff)}

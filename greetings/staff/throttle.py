"""Growing delays after failed sign-ins, counted per key, in the database. Never a lockout.

A lockout lets anyone who knows an e-mail address keep its owner out; a delay only slows
the one who fails. Counts live in the database (not process memory, not the rate-limit
store) so every app server sees the same ones. Keys are HMACs under the secret key: the
table never holds an address or e-mail in clear, and a row is forgotten a day after its
last failure.
"""

import hashlib
import hmac
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import SignInFailure, dialect_insert, utcnow

# Failures that cost nothing (typos happen); after them each failure doubles the wait.
FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=5)
FORGET_AFTER = timedelta(days=1)


def throttle_key(kind: str, *parts: str) -> str:
    """Return the stored key for what is counted (e.g. "address", "10.0.0.1")."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = "\x1f".join((kind, *parts)).encode("utf-8", "replace")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def delay_after(failures: int) -> timedelta:
    """Return how long the next attempt waits after `failures` failures in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    exponent = min(failures - FREE_FAILURES, 16)
    return min(timedelta(seconds=2 ** exponent), MAX_DELAY)


def failures_of(key: str) -> int:
    """Return the failures still remembered for a key."""
    row = db.session.get(SignInFailure, key)
    if row is None or utcnow() - row.last_failed_at > FORGET_AFTER:
        return 0
    return row.failures


def seconds_to_wait(*keys: str) -> int:
    """Return the whole seconds until every key may try again (0: now)."""
    now = utcnow()
    rows = db.session.execute(
        select(SignInFailure).where(SignInFailure.key.in_(keys))).scalars()
    wait = timedelta(0)
    for row in rows:
        if now - row.last_failed_at > FORGET_AFTER:
            continue
        wait = max(wait, row.last_failed_at + delay_after(row.failures) - now)
    return math.ceil(wait.total_seconds())


def record_failure(*keys: str) -> None:
    """Count one more failure for each key (atomically, also under concurrent requests)."""
    now = utcnow()
    table = SignInFailure.__table__
    # Stale counts are forgotten here rather than by a job: this is where rows appear.
    db.session.execute(delete(SignInFailure).where(
        SignInFailure.last_failed_at < now - FORGET_AFTER))
    insert = dialect_insert(db.engine.dialect.name)
    for key in keys:
        statement = insert(table).values(key=key, failures=1, last_failed_at=now)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": table.c.failures + 1, "last_failed_at": now}))


def forget(*keys: str) -> None:
    """Clear the counts of these keys."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.key.in_(keys)))

"""/readyz: can this app server do its work now? Each check answers for itself.

The database must answer and carry the newest migration; Redis must answer when one is
configured; a rate-limit store kept in one worker's memory while several workers run is
reported loudly (limits then hold per worker, not per site) without taking the server out.
"""

import logging
from collections.abc import Callable
from functools import lru_cache

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from ..extensions import MIGRATIONS, db, limiter

log = logging.getLogger(__name__)

# name -> callable returning {"ok": bool, ...}; other parts add theirs (the spool, the queue).
_CHECKS: dict[str, Callable[[], dict]] = {}


def register_check(name: str, check: Callable[[], dict]) -> None:
    """Add a readiness check; it returns a dict with at least "ok" and runs in an app context."""
    _CHECKS[name] = check


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """Return the head revisions of the migrations shipped with this code."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def check_database() -> dict:
    """Ask the database for one row, and its schema version for the migrations' head."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to answer is "not ready", never a 500
        return {"ok": False, "error": type(error).__name__}
    try:
        with db.engine.connect() as connection:
            current = frozenset(connection.execute(
                text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # no alembic_version table: never migrated
        current = frozenset()
    head = migration_heads()
    migrations = {"ok": current == head, "current": sorted(current), "head": sorted(head)}
    return {"ok": True, "migrations": migrations}


def check_redis(url: str) -> dict:
    """PING the configured Redis with a short timeout."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # unreachable, refused, wrong password: not ready
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def check_ratelimit() -> dict:
    """Say where rate limits are counted, and warn when that is one worker's memory."""
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    scheme = uri.split(":", 1)[0]
    answer = {"ok": True, "storage": scheme}
    workers = int(current_app.config.get("SERVER_WORKERS") or 1)
    if scheme == "memory" and workers > 1:
        answer["warning"] = memory_warning(workers)
    elif scheme != "memory":
        try:
            answer["ok"] = bool(limiter.storage.check())
        except Exception as error:  # a store that cannot be asked is not ready
            answer.update(ok=False, error=type(error).__name__)
    return answer


def memory_warning(workers: int) -> str:
    """The words used at start and in /readyz when limits are counted per worker."""
    return (f"rate limits are kept in memory by each of {workers} workers, so every limit "
            "is multiplied by the number of workers and servers: set GREETINGS_REDIS_URL "
            "or GREETINGS_RATELIMIT_STORAGE_URI=redis://…")


def readiness() -> tuple[bool, dict]:
    """Run every check; return (ready, the checks by name)."""
    checks = {"database": check_database()}
    database = checks["database"]
    if database["ok"] and not database["migrations"]["ok"]:
        database["ok"] = False
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = check_redis(current_app.config["REDIS_URL"])
    checks["ratelimit"] = check_ratelimit()
    for name, check in list(_CHECKS.items()):
        try:
            checks[name] = check()
        except Exception as error:  # a broken check reports itself, never a 500
            checks[name] = {"ok": False, "error": type(error).__name__}
    return all(check.get("ok") for check in checks.values()), checks

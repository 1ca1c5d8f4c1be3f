"""The spool: webhook deliveries taken while the database was unreachable, applied later.

WooCommerce does not retry a failed delivery (it disables the webhook after 5 failures)
and Shopify stops after 8 tries, so a delivery that arrives during a database outage is
written to a folder on the app server that took it and answered 202. The file is the
raw request (slug, the headers a signature or a parser reads, the body) and the time it
arrived, written atomically and durably: a temporary file, fsync, rename, fsync of the
folder. Nothing in it is trusted: applying it goes through `service.receive` like any
delivery, signature included, with Standard Webhooks' tolerance measured at arrival.

Every app server process runs an applier thread (gunicorn.conf.py starts one per worker;
the webhook route starts one in any other server). Each spool file is applied under an
exclusive `flock` of that file, so of several workers one applies it; a worker killed
mid-way releases the lock with its death, and another applies the file again. That is
safe because applying is exactly-once by the de-duplication keys, as for any repeat.

Bounded: past WEBHOOK_SPOOL_MAX_FILES files or WEBHOOK_SPOOL_MAX_BYTES bytes a delivery is
refused with 503 and Retry-After, so the sender tries again later. A file that cannot be
read, or whose applying fails for another reason than the database, is renamed
`*.failed` and logged: kept for a person, never deleted.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import Headers

from ..errors import ProblemError, database_unavailable
from ..extensions import db
from ..ops import register_check, register_gauge
from . import service

log = logging.getLogger(__name__)

SUFFIX, FAILED, TEMP = ".delivery", ".failed", ".tmp"
FORMAT = 1
# What a signature check or a parser reads; the rest of a request is not kept.
KEPT_HEADERS = frozenset({"content-type", "user-agent"})
KEPT_PREFIXES = ("webhook-", "x-shopify-", "x-wc-webhook-")
MAX_HEADER = 4096
# A temporary file this old belongs to a write that died before its rename.
STALE_TEMP_SECONDS = 3600
POLL_SECONDS, MAX_BACKOFF_SECONDS = 1.0, 10.0


class SpoolFull(ProblemError):
    """The database is away and the spool is full: the sender must try again later."""

    status = 503
    title = "Service unavailable"


@dataclass(frozen=True)
class Spooled:
    """One delivery as it arrived; `received_at` is seconds since the epoch."""

    slug: str
    headers: dict
    mimetype: str
    received_at: float
    body: bytes

    def to_bytes(self) -> bytes:
        """Serialise: one JSON line of metadata, then the raw body."""
        meta = {"format": FORMAT, "slug": self.slug, "headers": self.headers,
                "mimetype": self.mimetype, "received_at": self.received_at,
                "bytes": len(self.body)}
        return json.dumps(meta).encode() + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data: bytes) -> Spooled:
        """Read what `to_bytes` wrote; raise ValueError for anything else."""
        line, separator, body = data.partition(b"\n")
        meta = json.loads(line)
        if not separator or meta.get("format") != FORMAT or meta.get("bytes") != len(body):
            raise ValueError("not a complete spool file")
        headers = meta["headers"]
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise ValueError("spool file headers are not text")
        return cls(str(meta["slug"]), headers, str(meta["mimetype"]),
                   float(meta["received_at"]), body)


def headers_to_keep(headers) -> dict:
    """Return the request headers a later `service.receive` needs (not cookies, not auth)."""
    kept = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in KEPT_HEADERS or lowered.startswith(KEPT_PREFIXES):
            kept[name] = value[:MAX_HEADER]
    return kept


def folder(app) -> Path:
    """Return the spool folder of this app server."""
    return Path(app.config.get("WEBHOOK_SPOOL_DIR") or Path(app.instance_path) / "spool")


# --- writing --------------------------------------------------------------------------

_usage_lock = threading.Lock()
_usage: dict[str, list[float]] = {}  # folder -> [scanned at (monotonic), files, bytes]


def write(spooled: Spooled) -> Path:
    """Keep a delivery durably in the spool; raise SpoolFull when there is no room."""
    config = current_app.config
    where = folder(current_app)
    data = spooled.to_bytes()
    if not _make_room(where, len(data), int(config["WEBHOOK_SPOOL_MAX_FILES"]),
                      int(config["WEBHOOK_SPOOL_MAX_BYTES"])):
        raise SpoolFull("the database is unreachable and the spool is full; try again later",
                        headers={"Retry-After": str(config["RETRY_AFTER_SECONDS"])})
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
    temporary = where / f".{name}{TEMP}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.rename(temporary, where / name)
    _sync_folder(where)
    return where / name


def _make_room(where: Path, size: int, max_files: int, max_bytes: int) -> bool:
    """Count this write against the spool's bounds; tell whether it fits.

    The folder is scanned at most once a second per process (10,000 files take a while
    to stat), and this process's own writes are added meanwhile; other workers' writes
    of the last second may overshoot the bound by a little.
    """
    with _usage_lock:
        scanned = _usage.get(str(where))
        if scanned is None or time.monotonic() - scanned[0] > 1.0:
            scanned = [time.monotonic(), *usage(where)[:2]]
            _usage[str(where)] = scanned
        if scanned[1] + 1 > max_files or scanned[2] + size > max_bytes:
            return False
        scanned[1] += 1
        scanned[2] += size
        return True


def _sync_folder(where: Path) -> None:
    # The rename (or unlink) is durable only once the folder's entry is on disk.
    descriptor = os.open(where, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def usage(where: Path) -> tuple[int, int, int]:
    """Return (files waiting, their bytes, failed files) in a spool folder."""
    files = size = failed = 0
    try:
        entries = list(os.scandir(where))
    except FileNotFoundError:
        return 0, 0, 0
    for entry in entries:
        if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
            files += 1
            try:
                size += entry.stat().st_size
            except FileNotFoundError:  # applied meanwhile
                files -= 1
        elif entry.name.endswith(FAILED):
            failed += 1
    return files, size, failed


def pending(where: Path) -> list[Path]:
    """Return the spool files waiting, oldest first (their names start with the time)."""
    try:
        names = os.listdir(where)
    except FileNotFoundError:
        return []
    return [where / name for name in sorted(names)
            if name.endswith(SUFFIX) and not name.startswith(".")]


# --- applying -------------------------------------------------------------------------

class DatabaseAway(Exception):
    """The database is still unreachable: stop this pass and try again later."""


def apply_pending(app) -> int:
    """Apply every spool file no other worker is applying; return how many were done.

    Raises DatabaseAway while the database cannot be reached (the files stay).
    """
    where = folder(app)
    done = 0
    for path in pending(where):
        if _apply_file(app, path):
            done += 1
    _remove_stale_temporaries(where)
    return done


def _apply_file(app, path: Path) -> bool:
    """Apply one spool file under its lock and remove it; False if another worker had it."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:  # applied and removed by another worker
        return False
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another worker is applying it right now
            return False
        if os.fstat(descriptor).st_nlink == 0:  # applied and removed while we waited
            return False
        try:
            spooled = Spooled.from_bytes(_read_all(descriptor))
            _apply(app, spooled)
        except DatabaseAway:
            raise
        except Exception:  # a broken file or a bug: keep it aside for a person, go on
            log.exception("spool: %s could not be applied; kept as %s%s", path.name,
                          path.name, FAILED)
            os.rename(path, path.with_name(path.name + FAILED))
            _sync_folder(path.parent)
            return False
        os.unlink(path)
        _sync_folder(path.parent)
        return True
    finally:
        os.close(descriptor)  # releases the lock


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while chunk := os.read(descriptor, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _apply(app, spooled: Spooled) -> None:
    """Take one spooled delivery as the route would have; its outcome is logged as usual."""
    config = app.config
    with app.app_context():
        try:
            receipt = service.receive(
                spooled.slug, Headers(spooled.headers), spooled.body, spooled.mimetype,
                content_length=len(spooled.body), max_bytes=int(config["WEBHOOK_MAX_BYTES"]),
                tolerance=int(config["WEBHOOK_TOLERANCE_SECONDS"]),
                received_at=spooled.received_at)
            db.session.commit()
            outcome = receipt.outcome
        except ProblemError as refusal:
            _commit_refusal()
            outcome = f"refused {refusal.status} ({refusal.title})"
        except Exception as error:
            _rollback()
            if database_unavailable(error):
                raise DatabaseAway from error
            raise
    log.info("spool: delivery to %r received at %s applied: %s", spooled.slug[:64],
             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(spooled.received_at)), outcome)


def _commit_refusal() -> None:
    try:
        db.session.commit()
    except SQLAlchemyError as error:
        _rollback()
        if database_unavailable(error):
            raise DatabaseAway from error
        log.warning("spool: could not log a refused delivery", exc_info=True)


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection died with the database
        log.debug("spool: rollback failed", exc_info=True)


def _remove_stale_temporaries(where: Path) -> None:
    # A write that died between creating and renaming its file was never answered 202.
    cutoff = time.time() - STALE_TEMP_SECONDS
    for entry in os.scandir(where):
        if entry.name.startswith(".") and entry.name.endswith(TEMP):
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue


class Applier(threading.Thread):
    """Apply the spool every POLL_SECONDS; back off while the database is away."""

    def __init__(self, app):
        super().__init__(name="greetings-spool", daemon=True)
        self.app = app
        self.stopping = threading.Event()

    def run(self):
        """Apply until stopped; never let an error end the thread."""
        delay = POLL_SECONDS
        while not self.stopping.wait(delay):
            try:
                apply_pending(self.app)
                delay = POLL_SECONDS
            except DatabaseAway:
                delay = min(max(delay * 2, 1.0), MAX_BACKOFF_SECONDS)
            except Exception:  # a full disk, a folder gone: say so, keep going
                log.exception("spool: applying failed")
                delay = MAX_BACKOFF_SECONDS


_appliers: dict[tuple[int, int], Applier] = {}
_appliers_lock = threading.Lock()


def start_applier(app) -> Applier | None:
    """Start this process's applier thread for the app, once (again after a fork).

    WEBHOOK_SPOOL_APPLIER None means: yes, unless the app is TESTING (tests apply by hand).
    """
    wanted = app.config.get("WEBHOOK_SPOOL_APPLIER")
    if not (not app.testing if wanted is None else wanted):
        return None
    key = (os.getpid(), id(app))
    applier = _appliers.get(key)
    if applier is None:
        with _appliers_lock:
            applier = _appliers.get(key)
            if applier is None:
                applier = _appliers[key] = Applier(app)
                applier.start()
    return applier


# --- operations: a gauge and a readiness check ------------------------------------------

def _gauge() -> dict:
    files, size, failed = usage(folder(current_app))
    return {("waiting", "files"): files, ("waiting", "bytes"): size,
            ("failed", "files"): failed}


def _readiness() -> dict:
    config = current_app.config
    files, size, failed = usage(folder(current_app))
    room = (files < int(config["WEBHOOK_SPOOL_MAX_FILES"])
            and size < int(config["WEBHOOK_SPOOL_MAX_BYTES"]))
    answer = {"ok": room, "files": files, "bytes": size, "failed": failed}
    if not room:
        answer["error"] = "the webhook spool is full: deliveries get 503"
    return answer


def init_app(app) -> None:
    """Make the spool folder; publish its size as a gauge and its room as a readiness check."""
    folder(app).mkdir(parents=True, exist_ok=True)
    register_gauge("greetings_webhook_spool", "Webhook deliveries in the spool, by state and "
                   "unit (files, bytes)", _gauge, labels=("state", "unit"))
    register_check("webhook_spool", _readiness)

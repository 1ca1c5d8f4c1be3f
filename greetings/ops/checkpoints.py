"""SQLite's WAL checkpoints off the request path: a thread in each app server worker.

In WAL mode a commit appends its pages to the -wal file, and SQLite copies them back into
the database file (a checkpoint) inside the COMMIT that takes the WAL past
`wal_autocheckpoint` pages, 1,000 by default: that request then writes and syncs up to
1,000 pages (~30 ms for commits that touch scattered pages of a 31 MB database on the
benchmark's disk; docs/benchmarks.md). Where a `Checkpointer` runs, it checkpoints
PASSIVE (never waiting on a reader or a writer) every SQLITE_CHECKPOINT_SECONDS, and the
connections of its process checkpoint inline only past SQLITE_WAL_AUTOCHECKPOINT pages
(greetings.extensions.inline_checkpoint_at):
the bound for when the thread cannot keep up (a reader holding an old snapshot, a burst of
writes), so the WAL never grows without limit. Elsewhere (a CLI command, the job worker,
tests) connections keep SQLite's default. The durability of a commit is the synchronous
setting's, whoever checkpoints. PostgreSQL has no such thing: nothing starts there.
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy.engine import Engine

from ..extensions import db, inline_checkpoint_at

log = logging.getLogger(__name__)

_running: dict[tuple[int, int], Checkpointer] = {}
_lock = threading.Lock()


class Checkpointer(threading.Thread):
    """Checkpoint one SQLite database every `seconds`, PASSIVE, until stopped."""

    def __init__(self, engine: Engine, seconds: float, bound_pages: int):
        super().__init__(name="greetings-checkpoint", daemon=True)
        self.engine, self.seconds, self.bound_pages = engine, seconds, bound_pages
        self.stopping = threading.Event()
        # SQLite's answer to the last checkpoint: (busy, frames in the WAL, frames copied).
        self.last: tuple[int, int, int] | None = None

    def start(self):
        """Start checkpointing; from now on this process's commits checkpoint only past
        the bound."""
        super().start()
        inline_checkpoint_at(self.engine, self.bound_pages)

    def run(self):
        """Checkpoint until stopped; never let an error end the thread."""
        while not self.stopping.wait(self.seconds):
            try:
                self.last = checkpoint(self.engine)
            except Exception:  # a locked or vanished file: say so, try again next time
                log.exception("sqlite: the WAL checkpoint failed")

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the thread (after a checkpoint under way); tell whether it has ended. The
        process's commits checkpoint at SQLite's default again."""
        inline_checkpoint_at(self.engine, None)
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)
        with _lock:
            key = (os.getpid(), id(self.engine))
            if _running.get(key) is self:
                del _running[key]
        return not self.is_alive()


def checkpoint(engine: Engine) -> tuple[int, int, int]:
    """Copy the WAL's committed pages into the database file, PASSIVE (no waiting on
    readers or writers); return SQLite's (busy, frames in the WAL, frames checkpointed)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, frames, copied = cursor.fetchone()
            return busy, frames, copied
        finally:
            cursor.close()
    finally:
        connection.close()


def running(engine: Engine) -> Checkpointer | None:
    """Return the checkpointer of `engine` running in this process, if any."""
    thread = _running.get((os.getpid(), id(engine)))
    return thread if thread is not None and thread.is_alive() else None


def start_for_app(app) -> Checkpointer | None:
    """Start the checkpointer of the app's database in this process (gunicorn.conf.py
    does, in each worker), every SQLITE_CHECKPOINT_SECONDS; None where there is none."""
    with app.app_context():
        engine = db.engine
    return start_checkpointer(engine, float(app.config["SQLITE_CHECKPOINT_SECONDS"]),
                              int(app.config["SQLITE_WAL_AUTOCHECKPOINT"]))


def start_checkpointer(engine: Engine, seconds: float,
                       bound_pages: int = 10_000) -> Checkpointer | None:
    """Start this process's checkpointer for the engine's SQLite file, once (again after
    a fork); None for PostgreSQL, an in-memory database, or `seconds` ≤ 0 (turned off)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" \
            or seconds <= 0:
        return None
    key = (os.getpid(), id(engine))
    with _lock:
        thread = _running.get(key)
        if thread is None or not thread.is_alive():
            thread = _running[key] = Checkpointer(engine, seconds, bound_pages)
            thread.start()
    return thread

"""`flask --app greetings worker`: Huey's consumer plus the scheduler-lease thread."""

from __future__ import annotations

import logging
import signal
import threading

from huey.consumer import Consumer
from sqlalchemy import event

from ..extensions import db
from .queue import queue_of
from .scheduler import LeaseScheduler, worker_identity

log = logging.getLogger(__name__)


class GracefulConsumer(Consumer):
    """Huey's consumer, except that SIGTERM, like Ctrl-C, lets the job at hand finish.

    (Huey makes one of the two signals an immediate stop; a delivery cut off halfway is
    sent again later, but there is no reason to cut it off.) A second signal stops at once.
    """

    def __init__(self, huey, **options):
        super().__init__(huey, **options)
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._signal_actions[signum] = (False, True)


def relax_sqlite_sync(app) -> None:
    """Let the worker's own SQLite commits skip the fsync (synchronous=NORMAL, WAL).

    Everything the worker writes can be redone: a claim or an outcome lost in a power
    cut means the event is sent again (at least once, same webhook-id), a lost periodic
    run is run again. In WAL mode NORMAL never corrupts the file, and the web server's
    connections keep their own setting (FULL by default) for what customers send.
    """
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _normal(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        engine.dispose()


def run_worker(app, threads: int) -> None:
    """Run jobs until Ctrl-C or SIGTERM; take part in the scheduler lease meanwhile."""
    relax_sqlite_sync(app)
    queue = queue_of(app)
    queue.worker_name = worker_identity()
    scheduler = LeaseScheduler(app, queue.worker_name, queue.catalog.PERIODIC, queue.enqueue)
    consumer = GracefulConsumer(
        queue.huey, workers=threads, worker_type="thread", periodic=False,
        scheduler_interval=1, initial_delay=0.02, backoff=1.5,
        max_delay=float(app.config["JOBS_POLL_SECONDS"]))
    thread = threading.Thread(target=scheduler.run, name="lease-scheduler", daemon=True)
    log.info("worker %s: %d thread(s), queue %s", queue.worker_name, threads, queue.describe())
    thread.start()
    try:
        consumer.run()
    finally:
        scheduler.stopping.set()
        thread.join(timeout=30)
        log.info("worker %s stopped", queue.worker_name)

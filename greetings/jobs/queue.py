"""The Huey queue of one app: SQLite in the instance folder, or Redis with REDIS_URL."""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


@cache
def _sqlite_queue_class():
    # Huey (and the redis client it loads) is imported on first use, not with every app:
    # it costs about a second of start-up on a busy machine, and most requests never queue.
    from huey import SqliteHuey
    from huey.storage import SqliteStorage

    class QueueStorage(SqliteStorage):
        """Huey's SQLite storage with synchronous=NORMAL instead of a sync per message.

        In WAL mode NORMAL never corrupts the file; a power cut may only lose the last
        messages, and a lost message only delays its work (the sweep finds what the
        database says is due). A sync per message would double the web request's fsyncs.
        """

        def _create_connection(self):
            connection = super()._create_connection()
            connection.execute("pragma synchronous=NORMAL")
            return connection

    return type("SqliteQueue", (SqliteHuey,), {"storage_class": QueueStorage})


class JobQueue:
    """The app's queue. Huey is built on first use, so apps that never enqueue pay nothing."""

    def __init__(self, app, catalog):
        self.app = app
        self.catalog = catalog
        # Who runs the jobs, in the records of periodic runs (the worker sets its own).
        self.worker_name = "web"
        self._huey = None
        self._tasks = {}
        self._lock = threading.Lock()

    @property
    def huey(self):
        """Return the Huey instance, with every job of the catalog registered on it."""
        with self._lock:
            if self._huey is None:
                self._huey, self._tasks = self._build()
            return self._huey

    def _build(self):
        config = self.app.config
        name = config["JOBS_QUEUE_NAME"]
        if config.get("REDIS_URL"):
            from huey import RedisHuey

            huey = RedisHuey(name, url=config["REDIS_URL"], results=False)
        else:
            huey = _sqlite_queue_class()(name, filename=str(self.sqlite_path), results=False)
        tasks = {job: huey.task(name=job)(self._in_app_context(job, func))
                 for job, func in self.catalog.jobs().items()}
        return huey, tasks

    @property
    def sqlite_path(self) -> Path:
        """Return where the SQLite queue lives (used when no REDIS_URL is set)."""
        return Path(self.app.instance_path) / self.app.config["JOBS_SQLITE_FILE"]

    def describe(self) -> str:
        """Say where the queue is, without any password."""
        url = self.app.config.get("REDIS_URL")
        if url:
            from redis.connection import parse_url

            parts = parse_url(url)
            return f"redis {parts.get('host', '?')}:{parts.get('port', 6379)}/{parts.get('db', 0)}"
        return f"sqlite {self.sqlite_path}"

    def _in_app_context(self, job, func):
        app = self.app

        def run(*args):
            with app.app_context():
                return func(*args)

        run.__name__ = run.__qualname__ = job.replace(".", "_").replace("-", "_")
        run.__module__ = func.__module__
        run.__doc__ = func.__doc__
        return run

    def enqueue(self, job: str, *args, delay: float | None = None) -> None:
        """Put a job on the queue, to run now or after `delay` seconds."""
        self.huey  # noqa: B018 (builds the queue and its tasks on first use)
        task = self._tasks[job]
        if delay:
            task.schedule(args, delay=delay)
        else:
            task(*args)

    def pending(self) -> int:
        """Return how many messages wait in the queue (not counting scheduled ones)."""
        return self.huey.pending_count()

    def flush(self) -> None:
        """Drop every message (tests and benchmarks only: nothing is lost, only delayed)."""
        self.huey.flush()


def init_app(app, catalog) -> None:
    """Give the app its queue; nothing connects until a job is enqueued.

    `catalog` lists the jobs (`jobs()`, `PERIODIC`, `periodic_job(name)`): greetings.tasks.
    """
    app.extensions["jobs"] = JobQueue(app, catalog)


def queue_of(app=None) -> JobQueue:
    """Return the queue of the app (the current one by default)."""
    return (app or current_app).extensions["jobs"]


def enqueue(job: str, *args, delay: float | None = None) -> None:
    """Put a job on the current app's queue."""
    queue_of().enqueue(job, *args, delay=delay)

"""SQLite's WAL is checkpointed by a worker's thread, not inside a request's COMMIT, and
never grows without bound (greetings/ops/checkpoints.py)."""

import os
import runpy
import time
import types
from pathlib import Path

import pytest
from sqlalchemy import text

from greetings.extensions import SQLITE_DEFAULT_AUTOCHECKPOINT, db
from greetings.ops.checkpoints import running, start_checkpointer, start_for_app
from tests.conftest import make_app, serve

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout=30.0):
    """Wait for condition() to hold (a busy machine may take its time); return it."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def autocheckpoint() -> int:
    """The wal_autocheckpoint of the connection a request would be handed."""
    value = db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
    db.session.rollback()
    db.session.close()
    return value


def write(rows: int, size: int = 2000) -> None:
    """Commit `rows` transactions of one row of notes each (a few pages every time)."""
    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_notes (body TEXT)"))
    db.session.commit()
    for _ in range(rows):
        db.session.execute(text("INSERT INTO bench_notes (body) VALUES (:body)"),
                           {"body": os.urandom(size // 2).hex()})
        db.session.commit()


@pytest.fixture
def small_wal_app(tmp_path, sqlite_url):
    """An app whose connections checkpoint past 64 pages while a checkpointer runs."""
    yield from serve(make_app(tmp_path, sqlite_url, SQLITE_WAL_AUTOCHECKPOINT=64,
                              SQLITE_CHECKPOINT_SECONDS=0.05))


def test_a_running_checkpointer_checkpoints_the_wal_and_stops_cleanly(small_wal_app):
    with small_wal_app.app_context():
        assert autocheckpoint() == SQLITE_DEFAULT_AUTOCHECKPOINT  # no thread yet: SQLite's
        thread = start_for_app(small_wal_app)
        try:
            assert thread is not None and running(db.engine) is thread
            assert start_for_app(small_wal_app) is thread  # one per process and database
            assert autocheckpoint() == 64  # the request connections' bound
            write(20)
            # Every frame the requests wrote is copied into the database file by the thread.
            assert wait_until(lambda: thread.last is not None and thread.last[1] > 0
                              and thread.last[1] == thread.last[2]), thread.last
        finally:
            assert thread.stop()
        assert not thread.is_alive() and running(db.engine) is None
        assert autocheckpoint() == SQLITE_DEFAULT_AUTOCHECKPOINT  # inline again
        again = start_for_app(small_wal_app)  # a new one can start after a stop
        try:
            assert again is not thread and again.is_alive()
        finally:
            assert again.stop()


def test_the_wal_stays_bounded_when_the_checkpointer_falls_behind(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, SQLITE_WAL_AUTOCHECKPOINT=64,
                   SQLITE_CHECKPOINT_SECONDS=3600)  # a thread that never gets to it
    wal = Path(sqlite_url.removeprefix("sqlite:///") + "-wal")
    with app.app_context():
        thread = start_for_app(app)
        try:
            write(400)  # ~1,000 pages of WAL without a checkpoint
            assert thread.last is None  # the thread did nothing: the bound did it all
            page = db.session.execute(text("PRAGMA page_size")).scalar_one()
            db.session.close()
            # 64 pages and the frames of the commit that passed them (SQLite's own
            # checkpoint runs in that commit and the next writer starts the WAL over).
            assert 0 < wal.stat().st_size <= (64 + 16) * (page + 24) + 32, wal.stat().st_size
        finally:
            assert thread.stop()
        db.engine.dispose()


def test_nothing_starts_without_sqlite_or_when_turned_off(any_app, tmp_path):
    with any_app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert start_checkpointer(db.engine, 0) is None
        else:
            assert start_for_app(any_app) is None  # PostgreSQL checkpoints itself
        assert running(db.engine) is None
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1


def test_gunicorn_starts_the_checkpointer_in_each_worker(small_wal_app, tmp_path,
                                                        monkeypatch):
    """gunicorn.conf.py's post_worker_init starts it beside the spool applier."""
    # Reading the settings sets these two: they are put back after the test.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv("GREETINGS_SERVER_WORKERS", "1")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    conf["post_worker_init"](types.SimpleNamespace(wsgi=small_wal_app))
    with small_wal_app.app_context():
        thread = running(db.engine)
        try:
            assert thread is not None and thread.is_alive()
        finally:
            assert thread is None or thread.stop()

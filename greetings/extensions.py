"""Flask extensions, created unbound here and bound to the app in `init_app`."""

import fcntl
import os
from pathlib import Path

from flask import current_app, request, session
from flask_babel import Babel, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)
csrf = CSRFProtect()
login = LoginManager()
babel = Babel()

__all__ = ["babel", "commit_keeping_loaded", "csrf", "db", "get_locale",
           "hold_sqlite_write_lock", "inline_checkpoint_at", "limiter", "login", "migrate"]
_WRITE_LOCK = "sqlite_write_lock"
SQLITE_DEFAULT_AUTOCHECKPOINT = 1000  # SQLite's own: a commit past 1,000 WAL pages checkpoints
_inline_checkpoint: dict[tuple[int, int], int] = {}  # (pid, engine) → pages, see below


def select_locale():
    """Pick the page language: an explicit choice, then the browser's preference."""
    languages = request.args.get("lang"), session.get("lang")
    supported = current_app.config["LANGUAGES"]
    for choice in languages:
        if choice in supported:
            return choice
    return request.accept_languages.best_match(supported) or "en"


def init_app(app):
    """Bind every extension to the app."""
    db.init_app(app)
    # Batch mode: SQLite can only change a table by copying it, which Alembic does for us.
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    limiter.init_app(app)
    csrf.init_app(app)
    login.init_app(app)
    login.login_view = "staff.login"
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(
                db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["SQLITE_SYNCHRONOUS"]
            )


def _tune_sqlite(engine: Engine, busy_timeout_ms: int, synchronous: str):
    """Make every SQLite connection WAL, patient with writers, and strict on foreign keys."""
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be OFF/NORMAL/FULL/EXTRA, not {synchronous}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a 2xx to a webhook promises the order survives a power cut, so every commit
        # is synced. NORMAL (still crash-safe for the app) is an instance-config choice.
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    # When a connection is handed out, not when it is opened: one opened before a
    # checkpointer started (at the app's start) would go on checkpointing inside commits.
    # One PRAGMA per connection and change, not per request.
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        wanted = _inline_checkpoint.get((os.getpid(), id(engine)), SQLITE_DEFAULT_AUTOCHECKPOINT)
        if record.info.get("wal_autocheckpoint") != wanted:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(wanted)}")
            cursor.close()
            record.info["wal_autocheckpoint"] = wanted


def inline_checkpoint_at(engine: Engine, pages: int | None) -> None:
    """Let this process's SQLite connections of `engine` checkpoint the WAL inside a
    commit only past `pages` (None: at SQLite's default, 1,000), from their next checkout.

    A background checkpointer (greetings.ops.checkpoints) sets it while it runs: the
    request's COMMIT then no longer copies the WAL into the database file, and `pages`
    bounds the WAL should the thread fall behind.
    """
    key = (os.getpid(), id(engine))
    if pages is None:
        _inline_checkpoint.pop(key, None)
    else:
        _inline_checkpoint[key] = int(pages)


def commit_keeping_loaded() -> None:
    """Commit the request's session without expiring the rows it loaded or wrote.

    For a view that answers from the rows it has just committed: a plain commit expires
    them all, and the answer would load each one again (at a station's scan: the station,
    order, shipment and packer, four statements between Enter and the card).
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def hold_sqlite_write_lock(session: Session) -> Connection:
    """Queue this transaction behind other SQLite writers until it ends; return its connection.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps
    (1, 2, 5 … 100 ms), which is what stretched p99 under concurrent webhooks. A blocking
    flock wakes the next writer the moment the lock is free, across gunicorn workers. It is
    held until the transaction's commit or rollback, wherever that happens. Elsewhere
    (PostgreSQL) only the connection is returned.
    """
    connection = session.connection()
    if _WRITE_LOCK in session.info or connection.dialect.name != "sqlite":
        return connection
    database = connection.engine.url.database
    if not database or database == ":memory:":
        return connection
    descriptor = os.open(database + ".write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except BaseException:
        os.close(descriptor)
        raise
    session.info[_WRITE_LOCK] = descriptor
    return connection


@event.listens_for(Session, "after_transaction_end")
def _release_sqlite_write_lock(session: Session, transaction) -> None:
    # Only the outermost transaction: a savepoint ending leaves the writer's turn running.
    if transaction.parent is None:
        descriptor = session.info.pop(_WRITE_LOCK, None)
        if descriptor is not None:
            os.close(descriptor)  # closing releases the lock

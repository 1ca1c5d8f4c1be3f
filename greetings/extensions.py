"""Flask extensions, created unbound here and bound to the app in `init_app`."""

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
from sqlalchemy.engine import Engine

from .models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)
csrf = CSRFProtect()
login = LoginManager()
babel = Babel()

__all__ = ["babel", "csrf", "db", "get_locale", "limiter", "login", "migrate"]


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

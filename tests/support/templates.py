"""Migrated empty databases: the real migrations run once per engine, then copies are handed out.

Running every Alembic revision for each test costs about half a second on SQLite (more on
PostgreSQL), and most tests only need an empty database at head. So the migrations run
once per test session into a template (a SQLite file; a PostgreSQL database), and each
test gets a copy of it: the file copied, or `CREATE DATABASE … TEMPLATE`. The copy is the
very database the migrations made. `make_app` then skips its `upgrade` for a copy it is the
first to open, and runs it as before for any other database (one it made itself, or one
an earlier app already used).
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

# URLs of copies handed out that no app has opened yet.
_fresh: set[str] = set()
_sqlite_template: list[Path] = []


def migrate(database_url: str) -> None:
    """Run the real migrations on a database, with an app of its own."""
    from flask_migrate import upgrade

    from greetings import create_app
    from greetings.extensions import db

    folder = tempfile.mkdtemp(prefix="greetings-template-app-")
    try:
        app = create_app({"TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "template",
                          "SQLALCHEMY_DATABASE_URI": database_url})
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sqlite_template() -> Path:
    """Return the migrated SQLite file of this process, made on first use."""
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="greetings-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "head.sqlite"
        migrate(f"sqlite:///{path}")
        # Fold the write-ahead log into the file, so the file alone is the database.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        _sqlite_template.append(path)
    return _sqlite_template[0]


def copy_sqlite(database_url: str) -> bool:
    """Put a migrated copy at a SQLite URL whose file does not exist yet; say if it did."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    path = Path(url.database)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template(), path)
    return True


def postgres_copy(server, name: str) -> str:
    """Create database `name` on the server as a copy of its migrated template; its URL."""
    template = getattr(server, "migrated_template", None)
    if template is None:
        template = "greetings_head"
        server.create_database(template)
        migrate(server.url(template))
        server.migrated_template = template
    url = server.create_database(name, template=template)
    _fresh.add(url)
    return url


def take_fresh(database_url: str) -> bool:
    """Whether the URL is a migrated copy nobody opened yet (asking uses that up)."""
    if database_url in _fresh:
        _fresh.discard(database_url)
        return True
    return False


def migrated_copy(database_url: str) -> bool:
    """Make the database at the URL a migrated copy if that is possible; say if it is one."""
    return take_fresh(database_url) or copy_sqlite(database_url)

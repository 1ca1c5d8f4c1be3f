"""Fixtures: an app on a real SQLite file or a real PostgreSQL, migrated for real."""

import os
import uuid

import pytest
from flask_migrate import upgrade

from greetings import create_app
from greetings.commands import add_integration
from greetings.extensions import db
from tests.support.servers import PostgresServer, postgres_bindir
from tests.support.webhooks import SHOPIFY_SECRET, STANDARD_SECRET, WOO_SECRET

IN_CI = os.environ.get("CI") == "true"


def need(condition, reason):
    """Skip a test whose tool is missing; in CI a missing tool is a failure instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must have this: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server started for this test session (initdb, free port)."""
    need(postgres_bindir() is not None, "PostgreSQL server binaries (initdb) are not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The database URL of a fresh database, once on each engine we support."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'greetings.sqlite'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def sqlite_url(tmp_path):
    """The URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'greetings.sqlite'}"


def make_app(instance_path, database_url, **config):
    """Build a migrated app on the given database."""
    app = create_app({"TESTING": True, "PUBLIC_BASE_URL": "https://greet.test",
                      "INSTANCE_PATH": str(instance_path),
                      "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test",
                      **config})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


@pytest.fixture
def app(tmp_path, sqlite_url):
    """The app on a real SQLite file, migrated with the real migrations."""
    app = make_app(tmp_path, sqlite_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def any_app(tmp_path, db_url):
    """The app on each database engine in turn."""
    app = make_app(tmp_path, db_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def integrations(app):
    """One integration of each kind, with the fixtures' secrets."""
    return make_integrations(app)


def make_integrations(app):
    """Create erp (standard), shop (shopify) and woo (woocommerce) on the app's database."""
    with app.app_context():
        add_integration("erp", "standard", STANDARD_SECRET)
        add_integration("shop", "shopify", SHOPIFY_SECRET)
        add_integration("woo", "woocommerce", WOO_SECRET, language="nb")
    return {"standard": "erp", "shopify": "shop", "woocommerce": "woo"}

"""Fixtures: an app on a real SQLite file or a real PostgreSQL, migrated for real."""

import importlib
import os
import shutil
import uuid

import pytest
from flask_migrate import upgrade

from greetings import create_app
from greetings.api.tokens import create_token
from greetings.extensions import db
from greetings.intake.integrations import add_integration
from tests.support.browser import PRINT_STUB
from tests.support.servers import PostgresServer, RedisServer, postgres_bindir
from tests.support.templates import migrated_copy, postgres_copy
from tests.support.webhooks import SHOPIFY_SECRET, STANDARD_SECRET, WOO_SECRET

IN_CI = os.environ.get("CI") == "true"


def need(condition, reason):
    """Skip a test whose tool is missing; in CI a missing tool is a failure instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must have this: {reason}")
        pytest.skip(reason)


def require(module_name):
    """Import a test-only module, skipping (failing in CI) when it is not installed."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        need(False, f"the Python module {module_name} is not installed")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server started for this test session (initdb, free port)."""
    need(postgres_bindir() is not None, "PostgreSQL server binaries (initdb) are not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server started for this test session (Debian's binary, free port)."""
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The database URL of a fresh database, once on each engine we support."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'greetings.sqlite'}"
    server = request.getfixturevalue("postgres")
    return postgres_copy(server, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def sqlite_url(tmp_path):
    """The URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'greetings.sqlite'}"


def make_app(instance_path, database_url, **config):
    """Build a migrated app on the given database.

    A new SQLite file, or a database from `postgres_copy`, is a copy of the session's
    migrated template (tests/support/templates.py); any other database is migrated here.
    """
    migrated = migrated_copy(database_url)
    app = create_app({"TESTING": True, "PUBLIC_BASE_URL": "https://greet.test",
                      "INSTANCE_PATH": str(instance_path),
                      "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test",
                      **config})
    if not migrated:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
    return app


def serve(app):
    """Yield the app, then close its database connections."""
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, sqlite_url):
    """The app on a real SQLite file, migrated with the real migrations."""
    yield from serve(make_app(tmp_path, sqlite_url))


@pytest.fixture
def any_app(tmp_path, db_url):
    """The app on each database engine in turn."""
    yield from serve(make_app(tmp_path, db_url))


def make_token(app, name="test"):
    """Store a new API token on the app's database and return it."""
    with app.app_context():
        token = create_token(name)
        db.session.commit()
    return token


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
        add_integration("erp", "standard", STANDARD_SECRET, None, "en")
        add_integration("shop", "shopify", SHOPIFY_SECRET, None, "en")
        add_integration("woo", "woocommerce", WOO_SECRET, "nb", "en")
        db.session.commit()
    return {"standard": "erp", "shopify": "shop", "woocommerce": "woo"}


CHROMIUM = "/usr/bin/chromium"
# Flags a headless Chromium needs as root in a sandbox with no network but loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    need(os.path.exists(CHROMIUM), "Debian's chromium is not installed (/usr/bin/chromium)")
    sync_api = require("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page (own cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(script=PRINT_STUB)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_server(tmp_path):
    """The real app under gunicorn on a fresh SQLite file, for browser tests."""
    server = start_live_server(tmp_path)
    yield server
    server.stop()


def start_live_server(tmp_path, **extra_env):
    """Start the app under gunicorn (two workers) on a new copy of the migrated database."""
    from tests.support.servers import GunicornServer

    instance = tmp_path / "live-instance"
    server = GunicornServer(instance, f"sqlite:///{instance / 'greetings.sqlite'}", workers=2,
                            extra_env={"GREETINGS_SECRET_KEY": "live-test", **extra_env})
    # The QR codes must lead back to this very server.
    server.env["GREETINGS_PUBLIC_BASE_URL"] = server.base_url
    return server.start()

"""Greetings: a personal, signed card in every parcel, with a QR code back to its packer."""

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, defaults, errors, extensions, jobs, ops, security, tasks
from .ops.settings import check_at_start

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the app: defaults, instance config, GREETINGS_* env, then test overrides."""
    instance_path = (
        (test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("GREETINGS_INSTANCE_PATH")
        or str(ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("GREETINGS")
    app.config.update(test_config or {})
    os.makedirs(app.instance_path, exist_ok=True)
    _derive_settings(app)
    ops.logs.configure_logging(app.config["LOG_LEVEL"])
    check_at_start(app)

    extensions.init_app(app)
    ops.init_app(app)
    jobs.init_app(app, tasks)
    from . import admin, api, feedback, insight, intake, staff, station, system, ui

    for blueprint in (system.bp, ui.bp, intake.bp, api.bp, staff.bp, station.bp, feedback.bp,
                      admin.bp, insight.bp):
        app.register_blueprint(blueprint)
    # Machines authenticate by signature or Bearer token, not by a browser session.
    extensions.csrf.exempt(intake.bp)
    extensions.csrf.exempt(api.bp)
    # Webhooks have no rate limit (a signed delivery must never be refused for its rate);
    # exempting the blueprint also skips the limiter's per-request work.
    extensions.limiter.exempt(intake.bp)
    security.init_app(app)
    app.context_processor(lambda: {"current_lang": str(extensions.get_locale() or "en")})
    errors.init_app(app)
    cli.init_app(app)
    return app


def _derive_settings(app):
    """Turn the documented settings into the names Flask and its extensions read."""
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'greetings.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["WEBHOOK_MAX_BYTES"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if str(app.config["PUBLIC_BASE_URL"]).startswith("https://"):
        # Served over TLS: session and CSRF cookies must never travel in clear.
        app.config["SESSION_COOKIE_SECURE"] = True
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        # Several app servers must count against one store; the job queue's Redis is one.
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        # Rate limits and logs need the client's address, not the load balancer's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _engine_options(config) -> dict:
    """Engine options with the ones production depends on enforced."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Bound values are customers' names and tokens: never in an error message or a log.
    options["hide_parameters"] = True
    # A connection that died with a database restart is replaced, not handed to a request.
    options.setdefault("pool_pre_ping", True)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # An unreachable host must fail a request in seconds (it answers 503), not hang it.
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", int(config["DATABASE_CONNECT_TIMEOUT"]))
        options["connect_args"] = connect_args
    return options


def normalise_database_url(url):
    """Point plain postgres URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key(instance_path):
    """Read the deployment's random key from the instance folder, making it once."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()

"""The command line of PRODUCT.md: `flask --app greetings <command>`."""

import base64
import secrets

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from .api.tokens import create_token
from .extensions import db
from .intake.signatures import is_valid_standard_secret
from .models import Delivery, Integration, IntegrationKind, IntegrationSecret


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or migrate the schema; safe to run again."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")


integration = AppGroup("integration", help="Manage the senders of orders.")


@integration.command("add")
@click.argument("slug")
@click.option("--kind", type=click.Choice([k.value for k in IntegrationKind]), required=True)
@click.option("--secret", help="signing secret; one is made up when left out")
@click.option("--language", default=None, help="language of orders that carry none")
def integration_add(slug, kind, secret, language):
    """Add an integration, or another secret to it (rotation: both stay valid)."""
    if kind == IntegrationKind.STANDARD:
        secret = secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        if not is_valid_standard_secret(secret):
            raise click.BadParameter("a standard secret is whsec_ and base64 of >= 16 bytes")
    secret = secret or secrets.token_urlsafe(32)
    found = add_integration(slug, kind, secret, language)
    click.echo(f"integration {found.slug} ({found.kind}) has {len(found.secrets)} secret(s)")
    click.echo(f"webhook URL: {current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/webhooks/{slug}")


def add_integration(slug, kind, secret, language=None) -> Integration:
    """Create the integration or add a secret to it; raise ClickException on a kind clash."""
    if not slug.replace("-", "").replace("_", "").isalnum() or len(slug) > 64:
        raise click.BadParameter("a slug is up to 64 letters, digits, - and _")
    found = db.session.execute(
        select(Integration).where(Integration.slug == slug)).scalar_one_or_none()
    if found is None:
        found = Integration(slug=slug, kind=kind,
                            default_language=language or current_app.config["DEFAULT_LANGUAGE"])
        db.session.add(found)
    elif found.kind != kind:
        raise click.ClickException(f"{slug} is a {found.kind} integration, not {kind}")
    elif language:
        found.default_language = language
    if secret not in [s.secret for s in found.secrets]:
        found.secrets.append(IntegrationSecret(secret=secret))
    db.session.commit()
    return found


@integration.command("remove-secret")
@click.argument("slug")
@click.option("--secret", required=True)
def integration_remove_secret(slug, secret):
    """Stop accepting one secret (the end of a rotation)."""
    found = db.session.execute(
        select(IntegrationSecret).join(Integration)
        .where(Integration.slug == slug, IntegrationSecret.secret == secret)
    ).scalar_one_or_none()
    if found is None:
        raise click.ClickException("no such secret on that integration")
    db.session.delete(found)
    db.session.commit()
    click.echo("secret removed")


@integration.command("list")
def integration_list():
    """List the integrations."""
    for found in db.session.execute(select(Integration).order_by(Integration.slug)).scalars():
        click.echo(f"{found.slug}\t{found.kind}\t{len(found.secrets)} secret(s)\t"
                   f"default language {found.default_language}")


@integration.command("log")
@click.argument("slug")
@click.option("--limit", default=20, show_default=True)
def integration_log(slug, limit):
    """Show the last deliveries to SLUG and what became of each."""
    rows = db.session.execute(
        select(Delivery).where(Delivery.slug == slug)
        .order_by(Delivery.received_at.desc(), Delivery.id.desc()).limit(limit)
    ).scalars().all()
    if not rows:
        click.echo(f"no deliveries to {slug} yet")
    for row in rows:
        line = f"{row.received_at:%Y-%m-%d %H:%M:%S}  {row.status_code}  {row.outcome:<20}"
        line += f" {row.topic or '-':<18} {row.body_bytes:>8} B"
        if row.detail:
            line += f"  {row.detail}"
        click.echo(line)
        for error in row.errors or []:
            click.echo(f"      {error.get('field')}: {error.get('message')}")


token = AppGroup("token", help="Manage API tokens.")


@token.command("add")
@click.argument("name")
def token_add(name):
    """Print a new API token (shown once, stored hashed)."""
    click.echo(create_token(name))


def init_app(app):
    """Register the commands."""
    from .demo import demo
    from .packers_cli import COMMANDS
    from .privacy import purge_command
    from .staff.cli import user

    for command in (init_db, integration, token, demo, user, purge_command, *COMMANDS):
        app.cli.add_command(command)

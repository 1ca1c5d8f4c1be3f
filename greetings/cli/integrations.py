"""`integration add|remove-secret|list|log|refusals`: the senders of orders."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..intake import deliveries
from ..intake.integrations import IntegrationRefused, add_integration, new_secret, remove_secret
from ..models import Integration, IntegrationKind, utcnow

integration = AppGroup("integration", help="Manage the senders of orders.")


@integration.command("add")
@click.argument("slug")
@click.option("--kind", type=click.Choice([k.value for k in IntegrationKind]), required=True)
@click.option("--secret", help="signing secret; one is made up when left out")
@click.option("--language", default=None, help="language of orders that carry none")
def integration_add(slug, kind, secret, language):
    """Add an integration, or another secret to it (rotation: both stay valid)."""
    try:
        found = add_integration(slug, kind, secret or new_secret(kind), language,
                                current_app.config["DEFAULT_LANGUAGE"])
    except IntegrationRefused as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"integration {found.slug} ({found.kind}) has {len(found.secrets)} secret(s)")
    click.echo(f"webhook URL: {current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/webhooks/{slug}")


@integration.command("remove-secret")
@click.argument("slug")
@click.option("--secret", required=True)
def integration_remove_secret(slug, secret):
    """Stop accepting one secret (the end of a rotation)."""
    if not remove_secret(slug, secret):
        raise click.ClickException("no such secret on that integration")
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
@click.option("--days", default=7, show_default=True,
              help="days of refusals (401, 404) to show, which are counted, not logged")
def integration_log(slug, limit, days):
    """Show the last deliveries to SLUG and what became of each."""
    rows = deliveries.latest(slug, limit)
    counted = deliveries.tallies(slug, utcnow().date() - timedelta(days=days - 1))
    if not rows and not counted:
        click.echo(f"no deliveries to {slug} yet")
    for row in rows:
        line = f"{row.received_at:%Y-%m-%d %H:%M:%S}  {row.status_code}  {row.outcome:<20}"
        line += f" {row.topic or '-':<18} {row.body_bytes:>8} B"
        if row.detail:
            line += f"  {row.detail}"
        click.echo(line)
        for error in row.errors or []:
            click.echo(f"      {error.get('field')}: {error.get('message')}")
    _echo_tallies(counted)


@integration.command("refusals")
@click.option("--days", default=7, show_default=True)
def integration_refusals(days):
    """Show the requests refused as 401 or 404 (counted per slug and day, with samples).

    Requests to slugs that name no integration are counted together, as "(unknown slug)".
    """
    counted = deliveries.tallies(None, utcnow().date() - timedelta(days=days - 1))
    if not counted:
        click.echo(f"no refused requests in the last {days} day(s)")
    _echo_tallies(counted)


def _echo_tallies(counted):
    if counted:
        click.echo("refused as 401/404, counted per day (the last few kept as samples):")
    for tally in counted:
        slug = tally.slug or "(unknown slug)"
        click.echo(f"{tally.day:%Y-%m-%d}  {slug}  {tally.outcome}  x{tally.count}  "
                   f"(first {tally.first_at:%H:%M:%S}, last {tally.last_at:%H:%M:%S})")
        for sample in tally.samples or []:
            asked = f" /webhooks/{sample.get('slug')}" if not tally.slug else ""
            click.echo(f"      {sample.get('at', '')[11:]}  {sample.get('status')}{asked}  "
                       f"{sample.get('detail') or ''}")

"""`webhook add|list|remove|enable|log|dead|resend`: where feedback events go (the CRM)."""

import click
from flask.cli import AppGroup

from ..errors import ProblemError
from ..extensions import db
from ..outbound import service
from ..outbound.outbox import EVENT_TYPES

webhook = AppGroup("webhook", help="Manage outbound endpoints (signed feedback events).")


def _fail(error: ProblemError):
    db.session.rollback()
    raise click.ClickException(error.detail or error.title) from error


@webhook.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, type=click.Choice(EVENT_TYPES),
              help="an event to send (repeat it; default: every event)")
def webhook_add(url, events):
    """Add an endpoint; print its id and its signing secret (shown only now)."""
    try:
        endpoint = service.add_endpoint(url, events)
    except ProblemError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"endpoint {endpoint.id}: {endpoint.url}")
    click.echo(f"events: {', '.join(endpoint.events) or 'all'}")
    click.echo(f"secret: {endpoint.secret}")


@webhook.command("list")
def webhook_list():
    """List the endpoints with their pending, delivered and dead events."""
    summaries = service.list_endpoints()
    if not summaries:
        click.echo("no outbound endpoints")
    for item in summaries:
        endpoint = item.endpoint
        state = "active" if endpoint.active else f"disabled ({endpoint.disabled_reason})"
        click.echo(f"{endpoint.id}\t{endpoint.url}\t{','.join(endpoint.events) or 'all'}\t"
                   f"{state}\tpending {item.pending}, delivered {item.delivered}, "
                   f"dead {item.dead}")


@webhook.command("remove")
@click.argument("endpoint_id", type=int)
def webhook_remove(endpoint_id):
    """Remove an endpoint, its unsent events and its delivery log."""
    try:
        service.remove_endpoint(endpoint_id)
    except ProblemError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"endpoint {endpoint_id} removed")


@webhook.command("enable")
@click.argument("endpoint_id", type=int)
def webhook_enable(endpoint_id):
    """Send to an endpoint that was disabled (by a 410 answer) again."""
    try:
        service.enable_endpoint(endpoint_id)
    except ProblemError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"endpoint {endpoint_id} enabled; `webhook resend --endpoint {endpoint_id}` "
               "sends its dead letters again")


@webhook.command("log")
@click.argument("endpoint_id", type=int)
@click.option("--limit", default=20, show_default=True)
def webhook_log(endpoint_id, limit):
    """Show the endpoint's last delivery attempts and what the receiver answered."""
    try:
        attempts = service.delivery_log(endpoint_id, limit)
    except ProblemError as error:
        _fail(error)
    if not attempts:
        click.echo(f"no deliveries to endpoint {endpoint_id} yet")
    for attempt in attempts:
        event = attempt.event
        click.echo(f"{attempt.attempted_at:%Y-%m-%d %H:%M:%S}  {event.webhook_id}  "
                   f"{event.type:<18} {attempt.outcome:<9} {attempt.status_code or '-':>3} "
                   f"{attempt.duration_ms:>6} ms  {attempt.error or ''}".rstrip())


@webhook.command("dead")
@click.option("--endpoint", "endpoint_id", type=int, default=None, help="only this endpoint")
def webhook_dead(endpoint_id):
    """List dead-lettered events (given up on after the retry window)."""
    events = service.dead_letters(endpoint_id)
    if not events:
        click.echo("no dead letters")
    for event in events:
        click.echo(f"{event.webhook_id}  endpoint {event.endpoint_id}  {event.type:<18} "
                   f"dead since {event.dead_at:%Y-%m-%d %H:%M:%S}  after {event.attempts} "
                   f"attempt(s): {event.last_error or event.last_status}")


@webhook.command("resend")
@click.argument("event", required=False)
@click.option("--endpoint", "endpoint_id", type=int, default=None,
              help="send every dead letter of this endpoint again")
def webhook_resend(event, endpoint_id):
    """Send a dead-lettered event (msg_… id) again, with the same webhook-id."""
    if (event is None) == (endpoint_id is None):
        raise click.UsageError("give an event id, or --endpoint ID")
    try:
        if event is not None:
            found = service.resend(event)
            count, label = 1, found.webhook_id
        else:
            count = service.resend_dead(endpoint_id)
            label = f"dead letter(s) of endpoint {endpoint_id}"
    except ProblemError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"queued again: {count if endpoint_id else ''} {label}".replace("  ", " "))

"""`purge`: apply the retention policy."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..privacy import purge


@click.command("purge")
@click.option("--days", type=int, default=None, help="override RETENTION_DAYS")
@with_appcontext
def purge_command(days):
    """Apply the retention policy (default: RETENTION_DAYS, 180)."""
    retention = days if days is not None else int(current_app.config["RETENTION_DAYS"])
    counts = purge(retention)
    db.session.commit()
    click.echo(f"purged {counts['orders']} order(s) older than {retention} days: "
               f"{counts['items']} item line(s), {counts['deliveries']} logged delivery(ies), "
               f"{counts['refusal_days']} day(s) of refusal counts, "
               f"{counts['comments']} comment text(s), {counts['notes']} follow-up note(s)")

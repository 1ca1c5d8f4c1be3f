"""`init-db` and `token add`: the schema, and the API tokens of machines."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from ..api.scopes import SCOPES
from ..api.tokens import TokenInvalid, create_token
from ..extensions import db


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or migrate the schema; safe to run again."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")


token = AppGroup("token", help="Manage API tokens.")


@token.command("add")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="what the token may do; repeat for several (default: pack and "
                   "feedback:read; packers:write includes packers:read)")
def token_add(name, scopes):
    """Print a new API token (shown once, stored hashed; console: Access > API tokens)."""
    try:
        token = create_token(name, scopes or None)
    except TokenInvalid as error:
        raise click.BadParameter(error.detail) from error
    db.session.commit()
    click.echo(token)

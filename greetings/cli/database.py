"""`init-db` and `token add`: the schema, and the API tokens of machines."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from ..api.tokens import create_token
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
def token_add(name):
    """Print a new API token (shown once, stored hashed)."""
    token = create_token(name)
    db.session.commit()
    click.echo(token)

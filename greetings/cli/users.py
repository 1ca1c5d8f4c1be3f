"""`user add EMAIL --role admin|manager --password PASSWORD`."""

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..staff.service import ROLES, create_user

user = AppGroup("user", help="Manage staff logins.")


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", required=True, help="at least 10 characters; stored hashed")
def user_add(email, role, password):
    """Add a manager or admin login."""
    try:
        found = create_user(email, password, role)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    except IntegrityError as error:
        db.session.rollback()
        raise click.ClickException(f"{email} already has a login") from error
    click.echo(f"user {found.email} ({found.role}) added")

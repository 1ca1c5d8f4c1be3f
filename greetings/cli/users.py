"""`user add EMAIL --role admin|manager --password PASSWORD`."""

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Role
from ..staff.service import create_user

user = AppGroup("user", help="Manage staff logins.")


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--password", required=True, help="at least 10 characters; stored hashed")
def user_add(email, role, password):
    """Add a manager or admin login."""
    try:
        found = create_user(email, password, role)
        db.session.commit()
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    except IntegrityError as error:
        db.session.rollback()
        raise click.ClickException(f"{email} already has a login") from error
    click.echo(f"user {found.email} ({found.role}) added")

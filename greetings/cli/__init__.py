"""The command line of PRODUCT.md: `flask --app greetings <command>`.

One module per group of commands; each speaks click and calls the capability's service.
"""

from .database import init_db, token
from .demo import demo
from .integrations import integration
from .packers import greeting, packer, render
from .privacy import purge_command
from .users import user
from .webhooks import webhook
from .worker import worker

COMMANDS = (init_db, token, integration, demo, user, purge_command, packer, greeting, render,
            webhook, worker)


def init_app(app):
    """Register every command on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)

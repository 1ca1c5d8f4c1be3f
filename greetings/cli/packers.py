"""Command line for packers, greeting texts and cards (`packer`, `greeting`, `render`)."""

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import IntegrityError

from ..cards.greeting_texts import GreetingRefused, reset_greeting, save_greeting
from ..cards.renderer import PROFILES
from ..cards.service import card_pdf
from ..errors import ProblemError
from ..extensions import db
from ..models import Packer
from ..people.service import (
    COMMAND_LINE,
    BadgeTaken,
    PackerNotFound,
    add_packer,
    get_packer,
    lines_of,
    offboard,
    record_consent,
    set_lines,
    set_pin,
)
from ..people.signatures import SignatureRefused, set_signature
from ..station.service import OrderNotFound, find_order, shipment_of
from ..text import LANGUAGES

packer = AppGroup("packer", help="Manage packers.")
greeting = AppGroup("greeting", help="Manage the greeting texts of the cards.")


def read_image(path: str) -> bytes:
    """Read an image file for a signature, or fail with a message."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise click.ClickException(f"signature refused: {error}") from error


def parse_lines(values: tuple[str, ...]) -> dict[str, str]:
    """Read repeated --line LANG=TEXT options into {language: text}."""
    lines = {}
    for value in values:
        language, sep, text = value.partition("=")
        if not sep or language.strip() not in LANGUAGES:
            raise click.BadParameter(f"give LANG=TEXT with LANG one of {', '.join(LANGUAGES)}",
                                     param_hint="--line")
        lines[language.strip()] = text
    return lines


def _packer(packer_id: int) -> Packer:
    try:
        return get_packer(packer_id)
    except PackerNotFound as error:
        raise click.ClickException(error.detail) from error


def _commit_or_explain(action):
    """Run a service call and commit; a refusal becomes a clear message, never a traceback."""
    try:
        result = action()
        db.session.commit()
    except (ProblemError, IntegrityError) as error:
        db.session.rollback()
        if isinstance(error, IntegrityError):
            error = BadgeTaken("another packer has this badge")
        prefix = "signature refused: " if isinstance(error, SignatureRefused) else ""
        raise click.ClickException(prefix + (error.detail or error.title)) from error
    return result


@packer.command("add")
@click.argument("full_name")
@click.option("--display-name", required=True, help="the name customers see")
@click.option("--badge", required=True, help="the code their badge scans as")
@click.option("--signature", "signature_path", type=click.Path(exists=True, dir_okay=False),
              help="a scan or photo of their signature; adding it records their consent")
@click.option("--line", "lines", multiple=True, metavar="LANG=TEXT",
              help="their own line on cards in LANG (da, en, de, sv, nb); repeat per language")
@click.option("--pin", default=None, help="4 to 8 digits for signing in without the badge")
def packer_add(full_name, display_name, badge, signature_path, lines, pin):
    """Add a packer and print their id (console: People > Add a packer)."""
    lines = parse_lines(lines)
    raw = read_image(signature_path) if signature_path else None

    def add():
        found = add_packer(full_name, display_name, badge, lines=lines, pin=pin)
        if raw is not None:
            set_signature(found, raw)
            db.session.flush()
            record_consent(found, True, COMMAND_LINE)
        return found

    click.echo(_commit_or_explain(add).id)


@packer.command("set-pin")
@click.argument("packer_id", type=int)
@click.option("--pin", required=True)
def packer_set_pin(packer_id, pin):
    """Set a packer's station PIN (console: the packer's page, PIN)."""
    found = _packer(packer_id)
    _commit_or_explain(lambda: set_pin(found, pin))
    click.echo(f"PIN set for {found.display_name}")


@packer.command("line")
@click.argument("packer_id", type=int)
@click.argument("lines", nargs=-1, required=True, metavar="LANG=TEXT…")
def packer_line(packer_id, lines):
    """Set a packer's own line per language; LANG= with no text removes it."""
    found = _packer(packer_id)
    _commit_or_explain(lambda: set_lines(found, parse_lines(lines)))
    click.echo(f"lines of {found.display_name}: {', '.join(sorted(lines_of(found))) or 'none'}")


@packer.command("consent")
@click.argument("packer_id", type=int)
@click.option("--revoke", is_flag=True, help="no new card carries the signature")
def packer_consent(packer_id, revoke):
    """Give or revoke a packer's consent to print their signature."""
    found = _packer(packer_id)
    _commit_or_explain(lambda: record_consent(found, not revoke, COMMAND_LINE))
    click.echo(f"signature {'off' if revoke else 'on'} for new cards of {found.display_name}")


@packer.command("offboard")
@click.argument("packer_id", type=int)
@click.confirmation_option(prompt="Delete the signature, full name, badge, PIN and lines?")
def packer_offboard(packer_id):
    """Offboard a packer: signature, full name, badge, PIN and lines deleted; display name kept."""
    found = _packer(packer_id)
    _commit_or_explain(lambda: offboard(found))
    click.echo(f"{found.display_name} offboarded")


@greeting.command("set")
@click.argument("language", type=click.Choice(LANGUAGES))
@click.argument("file", type=click.File(encoding="utf-8"))
def greeting_set(language, file):
    """Replace the greeting template of LANGUAGE with FILE (Jinja: first_name, packer…).

    It is stored only if it renders, within the sandbox's bounds, for every sample order.
    """
    try:
        save_greeting(language, file.read())
    except GreetingRefused as error:
        db.session.rollback()
        lines = "\n".join(f"  {problem.describe()}" for problem in error.problems)
        raise click.ClickException(f"the template was not saved:\n{lines}") from error
    db.session.commit()
    click.echo(f"greeting for {language} saved")


@greeting.command("reset")
@click.argument("language", type=click.Choice(LANGUAGES))
def greeting_reset(language):
    """Go back to the shipped greeting text of LANGUAGE."""
    had_own = reset_greeting(language)
    db.session.commit()
    click.echo(f"greeting for {language} is the default" + ("" if had_own else " already"))


@click.command("render")
@click.argument("order_number")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--profile", type=click.Choice(list(PROFILES)), default=None)
@with_appcontext
def render(order_number, out, profile):
    """Write the card of a packed order to a PDF file."""
    try:
        order = find_order(order_number)
    except OrderNotFound as error:
        raise click.ClickException(error.detail) from error
    shipment = shipment_of(order)
    if shipment is None:
        raise click.ClickException(f"order {order.number} has not been packed yet")
    Path(out).write_bytes(card_pdf(shipment.card, profile))
    click.echo(f"wrote {out}")

"""Command line for packers, greeting texts and cards (`packer`, `greeting`, `render`)."""

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from ..cards.renderer import PROFILES, SignatureRejected, prepare_signature
from ..cards.service import card_pdf, check_greeting
from ..extensions import db
from ..models import GreetingText, Packer, utcnow
from ..station.service import OrderNotFound, badge_hash, find_order, shipment_of
from ..text import LANGUAGES

packer = AppGroup("packer", help="Manage packers.")
greeting = AppGroup("greeting", help="Manage the greeting texts of the cards.")


def read_signature(path: str) -> tuple[bytes, bytes]:
    """Prepare a signature image file for cards, or fail with the pipeline's reason."""
    try:
        return prepare_signature(Path(path).read_bytes())
    except (OSError, SignatureRejected) as error:
        raise click.ClickException(f"signature refused: {error}") from error


@packer.command("add")
@click.argument("full_name")
@click.option("--display-name", required=True, help="the name customers see")
@click.option("--badge", required=True, help="the code their badge scans as")
@click.option("--signature", "signature_path", type=click.Path(exists=True, dir_okay=False),
              help="a scan or photo of their signature; adding it records their consent")
@click.option("--line", default=None, help="their own line on the card")
@click.option("--pin", default=None, help="4 to 8 digits for signing in without the badge")
def packer_add(full_name, display_name, badge, signature_path, line, pin):
    """Add a packer and print their id."""
    signature, signature_1bit = read_signature(signature_path) if signature_path else (None, None)
    found = Packer(full_name=full_name.strip(), display_name=display_name.strip()[:60],
                   badge_hash=badge_hash(badge), own_line=line, signature_png=signature,
                   signature_1bit=signature_1bit, signature_consent=signature is not None,
                   pin_hash=pin_hash(pin) if pin else None)
    db.session.add(found)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise click.ClickException("another packer has this badge") from error
    click.echo(found.id)


def pin_hash(pin: str) -> str:
    """Return the stored form of a station PIN, refusing anything but 4 to 8 digits."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise click.BadParameter("a PIN is 4 to 8 digits")
    return generate_password_hash(pin)


@packer.command("set-pin")
@click.argument("packer_id", type=int)
@click.option("--pin", required=True)
def packer_set_pin(packer_id, pin):
    """Set a packer's station PIN."""
    found = db.session.get(Packer, packer_id)
    if found is None:
        raise click.ClickException(f"no packer {packer_id}")
    found.pin_hash, found.failed_sign_ins, found.locked_until = pin_hash(pin), 0, None
    db.session.commit()
    click.echo(f"PIN set for {found.display_name}")


@packer.command("consent")
@click.argument("packer_id", type=int)
@click.option("--revoke", is_flag=True, help="no new card carries the signature")
def packer_consent(packer_id, revoke):
    """Give or revoke a packer's consent to print their signature."""
    found = db.session.get(Packer, packer_id)
    if found is None:
        raise click.ClickException(f"no packer {packer_id}")
    found.signature_consent = not revoke
    db.session.commit()
    click.echo(f"signature {'off' if revoke else 'on'} for new cards of {found.display_name}")


@greeting.command("set")
@click.argument("language", type=click.Choice(LANGUAGES))
@click.argument("file", type=click.File(encoding="utf-8"))
def greeting_set(language, file):
    """Replace the greeting template of LANGUAGE with FILE (Jinja: first_name, packer…)."""
    template = file.read()
    try:
        check_greeting(template)
    except TemplateError as error:
        raise click.ClickException(f"the template does not render: {error}") from error
    stored = db.session.execute(
        select(GreetingText).where(GreetingText.language == language)).scalar_one_or_none()
    if stored is None:
        db.session.add(GreetingText(language=language, template=template))
    else:
        stored.template, stored.updated_at = template, utcnow()
    db.session.commit()
    click.echo(f"greeting for {language} saved")


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




"""`flask --app greetings demo`: a deployment to click around in, made idempotently."""

import contextlib
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..api.tokens import create_token
from ..cards.tokens import feedback_url
from ..extensions import db
from ..intake.integrations import add_integration, new_secret
from ..intake.payloads import ItemIn, OrderIn
from ..intake.store import DuplicateDelivery, upsert_order
from ..models import ApiToken, Integration, IntegrationKind, utcnow
from .demo_people import (
    DEMO_ADMIN,
    DEMO_MANAGER,
    DEMO_PACKERS,
    ensure_demo_packers,
    ensure_demo_staff,
    pack_demo_orders,
)

DEMO_ORDERS = [
    ("1001", "Søren", "Kjærgård", "da", "DK", [("Kaffebønner, mørk ristning 500 g", 2)]),
    ("1002", "Jürgen", "Weißmüller", "de", "DK", [("Espressokande", 1), ("Filtre", 3)]),
    ("1003", "Ingeborg Kristine Marie-Louise", "Aabakken-Sødergren Bjørnstad-Ødegård", "nb",
     "NO", [("Ullsokker i alpakka", 2)]),
    ("1004", "Astrid", "Lindqvist", "sv", "SE", [("Teburk i plåt", 1)]),
    ("1005", "Emma", "Clarke", "en", "GB", [("Cold brew bottle", 1)]),
    ("1006", None, None, "en", "US", [("Gift card", 1)]),
]


@click.command("demo")
@with_appcontext
def demo():
    """Load demo data (integrations, orders, packers, a manager, a station, an API token)."""
    erp = _integration("demo-erp", IntegrationKind.STANDARD)
    _integration("demo-shopify", IntegrationKind.SHOPIFY)
    _integration("demo-woo", IntegrationKind.WOOCOMMERCE)
    now = utcnow()
    for index, (number, first, last, language, country, items) in enumerate(DEMO_ORDERS):
        order = OrderIn(
            external_id=f"DEMO-{number}", number=number, first_name=first, last_name=last,
            language=language, shipping_country=country, placed_at=now - timedelta(hours=index),
            version=now - timedelta(days=1),
            items=[ItemIn(name=name, quantity=quantity) for name, quantity in items],
        )
        # A second run repeats the same delivery keys: nothing is stored twice.
        with contextlib.suppress(DuplicateDelivery):
            upsert_order(erp, order, f"demo:{number}", None, 0)
            db.session.commit()
    packers = ensure_demo_packers()
    ensure_demo_staff()
    # Half the demo orders are packed, so cards can be rendered at once.
    shipments = pack_demo_orders(packers, [number for number, *_ in DEMO_ORDERS[:3]])
    token = _demo_token()
    _print_welcome(token, feedback_url(shipments[0].card.token))


def _integration(slug, kind) -> Integration:
    found = db.session.execute(
        select(Integration).where(Integration.slug == slug)).scalar_one_or_none()
    if found is None:
        found = add_integration(slug, kind, new_secret(kind), None,
                                current_app.config["DEFAULT_LANGUAGE"])
        db.session.commit()
    return found


def _demo_token():
    exists = db.session.execute(
        select(ApiToken).where(ApiToken.name == "demo")).scalar_one_or_none()
    if exists:
        return None
    token = create_token("demo")
    db.session.commit()
    return token


def _print_welcome(token, first_feedback_url):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo("\nGreetings demo is ready.\n")
    click.echo(f"  Service:      {base}/")
    click.echo(f"  Health:       {base}/healthz")
    for found in db.session.execute(select(Integration).order_by(Integration.slug)).scalars():
        click.echo(f"  Webhook ({found.kind:<11}) {base}/webhooks/{found.slug}"
                   f"   secret: {found.secrets[0].secret}")
    click.echo(f"  Orders:       {len(DEMO_ORDERS)} demo orders, numbers "
               f"{DEMO_ORDERS[0][0]}-{DEMO_ORDERS[-1][0]}")
    click.echo(f"  Manager:      {base}/staff/login   {DEMO_MANAGER[0]} / {DEMO_MANAGER[1]}")
    click.echo(f"  Admin:        {base}/staff/login   {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}"
               "   (integrations, API tokens, outbound endpoints, staff users)")
    click.echo(f"  Station:      {base}/station/   (a manager sets the computer up once)")
    for full_name, display_name, badge, pin, *_ in DEMO_PACKERS:
        click.echo(f"  Packer:       {display_name} ({full_name}), badge {badge}, PIN {pin}")
    click.echo(f"  Cards:        flask --app greetings render {DEMO_ORDERS[0][0]} --out card.pdf")
    click.echo(f"  Feedback:     {first_feedback_url}   (what the card's QR code opens)")
    click.echo(f"  Moderation:   {base}/admin/feedback")
    if token:
        click.echo(f"  API token:    {token}   (shown once; `token add NAME` makes another)")
    else:
        click.echo("  API token:    'demo' was made on the first run; "
                   "`token add NAME` makes a new one")
    click.echo("  Delivery log: flask --app greetings integration log demo-erp\n")

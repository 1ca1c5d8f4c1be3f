"""Factories for the feedback tests: packed shipments, a customer's client with CSRF."""

import io
import os
import re
from itertools import count

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PIL import Image

from greetings.extensions import TRANSLATIONS, db, limiter
from greetings.models import Integration, Order, Packer, utcnow
from greetings.station.service import badge_hash, pack_order

_numbers = count(1042)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Compile the .po catalogs whose .mo is missing or older, as `make install` does.

    The .mo files are not in git; without them every page would silently be English.
    Written to a file of this process's own, then renamed over the .mo: another
    pytest-xdist worker (or a server it started) may be reading that .mo right now.
    """
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            own_path = mo_path.with_name(f"messages.mo.{os.getpid()}")
            with own_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            os.replace(own_path, mo_path)
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def signature_png() -> bytes:
    """Return a small signature-like PNG (black ink on transparent)."""
    image = Image.new("LA", (300, 90), (0, 0))
    for x in range(20, 280):
        image.putpixel((x, 45 + (x % 20) - 10), (0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def limiter_back_on():
    """Switch the shared Limiter on again after a test that built an app with it off.

    Flask-Limiter keeps `enabled` on the one module-level Limiter and a later app without
    RATELIMIT_ENABLED in its config inherits the last app's choice (see the report: a
    RATELIMIT_ENABLED = True default would end this).
    """
    yield
    limiter.enabled = True


def make_shipment(app, first_name="Søren", language="da-DK", packer=None,
                  display_name="Åse", consent=False):
    """Store an order and a packer, pack it, and return (token, packer id, order number)."""
    with app.app_context():
        integration = db.session.execute(
            db.select(Integration).where(Integration.slug == "test-erp")).scalar_one_or_none()
        if integration is None:
            integration = Integration(slug="test-erp", kind="standard")
            db.session.add(integration)
            db.session.flush()
        number = str(next(_numbers))
        order = Order(integration_id=integration.id, external_id=f"x{number}", number=number,
                      first_name=first_name, last_name="Lærkegård", language=language,
                      shipping_country="DK", version=utcnow())
        db.session.add(order)
        if packer is None:
            packer = Packer(full_name=f"{display_name} Nygaard", display_name=display_name,
                            badge_hash=badge_hash(f"B-{number}"), signature_consent=consent,
                            signature_png=signature_png() if consent else None)
            db.session.add(packer)
        else:
            packer = db.session.get(Packer, packer)
        db.session.commit()
        shipment = pack_order(order, packer)
        db.session.commit()
        return shipment.card.token, packer.id, number


@pytest.fixture
def shipment(app):
    """A packed order of Søren (Danish), packed by Åse."""
    token, packer_id, number = make_shipment(app)
    return {"token": token, "packer_id": packer_id, "number": number}


def csrf_token(html: str) -> str:
    """Return the CSRF token a feedback page carries."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_answer(client, token, rating="5", comment="", lang=None, csrf=True, **extra):
    """Open the page as the customer does, then send the form."""
    path = f"/f/{token}" + (f"?lang={lang}" if lang else "")
    data = {"rating": rating, "comment": comment, **extra}
    if csrf:
        data["csrf_token"] = csrf_token(client.get(path).get_data(as_text=True))
    return client.post(path, data=data)

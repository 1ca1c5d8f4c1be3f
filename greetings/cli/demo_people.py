"""Demo packers (one with a drawn signature) and a few packed demo orders."""

import io
import math

from PIL import Image, ImageDraw
from sqlalchemy import select

from ..extensions import db
from ..models import ConsentVia, Order, Packer, Role, Shipment, Station, User
from ..people.service import Actor, add_packer, badge_hash, record_consent
from ..people.signatures import set_signature
from ..staff.service import create_user
from ..station.service import pack_order
from ..station.stations import site_named, station_named

DEMO_PACKERS = [
    # full name, display name, badge, PIN, own lines, draws a signature
    ("Åse Marie Nygaard", "Åse", "DEMO-ASE", "1111",
     {"en": "I packed this with care.", "da": "Jeg har pakket det med omhu."}, True),
    ("Søren Holm", "Søren", "DEMO-SOREN", "2222", {}, False),
]
DEMO_MANAGER = ("manager@example.com", "demo-manager-1")
# Integrations, API tokens, outbound endpoints and staff users are the admin's pages.
DEMO_ADMIN = ("admin@example.com", "demo-admin-1")
DEMO_STATION = "Demo station"


def demo_signature() -> bytes:
    """Draw a pen-like squiggle as a phone photo of a signature would show it."""
    image = Image.new("RGB", (900, 300), (246, 243, 236))
    pen = ImageDraw.Draw(image)
    points = [(60 + x * 3, 150 + 60 * math.sin(x / 18) * math.exp(-x / 400) - x * 0.1)
              for x in range(0, 250)]
    pen.line(points, fill=(20, 30, 90), width=7, joint="curve")
    pen.line([(120, 210), (700, 190)], fill=(20, 30, 90), width=5)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def ensure_demo_packers() -> list[Packer]:
    """Create the demo packers once; return them."""
    packers = []
    for full_name, display_name, badge, pin, lines, signs in DEMO_PACKERS:
        found = db.session.execute(
            select(Packer).where(Packer.badge_hash == badge_hash(badge))).scalar_one_or_none()
        if found is None:
            found = add_packer(full_name, display_name, badge, lines=lines, pin=pin)
            if signs:
                set_signature(found, demo_signature())
                db.session.flush()
                record_consent(found, True, Actor("demo data", ConsentVia.CLI))
            db.session.commit()
        packers.append(found)
    return packers


def ensure_demo_staff() -> None:
    """Create the demo manager and admin logins and a demo station once."""
    for (email, password), role in ((DEMO_MANAGER, Role.MANAGER), (DEMO_ADMIN, Role.ADMIN)):
        if db.session.execute(
                select(User).where(User.email == email)).scalar_one_or_none() is None:
            create_user(email, password, role)
    if db.session.execute(
            select(Station).where(Station.name == DEMO_STATION)).scalar_one_or_none() is None:
        db.session.add(Station(name=DEMO_STATION, site=site_named("Demo warehouse")))
    db.session.commit()


def pack_demo_orders(packers: list[Packer], numbers: list[str]) -> list[Shipment]:
    """Pack the given demo orders, alternating packers (a reprint if already packed)."""
    shipments = []
    station = station_named(DEMO_STATION)
    for index, number in enumerate(numbers):
        order = db.session.execute(
            select(Order).where(Order.external_id == f"DEMO-{number}")).scalar_one()
        shipments.append(pack_order(order, packers[index % len(packers)], station))
    db.session.commit()
    return shipments

"""Factories for the insight tests: packers, stations, shipments and answers at chosen times.

Rows are written straight through the models (the pages only read them), so a test can
place a parcel on a Sunday night in Copenhagen or a year ago.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from itertools import count

from greetings.extensions import db
from greetings.models import Card, Feedback, Integration, Order, Packer, Shipment, Site, Station
from greetings.staff.service import create_user
from greetings.station.service import badge_hash

PASSWORD = "correct horse battery"
_numbers = count(5000)


SITES = {"Aarhus": "Europe/Copenhagen", "Malmö": "Europe/Stockholm"}


def make_world(app, stations=(("Bord 1", "Aarhus"), ("Bord 2", "Malmö"))):
    """Store an integration, the sites, the stations and two staff users; return the
    station names."""
    with app.app_context():
        db.session.add(Integration(slug="shop", kind="standard"))
        sites = {name: Site(name=name, time_zone=zone) for name, zone in SITES.items()}
        db.session.add_all(sites.values())
        db.session.flush()
        for name, site in stations:
            db.session.add(Station(name=name, site_id=sites[site].id))
        create_user("manager@example.com", PASSWORD, "manager")
        create_user("admin@example.com", PASSWORD, "admin")
        db.session.commit()
    return [name for name, _site in stations]


def make_packer(app, display_name, full_name=None) -> int:
    """Store a packer and return their id."""
    with app.app_context():
        packer = Packer(full_name=full_name or f"{display_name} Fuldnavn",
                        display_name=display_name, badge_hash=badge_hash(f"B-{display_name}"))
        db.session.add(packer)
        db.session.commit()
        return packer.id


def make_parcel(app, packer_id, packed_at, station="Bord 1", rating=None, comment=None,
                language="da", answered_at=None) -> int:
    """Store an order packed at `packed_at` (naive UTC), with an answer if `rating` is given.

    Returns the feedback id when answered, else the shipment id.
    """
    with app.app_context():
        integration = db.session.execute(
            db.select(Integration).where(Integration.slug == "shop")).scalar_one()
        number = str(next(_numbers))
        order = Order(integration_id=integration.id, external_id=number, number=number,
                      first_name="Søren", last_name="Kunde", language=language,
                      version=packed_at)
        db.session.add(order)
        where = db.session.execute(
            db.select(Station).where(Station.name == station)).scalar_one_or_none()
        db.session.flush()
        shipment = Shipment(order_id=order.id, packer_id=packer_id,
                            station_id=where.id if where else None,
                            site_id=where.site_id if where else None, packed_at=packed_at)
        db.session.add(shipment)
        db.session.flush()
        card = Card(shipment_id=shipment.id, packer_id=packer_id, station_id=shipment.station_id,
                    token=secrets.token_hex(16), created_at=packed_at, print_count=1)
        db.session.add(card)
        db.session.flush()
        result = shipment.id
        if rating is not None:
            at = answered_at or packed_at
            feedback = Feedback(card_id=card.id, rating=rating, comment=comment,
                                language=language, created_at=at, updated_at=at)
            db.session.add(feedback)
            db.session.flush()
            result = feedback.id
        db.session.commit()
        return result


def signed_in(app, email="manager@example.com"):
    """A test client with a staff user signed in."""
    client = app.test_client()
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def at(text: str) -> datetime:
    """Parse a naive UTC timestamp written as ISO text."""
    return datetime.fromisoformat(text)

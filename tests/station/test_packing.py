"""Recording a pack: one shipment per order, even when two stations scan it at once."""

import base64

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from greetings.extensions import db
from greetings.models import Card, Order, Packer, Shipment, Station
from greetings.station import service
from greetings.station.service import OrderNotPackable, badge_hash, find_order, pack_order
from tests.conftest import make_integrations
from tests.station.conftest import as_packer
from tests.support.webhooks import generic_body, standard_headers


@pytest.fixture
def two_packers(any_app):
    """An open order 8001, a cancelled order 8002, and two packers."""
    make_integrations(any_app)
    client = any_app.test_client()
    for order_id, status in (("8001", "open"), ("8002", "cancelled")):
        body = generic_body(order_id, status=status)
        assert client.post("/webhooks/erp", data=body,
                           headers=standard_headers(body)).status_code == 200
    with any_app.app_context():
        for name in ("Åse", "Bo"):
            db.session.add(Packer(full_name=name, display_name=name, badge_hash=badge_hash(name)))
        db.session.add_all([Station(name="Bord 1"), Station(name="Bord 2")])
        db.session.commit()
    return any_app


def packer(name):
    return db.session.execute(select(Packer).where(Packer.display_name == name)).scalar_one()


def station(name):
    return db.session.execute(select(Station).where(Station.name == name)).scalar_one()


def test_two_stations_scanning_one_order_at_once_make_one_shipment(two_packers, monkeypatch):
    """Station 2 stores its shipment after station 1 saw none and before station 1 inserts."""
    decide = service.packed_or_packable
    rival = []

    def station_2_gets_there_first(order):
        seen = decide(order)
        if not rival:
            rival.append("Bord 2")
            # Another app context is another session and connection: another station.
            with two_packers.app_context():
                stored = pack_order(find_order("8001"), packer("Bo"), station("Bord 2"))
                db.session.commit()
                rival.append(stored.id)
        return seen

    monkeypatch.setattr(service, "packed_or_packable", station_2_gets_there_first)
    with two_packers.app_context():
        assert decide(find_order("8001")) is None
        shipment = pack_order(find_order("8001"), packer("Åse"), station("Bord 1"))
        db.session.commit()
        assert shipment.id == rival[1]
        assert (shipment.station.name, shipment.packer.display_name) == ("Bord 2", "Bo")
        assert db.session.execute(select(func.count(Shipment.id))).scalar_one() == 1
        # One card too, Bo's: the insert that lost the race added none.
        assert [card.packer.display_name for card in shipment.cards] == ["Bo"]
        assert db.session.execute(select(func.count(Card.id))).scalar_one() == 1


def test_a_second_pack_is_the_same_shipment_and_a_cancelled_order_is_refused(two_packers):
    with two_packers.app_context():
        first = pack_order(find_order("8001"), packer("Åse"), station("Bord 1"))
        db.session.commit()
        again = pack_order(find_order("8001"), packer("Bo"), station("Bord 2"))
        assert (again.id, again.station.name) == (first.id, "Bord 1")
        assert again.card.token == first.card.token and len(again.cards) == 1
        with pytest.raises(OrderNotPackable) as refused:
            pack_order(find_order("8002"), packer("Åse"), station("Bord 1"))
        assert refused.value.status == 409
        assert refused.value.order.number == "8002"


def test_a_scan_commits_once(app):
    """The route commits what a scan recorded, once; the services never do."""
    client = as_packer(app)
    commits = []

    def count(session):
        commits.append(session)

    event.listen(Session, "after_commit", count)
    try:
        response = client.post("/station/scan", data={"code": "7001"},
                               headers={"Accept": "application/json"})
        assert response.status_code == 200, response.json
        assert response.json["result"] == "printed"
        assert len(commits) == 1
        again = client.post("/station/scan", data={"code": "7001"},
                            headers={"Accept": "application/json"})
        assert again.json["reprint"] is True
        assert len(commits) == 2
    finally:
        event.remove(Session, "after_commit", count)
    with app.app_context():
        order = db.session.execute(select(Order).where(Order.number == "7001")).scalar_one()
        assert service.shipment_of(order).card.print_count == 2


def test_a_browser_stations_answer_carries_the_card_as_the_image_it_prints(app):
    client = as_packer(app)
    answer = client.post("/station/scan", data={"code": "7001"},
                         headers={"Accept": "application/json"}).json
    assert answer["result"] == "printed" and "pdf" not in answer
    assert answer["image_type"] == "image/jpeg"
    strips = answer["image_strips"]
    assert all(base64.b64decode(strip["data"]).startswith(b"\xff\xd8") for strip in strips)
    # The strips cover the card's rows from top to bottom, at the printer's dots.
    assert len(strips) > 1 and answer["image_dpi"] == 300
    assert strips[0]["top"] == 0 and strips[-1]["top"] + strips[-1]["rows"] == (
        answer["image_size"][1])
    assert all(upper["top"] + upper["rows"] == lower["top"]
               for upper, lower in zip(strips, strips[1:], strict=False))
    css = client.get(answer["print_css"])
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "@page { size: 105mm 148mm; margin: 0; }" in css.get_data(as_text=True)
    # Kept a day by the browser: the address changes with the stylesheet.
    assert "?v=" in answer["print_css"] and "max-age" in css.headers["Cache-Control"]
    # The PDF stays where it was, for a person's link and the page without JavaScript.
    pdf = client.get(answer["pdf_url"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_print_css_of_an_unknown_paper_is_404(app):
    assert app.test_client().get("/station/print/thermal4x6.css").status_code == 200
    assert app.test_client().get("/station/print/nope.css").status_code == 404

"""`purge`: old customer data goes, feedback stays without a name."""

import json
from datetime import timedelta

from sqlalchemy import select, update

from greetings.extensions import db
from greetings.models import Delivery, Feedback, Order, OrderItem, Packer, RefusalTally, utcnow
from greetings.station.service import pack_order
from tests.conftest import make_integrations
from tests.support.webhooks import fixture_bytes, generic_body, standard_headers, woo_headers


def test_purge_clears_old_customers_and_keeps_feedback(any_app):
    make_integrations(any_app)
    client = any_app.test_client()
    for order_id in ("OLD-1", "NEW-1"):
        body = generic_body(order_id)
        assert client.post("/webhooks/erp", data=body,
                           headers=standard_headers(body)).status_code == 200
    with any_app.app_context():
        db.session.execute(update(Order).where(Order.external_id == "OLD-1")
                           .values(created_at=utcnow() - timedelta(days=200)))
        packer = Packer(full_name="Åse", display_name="Åse", badge_hash="x" * 64)
        db.session.add(packer)
        db.session.commit()
        old = db.session.execute(select(Order).where(Order.external_id == "OLD-1")).scalar_one()
        shipment = pack_order(old, packer)
        db.session.add(Feedback(card_id=shipment.card.id, rating=5, comment="Lovely"))
        db.session.commit()

    result = any_app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "purged 1 order(s)" in result.output

    with any_app.app_context():
        old = db.session.execute(select(Order).where(Order.external_id == "OLD-1")).scalar_one()
        new = db.session.execute(select(Order).where(Order.external_id == "NEW-1")).scalar_one()
        assert (old.first_name, old.last_name, old.purged_at is not None) == (None, None, True)
        assert db.session.scalar(select(OrderItem).where(OrderItem.order_id == old.id)) is None
        assert new.first_name == "Åse" and new.items
        feedback = db.session.execute(select(Feedback)).scalar_one()
        assert (feedback.rating, feedback.comment) == (5, "Lovely")
    again = any_app.test_cli_runner().invoke(args=["purge"])
    assert "purged 0 order(s)" in again.output


def test_an_order_written_again_after_its_purge_is_purged_again(any_app):
    make_integrations(any_app)
    client = any_app.test_client()
    body = generic_body("OLD-2", updated_at="2026-01-01T10:00:00Z")
    assert client.post("/webhooks/erp", data=body,
                       headers=standard_headers(body)).status_code == 200
    with any_app.app_context():
        db.session.execute(update(Order).values(created_at=utcnow() - timedelta(days=200)))
        db.session.commit()
    runner = any_app.test_cli_runner()
    assert "purged 1 order(s)" in runner.invoke(args=["purge"]).output
    # The shop sends a newer version: the name is back, and so is the duty to forget it.
    newer = generic_body("OLD-2", updated_at="2026-01-02T10:00:00Z")
    answer = client.post("/webhooks/erp", data=newer, headers=standard_headers(newer))
    assert answer.json["outcome"] == "updated"
    with any_app.app_context():
        order = db.session.execute(select(Order)).scalar_one()
        assert (order.first_name, order.purged_at) == ("Åse", None)
    assert "purged 1 order(s)" in runner.invoke(args=["purge"]).output
    with any_app.app_context():
        order = db.session.execute(select(Order)).scalar_one()
        assert (order.first_name, order.last_name) == (None, None)
        assert db.session.scalar(select(OrderItem)) is None


def test_the_delivery_log_goes_with_the_retention(any_app):
    make_integrations(any_app)
    any_app.config["WEBHOOK_REFUSAL_RATELIMIT"] = "1000 per minute"
    client = any_app.test_client()
    for number in range(3):
        body = generic_body(f"LOG-{number}")
        client.post("/webhooks/erp", data=body, headers=standard_headers(body))
        client.post("/webhooks/nobody", data=body, headers=standard_headers(body))
    with any_app.app_context():
        first = db.session.execute(select(Delivery.id).order_by(Delivery.id)).scalars().first()
        db.session.execute(update(Delivery).where(Delivery.id == first)
                           .values(received_at=utcnow() - timedelta(days=200)))
        db.session.execute(update(RefusalTally)
                           .values(day=(utcnow() - timedelta(days=200)).date()))
        db.session.commit()
    result = any_app.test_cli_runner().invoke(args=["purge"])
    assert "1 logged delivery(ies), 1 day(s) of refusal counts" in result.output
    with any_app.app_context():
        assert len(db.session.execute(select(Delivery)).all()) == 2
        assert db.session.execute(select(RefusalTally)).first() is None


def test_parked_bodies_keep_no_contact_details(any_app):
    make_integrations(any_app)
    order = json.loads(fixture_bytes("woocommerce_order_created.json"))
    order["line_items"] = "not a list"  # fails validation: parked
    order["meta_data"].append({"id": 1, "key": "gift_to", "value": "Mail me: nils@example.org"})
    body = json.dumps(order).encode()
    answer = any_app.test_client().post("/webhooks/woo", data=body, headers=woo_headers(body))
    assert (answer.status_code, answer.json["outcome"]) == (202, "parked")
    with any_app.app_context():
        parked = db.session.execute(select(Delivery.parked_body)).scalar_one()
    for secret in ("ingeborg.aabakken-sodergren@example.net", "nils@example.org",
                   "Storgata 112B", "9008", "192.0.2.44", "Vennligst legg ved"):
        assert secret not in parked
    kept = json.loads(parked)
    # What a person needs to see why it failed stays, and so do the names a card needs.
    assert kept["line_items"] == "not a list" and kept["id"] == 4711
    assert kept["billing"]["first_name"] == "Ingeborg Kristine Marie-Louise"
    assert kept["billing"]["email"] == "[removed]"

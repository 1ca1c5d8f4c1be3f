"""Only signed bytes change state: replays under new headers, and WooCommerce deletions.

Shopify and WooCommerce sign the body alone, so their headers (topic, event id,
triggered-at) vouch for nothing: an order's version and state are read from the body.
"""

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from greetings.extensions import db
from greetings.models import Delivery, Order, Packer
from greetings.station.service import pack_order
from tests.conftest import make_integrations
from tests.support.webhooks import fixture_bytes, shopify_headers, woo_headers

WOO_ID = 4711
WOO_CREATED = fixture_bytes("woocommerce_order_created.json")
WOO_VERSION = datetime(2026, 3, 16, 20, 47, 5)  # its date_modified_gmt
DELETION = json.dumps({"id": WOO_ID}).encode()


@pytest.fixture
def shop(any_app):
    make_integrations(any_app)
    return any_app.test_client()


def the_order(app):
    with app.app_context():
        return db.session.execute(select(Order)).scalar_one()


def last_delivery(app):
    with app.app_context():
        return db.session.execute(
            select(Delivery).order_by(Delivery.id.desc()).limit(1)).scalar_one()


def woo(client, body, topic):
    return client.post("/webhooks/woo", data=body, headers=woo_headers(body, topic=topic))


def woo_version(body: bytes, modified: str, **changes) -> bytes:
    data = json.loads(body)
    data.update(date_modified_gmt=modified, **changes)
    return json.dumps(data).encode()


# --- Shopify: version and state from the body -------------------------------------------

def shopify_cancelled(body: bytes) -> bytes:
    data = json.loads(body)
    data.update(cancelled_at="2026-03-14T11:00:00+01:00", updated_at="2026-03-14T11:00:01+01:00")
    return json.dumps(data).encode()


def test_shopify_old_open_body_under_new_headers_never_reopens(any_app, shop):
    opened = fixture_bytes("shopify_orders_create.json")
    assert shop.post("/webhooks/shop", data=opened,
                     headers=shopify_headers(opened)).json["outcome"] == "created"
    cancelled = shopify_cancelled(opened)
    response = shop.post("/webhooks/shop", data=cancelled,
                         headers=shopify_headers(cancelled, topic="orders/cancelled"))
    assert response.json["outcome"] == "updated"
    assert the_order(any_app).status == "cancelled"

    # The captured "open" body again, with a new event id and "triggered now".
    replay = shopify_headers(opened, topic="orders/updated", event_id="replayed-event",
                             triggered_at=datetime.now().isoformat() + "Z")
    response = shop.post("/webhooks/shop", data=opened, headers=replay)
    assert (response.status_code, response.json["outcome"]) == (200, "stale")
    assert the_order(any_app).status == "cancelled"


def test_shopify_version_is_the_bodys_updated_at(any_app, shop):
    opened = fixture_bytes("shopify_orders_create.json")
    shop.post("/webhooks/shop", data=opened,
              headers=shopify_headers(opened, triggered_at="2030-01-01T00:00:00Z"))
    assert the_order(any_app).version == datetime(2026, 3, 14, 9, 15, 44)


def test_shopify_cancel_topic_with_an_open_body_is_parked(any_app, shop):
    opened = fixture_bytes("shopify_orders_create.json")
    shop.post("/webhooks/shop", data=opened, headers=shopify_headers(opened))
    response = shop.post("/webhooks/shop", data=opened,
                         headers=shopify_headers(opened, topic="orders/cancelled"))
    assert response.status_code == 202
    assert response.json["outcome"] == "parked"
    assert [error["field"] for error in response.json["errors"]] == ["(topic)"]
    assert the_order(any_app).status == "open"
    logged = last_delivery(any_app)
    assert (logged.outcome, logged.status_code, logged.topic) == ("parked", 202,
                                                                  "orders/cancelled")


def test_shopify_body_without_a_version_is_parked(any_app, shop):
    data = json.loads(fixture_bytes("shopify_orders_create.json"))
    del data["updated_at"], data["created_at"]
    body = json.dumps(data).encode()
    response = shop.post("/webhooks/shop", data=body, headers=shopify_headers(body))
    assert response.status_code == 202
    assert "updated_at" in {error["field"] for error in response.json["errors"]}


# --- WooCommerce: the topic never overrides the body ------------------------------------

def test_woocommerce_created_body_sent_as_deleted_is_parked(any_app, shop):
    assert woo(shop, WOO_CREATED, "order.created").json["outcome"] == "created"
    response = woo(shop, WOO_CREATED, "order.deleted")
    assert (response.status_code, response.json["outcome"]) == (202, "parked")
    assert the_order(any_app).status == "open"
    assert last_delivery(any_app).topic == "order.deleted"


def test_woocommerce_deletion_body_sent_as_an_update_is_parked(any_app, shop):
    woo(shop, WOO_CREATED, "order.created")
    response = woo(shop, DELETION, "order.updated")
    assert (response.status_code, response.json["outcome"]) == (202, "parked")
    order = the_order(any_app)
    assert (order.status, order.first_name) == ("open", "Ingeborg Kristine Marie-Louise")


# --- WooCommerce: delete, restore, delete (PRODUCT.md's rule for order.deleted) ---------

def test_woocommerce_delete_restore_delete(any_app, shop):
    woo(shop, WOO_CREATED, "order.created")
    assert woo(shop, DELETION, "order.deleted").json["outcome"] == "updated"
    order = the_order(any_app)
    # A deletion records no version of its own: our clock is not the shop's.
    assert (order.status, order.version) == ("deleted", WOO_VERSION)
    assert woo(shop, DELETION, "order.deleted").json["outcome"] == "duplicate"

    # The shop restores it a moment later, by its own clock.
    restored = woo_version(WOO_CREATED, "2026-03-16T20:48:00")
    assert woo(shop, restored, "order.restored").json["outcome"] == "updated"
    assert the_order(any_app).status == "open"

    # Deleted again: the same body as the first deletion, applied again.
    response = woo(shop, DELETION, "order.deleted")
    assert response.json == {"outcome": "updated", "order": {"number": "4711"}}
    assert the_order(any_app).status == "deleted"
    assert woo(shop, DELETION, "order.deleted").json["outcome"] == "duplicate"


def test_woocommerce_deletion_is_undone_only_by_a_newer_body(any_app, shop):
    woo(shop, WOO_CREATED, "order.created")
    woo(shop, DELETION, "order.deleted")
    # The body it was created with, replayed under another topic: same version, no undo.
    response = woo(shop, WOO_CREATED, "order.updated")
    assert response.json["outcome"] == "stale"
    assert the_order(any_app).status == "deleted"
    older = woo_version(WOO_CREATED, "2026-03-15T08:00:00")
    assert woo(shop, older, "order.updated").json["outcome"] == "stale"
    assert the_order(any_app).status == "deleted"
    newer = woo_version(WOO_CREATED, "2026-03-17T08:00:00")
    assert woo(shop, newer, "order.updated").json["outcome"] == "updated"
    assert the_order(any_app).status == "open"


def test_woocommerce_never_deletes_a_packed_order(any_app, shop):
    woo(shop, WOO_CREATED, "order.created")
    with any_app.app_context():
        packer = Packer(full_name="Åse", display_name="Åse", badge_hash="p" * 64)
        db.session.add(packer)
        db.session.flush()
        pack_order(db.session.execute(select(Order)).scalar_one(), packer)
        db.session.commit()
    response = woo(shop, DELETION, "order.deleted")
    assert (response.status_code, response.json["outcome"]) == (200, "ignored")
    assert "packed" in response.json["detail"]
    assert the_order(any_app).status == "open"


def test_woocommerce_deletion_of_an_unknown_order_is_ignored(any_app, shop):
    response = woo(shop, DELETION, "order.deleted")
    assert (response.status_code, response.json["outcome"]) == (200, "ignored")
    with any_app.app_context():
        assert db.session.execute(select(Order)).first() is None


# --- 500s from input: the raw value never reaches the de-duplication key ----------------

@pytest.mark.parametrize("value", ["\ud800", "\u0000", "\udfff\ud800", "x\u0000" * 200])
def test_woocommerce_deletion_with_a_hostile_date_is_answered(any_app, shop, value):
    woo(shop, WOO_CREATED, "order.created")
    body = json.dumps({"id": WOO_ID, "date_modified_gmt": value}).encode()
    response = woo(shop, body, "order.deleted")
    assert response.status_code == 202, response.get_data(as_text=True)
    assert the_order(any_app).status == "open"


@pytest.mark.parametrize("value", ["\ud800", "\u0000"])
def test_woocommerce_update_with_a_hostile_date_is_parked(any_app, shop, value):
    body = woo_version(WOO_CREATED, value)
    response = woo(shop, body, "order.updated")
    assert response.status_code == 202, response.get_data(as_text=True)

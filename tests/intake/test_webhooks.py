"""The intake contract of PRODUCT.md, row by row, through the app's HTTP interface."""

import json

import pytest
from sqlalchemy import func, select

from greetings.extensions import db
from greetings.models import Delivery, Order
from tests.conftest import make_integrations
from tests.support.webhooks import (
    STANDARD_SECRET,
    fixture_bytes,
    generic_body,
    shopify_headers,
    standard_headers,
    woo_headers,
)


@pytest.fixture
def slugs(app):
    return make_integrations(app)


def orders(app):
    with app.app_context():
        return db.session.execute(select(Order).order_by(Order.id)).scalars().all()


def deliveries(app):
    with app.app_context():
        return db.session.execute(select(Delivery).order_by(Delivery.id)).scalars().all()


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == status and problem["title"]
    return problem


# --- each fixture through its kind ------------------------------------------------------

def test_generic_fixture(client, app, slugs):
    body = fixture_bytes("generic_order.json")
    response = client.post("/webhooks/erp", data=body, headers=standard_headers(body))
    assert response.status_code == 200
    assert response.json["order"] == {"number": "ERP-2026-000123"}
    (order,) = orders(app)
    with app.app_context():
        order = db.session.merge(order)
        assert (order.first_name, order.last_name) == ("Åse", "Lærkegård Østergaard")
        assert order.language == "da" and order.shipping_country == "DK"
        assert [(i.sku, i.quantity) for i in order.items] == [("KAF-MORK-500", 2),
                                                               ("KRUS-FJORD-01", 1)]
        assert order.item_count == 3


def test_shopify_fixtures(client, app, slugs):
    for name, number, first, language in [
        ("shopify_orders_create.json", "1042", "Jürgen", "de"),
        ("shopify_orders_create_2.json", "1043", "Søren", "da"),
    ]:
        body = fixture_bytes(name)
        response = client.post("/webhooks/shop", data=body, headers=shopify_headers(body))
        assert response.status_code == 200, response.json
        assert response.json["order"]["number"] == number
        order = orders(app)[-1]
        assert (order.first_name, order.language, order.status) == (first, language, "open")


def test_woocommerce_fixture_uses_meta_language(client, app, slugs):
    body = fixture_bytes("woocommerce_order_created.json")
    response = client.post("/webhooks/woo", data=body, headers=woo_headers(body))
    assert response.status_code == 200
    assert response.json["order"]["number"] == "4711"
    (order,) = orders(app)
    assert order.first_name == "Ingeborg Kristine Marie-Louise"
    assert order.last_name == "Aabakken-Sødergren Bjørnstad-Ødegård"
    assert order.language == "nb" and order.shipping_country == "NO"


def test_woocommerce_without_language_takes_the_integrations(client, app, slugs):
    data = json.loads(fixture_bytes("woocommerce_order_created.json"))
    data["meta_data"] = []
    # As WooCommerce sends it: compact, \u-escaped, slashes escaped.
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()
    assert client.post("/webhooks/woo", data=body, headers=woo_headers(body)).status_code == 200
    assert orders(app)[0].language == "nb"
    assert orders(app)[0].first_name == "Ingeborg Kristine Marie-Louise"


def test_woocommerce_ping_gets_200_and_stores_nothing(client, app, slugs):
    response = client.post("/webhooks/woo", data=b"webhook_id=7",
                           content_type="application/x-www-form-urlencoded",
                           headers={"User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)"})
    assert response.status_code == 200
    assert orders(app) == []
    assert deliveries(app)[-1].outcome == "ping"


# --- every error row of the contract ------------------------------------------------------

def test_401_bad_missing_and_expired_signatures(client, app, slugs):
    body = generic_body("A-1")
    bad = standard_headers(body)
    bad["webhook-signature"] = "v1," + "A" * 43 + "="
    assert_problem(client.post("/webhooks/erp", data=body, headers=bad), 401)
    missing = {"Content-Type": "application/json"}
    assert_problem(client.post("/webhooks/erp", data=body, headers=missing), 401)
    expired = standard_headers(body, timestamp=1773479703)
    problem = assert_problem(client.post("/webhooks/erp", data=body, headers=expired), 401)
    assert "tolerance" in problem["detail"]
    assert_problem(client.post("/webhooks/shop", data=body, headers=missing), 401)
    assert_problem(client.post("/webhooks/woo", data=body,
                               headers=shopify_headers(body, secret="wrong")), 401)
    woo = woo_headers(body, secret="wrong")
    assert_problem(client.post("/webhooks/woo", data=body, headers=woo), 401)
    assert orders(app) == []


def test_400_unreadable_json(client, slugs):
    for body in (b"{not json", b"\xff\xfe\x00", b'{"a": NaN}', b"[" * 100_000, b""):
        assert_problem(client.post("/webhooks/erp", data=body, headers=standard_headers(body)),
                       400)


def test_422_names_each_failing_field(client, app, slugs):
    body = json.dumps({"customer": {"first_name": 5}, "items": [{"quantity": "x"}],
                       "placed_at": "yesterday"}).encode()
    problem = assert_problem(
        client.post("/webhooks/erp", data=body, headers=standard_headers(body)), 422)
    fields = {error["field"] for error in problem["errors"]}
    assert {"order_id", "customer.first_name", "items.0.name", "items.0.quantity",
            "placed_at"} <= fields
    body = b"[1, 2]"
    assert_problem(client.post("/webhooks/erp", data=body, headers=standard_headers(body)), 422)
    assert orders(app) == []


@pytest.mark.parametrize("slug,headers", [("shop", shopify_headers), ("woo", woo_headers)])
def test_shops_invalid_payload_is_parked_with_202(client, app, slugs, slug, headers):
    body = json.dumps({"id": "not a number", "line_items": "nope"}).encode()
    response = client.post(f"/webhooks/{slug}", data=body, headers=headers(body))
    assert response.status_code == 202
    assert {e["field"] for e in response.json["errors"]} >= {"id", "line_items"}
    logged = deliveries(app)[-1]
    assert (logged.outcome, logged.status_code, logged.parked_body) == ("parked", 202,
                                                                       body.decode())
    assert orders(app) == []


def test_413_over_the_size_limit(client, app, slugs):
    body = generic_body("A-1", note="x" * (1024 * 1024))
    assert_problem(client.post("/webhooks/erp", data=body, headers=standard_headers(body)), 413)
    assert deliveries(app)[-1].outcome == "too_large"


def test_415_not_json(client, slugs):
    body = generic_body("A-1")
    headers = standard_headers(body)
    headers["Content-Type"] = "text/plain"
    assert_problem(client.post("/webhooks/erp", data=body, headers=headers), 415)
    del headers["Content-Type"]
    assert_problem(client.post("/webhooks/erp", data=body, headers=headers), 415)


def test_404_unknown_slug_and_never_410(client, app, slugs):
    body = generic_body("A-1")
    assert_problem(client.post("/webhooks/nobody", data=body, headers=standard_headers(body)),
                   404)
    assert deliveries(app) == []
    assert_problem(client.get("/webhooks/erp"), 405)


def test_every_delivery_is_logged_and_never_the_secret(app, client, slugs, runner):
    body = generic_body("A-1")
    client.post("/webhooks/erp", data=body, headers=standard_headers(body))
    client.post("/webhooks/erp", data=body, headers=standard_headers(body, secret="whsec_"
                                                                      "AAAAAAAAAAAAAAAAAAAAAA=="))
    client.post("/webhooks/erp", data=b"{", headers=standard_headers(b"{"))
    result = runner.invoke(args=["integration", "log", "erp"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 5
    assert "400" in lines[0] and "unreadable" in lines[0]
    assert "200" in lines[1] and "created" in lines[1]
    # A bad signature is counted for the day, with a sample, rather than logged a row each.
    assert "counted" in lines[2]
    assert "erp  bad_signature  x1" in lines[3]
    assert "401" in lines[4] and "no webhook-signature matches" in lines[4]
    assert STANDARD_SECRET not in result.output
    assert all(STANDARD_SECRET not in (d.detail or "") for d in deliveries(app))


# --- exactly once, in order ----------------------------------------------------------------

@pytest.fixture
def any_slugs(any_app):
    return make_integrations(any_app)


def post_standard(client, body, **kwargs):
    return client.post("/webhooks/erp", data=body, headers=standard_headers(body, **kwargs))


def test_same_delivery_twice_is_one_order(any_app, any_slugs):
    client = any_app.test_client()
    body = generic_body("A-1")
    headers = standard_headers(body, msg_id="msg_same")
    first = client.post("/webhooks/erp", data=body, headers=headers)
    second = client.post("/webhooks/erp", data=body, headers=headers)
    assert (first.json["outcome"], second.json["outcome"]) == ("created", "duplicate")
    assert second.json["order"] == {"number": "A-1"}
    assert len(orders(any_app)) == 1
    assert [d.outcome for d in deliveries(any_app)] == ["created", "duplicate"]


def test_same_order_from_two_deliveries_updates_it(any_app, any_slugs):
    client = any_app.test_client()
    post_standard(client, generic_body("A-1", updated_at="2026-03-14T10:00:00Z"))
    changed = generic_body("A-1", updated_at="2026-03-14T11:00:00Z",
                           items=[{"name": "Te", "quantity": 5}],
                           customer={"first_name": "Søren"})
    assert post_standard(client, changed).json["outcome"] == "updated"
    (order,) = orders(any_app)
    assert order.first_name == "Søren"
    with any_app.app_context():
        assert [(i.name, i.quantity) for i in db.session.merge(order).items] == [("Te", 5)]


def test_older_update_never_overwrites_newer(any_app, any_slugs):
    client = any_app.test_client()
    newer = generic_body("A-1", updated_at="2026-03-14T11:00:00Z", customer={"first_name": "New"})
    older = generic_body("A-1", updated_at="2026-03-14T10:00:00Z", customer={"first_name": "Old"})
    equal = generic_body("A-1", updated_at="2026-03-14T12:00:00+01:00",
                         customer={"first_name": "Equal"})
    assert post_standard(client, newer).json["outcome"] == "created"
    response = post_standard(client, older)
    assert (response.status_code, response.json["outcome"]) == (200, "stale")
    assert orders(any_app)[0].first_name == "New"
    assert post_standard(client, equal).json["outcome"] == "updated"
    assert orders(any_app)[0].first_name == "Equal"


def test_without_updated_at_the_delivery_timestamp_is_the_version(any_app, any_slugs):
    client = any_app.test_client()
    import time
    now = int(time.time())
    later = generic_body("A-1", customer={"first_name": "Later"})
    earlier = generic_body("A-1", customer={"first_name": "Earlier"})
    post_standard(client, later, timestamp=now)
    assert post_standard(client, earlier, timestamp=now - 60).json["outcome"] == "stale"
    assert orders(any_app)[0].first_name == "Later"


def test_shopify_versions_by_updated_at_and_cancels(any_app, any_slugs):
    client = any_app.test_client()
    body = fixture_bytes("shopify_orders_create.json")
    client.post("/webhooks/shop", data=body, headers=shopify_headers(body))
    data = json.loads(body)
    data.update(cancelled_at="2026-03-14T11:00:00+01:00", updated_at="2026-03-14T11:00:00+01:00")
    cancelled = json.dumps(data).encode()
    response = client.post("/webhooks/shop", data=cancelled,
                           headers=shopify_headers(cancelled, topic="orders/cancelled"))
    assert response.json["outcome"] == "updated"
    assert orders(any_app)[0].status == "cancelled"
    # X-Shopify-Triggered-At is not signed: it says nothing about the order's version.
    stale = client.post("/webhooks/shop", data=body, headers=shopify_headers(
        body, topic="orders/updated", triggered_at="2026-03-14T12:30:00Z"))
    assert stale.json["outcome"] == "stale"
    assert orders(any_app)[0].status == "cancelled"


def test_shopify_same_event_twice(any_app, any_slugs):
    client = any_app.test_client()
    body = fixture_bytes("shopify_orders_create.json")
    headers = shopify_headers(body, event_id="event-1")
    assert client.post("/webhooks/shop", data=body, headers=headers).json["outcome"] == "created"
    headers["X-Shopify-Webhook-Id"] = "another-webhook-id"
    again = client.post("/webhooks/shop", data=body, headers=headers)
    assert again.json["outcome"] == "duplicate"
    assert len(orders(any_app)) == 1


def test_woocommerce_resend_with_new_delivery_id_is_a_duplicate(any_app, any_slugs):
    client = any_app.test_client()
    body = fixture_bytes("woocommerce_order_created.json")
    assert client.post("/webhooks/woo", data=body, headers=woo_headers(body)).json[
        "outcome"] == "created"
    again = client.post("/webhooks/woo", data=body, headers=woo_headers(body))
    assert again.json["outcome"] == "duplicate"
    update = body.replace(b'"date_modified_gmt": "2026-03-16T20:47:05"',
                          b'"date_modified_gmt": "2026-03-17T08:00:00"')
    assert update != body
    response = client.post("/webhooks/woo", data=update,
                           headers=woo_headers(update, topic="order.updated"))
    assert response.json["outcome"] == "updated"
    assert len(orders(any_app)) == 1


def test_woocommerce_cancel_and_delete(any_app, any_slugs):
    client = any_app.test_client()
    body = fixture_bytes("woocommerce_order_created.json")
    client.post("/webhooks/woo", data=body, headers=woo_headers(body))
    data = json.loads(body)
    data.update(status="cancelled", date_modified_gmt="2026-03-18T08:00:00")
    cancelled = json.dumps(data).encode()
    response = client.post("/webhooks/woo", data=cancelled,
                           headers=woo_headers(cancelled, topic="order.updated"))
    assert response.json["outcome"] == "updated", response.json
    assert orders(any_app)[0].status == "cancelled"
    deleted = b'{"id": 4711}'
    response = client.post("/webhooks/woo", data=deleted,
                           headers=woo_headers(deleted, topic="order.deleted"))
    assert response.json == {"outcome": "updated", "order": {"number": "4711"}}
    assert orders(any_app)[0].status == "deleted"
    unknown = b'{"id": 99}'
    response = client.post("/webhooks/woo", data=unknown,
                           headers=woo_headers(unknown, topic="order.deleted"))
    assert response.json["outcome"] == "ignored"


def test_topics_that_are_not_orders_are_acknowledged(any_app, any_slugs):
    client = any_app.test_client()
    body = b'{"id": 1}'
    response = client.post("/webhooks/shop", data=body,
                           headers=shopify_headers(body, topic="products/create"))
    assert (response.status_code, response.json["outcome"]) == (200, "ignored")
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_shopify_without_customer_names_gets_none(client, app, slugs):
    data = json.loads(fixture_bytes("shopify_orders_create.json"))
    for key in ("customer", "billing_address", "shipping_address"):
        data.pop(key)
    body = json.dumps(data).encode()
    assert client.post("/webhooks/shop", data=body,
                       headers=shopify_headers(body)).status_code == 200
    assert (orders(app)[0].first_name, orders(app)[0].last_name) == (None, None)


def test_a_second_secret_works_during_rotation(client, app, slugs, runner):
    new = "whsec_" + "B" * 32
    assert runner.invoke(args=["integration", "add", "erp", "--kind", "standard",
                               "--secret", new]).exit_code == 0
    for secret in (STANDARD_SECRET, new):
        body = generic_body(f"R-{secret[-4:]}")
        assert client.post("/webhooks/erp", data=body,
                           headers=standard_headers(body, secret=secret)).status_code == 200
    runner.invoke(args=["integration", "remove-secret", "erp", "--secret", STANDARD_SECRET])
    body = generic_body("R-old")
    assert_problem(client.post("/webhooks/erp", data=body, headers=standard_headers(body)), 401)

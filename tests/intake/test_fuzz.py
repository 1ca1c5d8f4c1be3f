"""Hostile input at the webhook door: never a 5xx, never a lost order."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from greetings.extensions import db
from greetings.models import Order
from tests.conftest import make_integrations
from tests.support.webhooks import (
    fixture_bytes,
    generic_body,
    shopify_headers,
    standard_headers,
    woo_headers,
)

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
SIGNERS = {"erp": standard_headers, "shop": shopify_headers, "woo": woo_headers}
BASELINE = generic_body("BASELINE", customer={"first_name": "Åse"})

# Text as senders really get it wrong: controls, NUL, lone surrogates, RTL, emoji.
nasty_text = st.text(st.characters(exclude_categories=()), max_size=80) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "<script>", "'; DROP TABLE orders; --", "🇩🇰" * 50,
     "x" * 5000, "١٢٣", "\u202e", "NaN"])
json_scalar = (st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
               | st.floats(allow_nan=False, allow_infinity=False) | nasty_text)
json_value = st.recursive(json_scalar, lambda inner: st.lists(inner, max_size=5)
                          | st.dictionaries(nasty_text, inner, max_size=5), max_leaves=25)


def maybe(strategy):
    return st.none() | strategy


generic_orders = st.fixed_dictionaries({}, optional={
    "order_id": st.text(max_size=150) | st.integers() | json_value,
    "number": maybe(st.text(max_size=150) | st.integers()),
    "customer": maybe(st.fixed_dictionaries({}, optional={
        "first_name": json_value, "last_name": json_value, "email": json_value,
        "locale": st.sampled_from(["da-DK", "nb", "no", "xx-YY", "", "de_AT"]) | json_value})),
    "items": maybe(st.lists(st.fixed_dictionaries({}, optional={
        "sku": json_value, "name": json_value,
        "quantity": st.integers(min_value=-5, max_value=10**12) | json_value}), max_size=4)),
    "shipping_country": json_value,
    "placed_at": st.datetimes().map(str) | json_value,
    "updated_at": st.datetimes().map(lambda d: d.isoformat()) | json_value,
    "status": st.sampled_from(["open", "cancelled", "deleted"]) | json_value,
})


def shop_orders(name):
    base = json.loads(fixture_bytes(name))
    return st.dictionaries(st.sampled_from(sorted(base)), json_value, max_size=6).map(
        lambda changes: {**base, **changes})


@pytest.fixture
def fuzz_app(any_app):
    # Every example comes from one address: refusals must stay refusals, not become 429.
    any_app.config["WEBHOOK_REFUSAL_RATELIMIT"] = "1000000 per minute"
    make_integrations(any_app)
    client = any_app.test_client()
    response = client.post("/webhooks/erp", data=BASELINE, headers=standard_headers(BASELINE))
    assert response.status_code == 200
    yield any_app
    with any_app.app_context():
        kept = db.session.execute(
            select(Order).where(Order.external_id == "BASELINE")).scalar_one()
        assert kept.first_name == "Åse"


def assert_answered(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype in {"application/json", "application/problem+json"}
    assert response.status_code != 410


@FUZZ
@given(slug=st.sampled_from(sorted(SIGNERS)), body=st.binary(max_size=2000),
       content_type=st.sampled_from(["application/json", "text/plain", "",
                                     "application/x-www-form-urlencoded",
                                     "application/json; charset=latin-1"]))
def test_signed_random_bytes(fuzz_app, slug, body, content_type):
    headers = SIGNERS[slug](body)
    headers["Content-Type"] = content_type
    assert_answered(fuzz_app.test_client().post(f"/webhooks/{slug}", data=body, headers=headers))


@FUZZ
@given(slug=st.sampled_from(sorted(SIGNERS)), value=json_value)
def test_signed_random_json(fuzz_app, slug, value):
    body = json.dumps(value).encode()
    response = fuzz_app.test_client().post(f"/webhooks/{slug}", data=body,
                                           headers=SIGNERS[slug](body))
    assert_answered(response)


@FUZZ
@given(order=generic_orders)
def test_signed_generic_orders(fuzz_app, order):
    order.get("order_id") != "BASELINE" or order.pop("order_id")
    body = json.dumps(order).encode()
    response = fuzz_app.test_client().post("/webhooks/erp", data=body,
                                           headers=standard_headers(body))
    assert_answered(response)
    assert response.status_code in {200, 422}


@FUZZ
@given(order=shop_orders("shopify_orders_create.json"),
       topic=st.sampled_from(["orders/create", "orders/updated", "orders/cancelled", "x"]),
       triggered=maybe(st.text(st.characters(min_codepoint=32, max_codepoint=255),
                               max_size=60) | st.sampled_from(["2026-13-01T00:00:00Z",
                                                                "9999-12-31T23:59:59-23:59"])))
def test_signed_shopify_orders(fuzz_app, order, topic, triggered):
    body = json.dumps(order, ensure_ascii=False).encode("utf-8", "surrogatepass")
    headers = shopify_headers(body, topic=topic)
    if triggered is not None:
        headers["X-Shopify-Triggered-At"] = triggered
    response = fuzz_app.test_client().post("/webhooks/shop", data=body, headers=headers)
    assert_answered(response)
    assert response.status_code in {200, 202, 400}


@FUZZ
@given(order=shop_orders("woocommerce_order_created.json"),
       topic=st.sampled_from(["order.created", "order.updated", "order.deleted", "x.y"]))
def test_signed_woocommerce_orders(fuzz_app, order, topic):
    body = json.dumps(order).encode()
    response = fuzz_app.test_client().post("/webhooks/woo", data=body,
                                           headers=woo_headers(body, topic=topic))
    assert_answered(response)
    assert response.status_code in {200, 202}


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255,
                                    exclude_characters="\x7f"), max_size=120)


@FUZZ
@given(slug=st.sampled_from([*SIGNERS, "nobody", "x" * 300]),
       headers=st.dictionaries(st.sampled_from([
           "webhook-id", "webhook-timestamp", "webhook-signature", "Content-Type",
           "Content-Length", "X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-WC-Webhook-Signature",
           "X-WC-Webhook-Topic", "Authorization", "Content-Encoding"]), header_text, max_size=6),
       body=st.binary(max_size=300))
def test_random_headers(fuzz_app, slug, headers, body):
    headers.pop("Content-Length", None)
    response = fuzz_app.test_client().post(f"/webhooks/{slug}", data=body, headers=headers)
    assert_answered(response)
    assert response.status_code in {200, 401, 404, 413, 415}


# --- de-duplication keys: whatever a sender puts in them is stored, or hashed ------------

# Header values as they arrive (latin-1), with NUL and controls; no line breaks.
key_text = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"),
                   min_size=1, max_size=300) | st.sampled_from(
    ["\x00", "a\x00b", "\x7f", " ", "x" * 201, "sha256:" + "0" * 64, "ü" * 150])
# Text inside a JSON body may hold lone surrogates too.
body_text = st.text(st.characters(exclude_categories=()), max_size=60) | st.sampled_from(
    ["\ud800", "\u0000", "\udfff\ud800", "2026-03-16T20:47:05\u0000", "9999-12-31T23:59:59"])


def assert_applied_once(client, slug, body, headers):
    first = client.post(f"/webhooks/{slug}", data=body, headers=headers)
    again = client.post(f"/webhooks/{slug}", data=body, headers=headers)
    assert_answered(first)
    assert_answered(again)
    # What was applied (stored, or found stale) is recognised when it comes again.
    if first.json.get("outcome") in {"created", "updated", "stale", "duplicate"}:
        assert again.json["outcome"] == "duplicate", again.json


@FUZZ
@given(msg_id=key_text)
def test_standard_keys(fuzz_app, msg_id):
    body = generic_body("KEY-1")
    try:
        headers = standard_headers(body, msg_id=msg_id)
    except UnicodeEncodeError:
        return
    assert_applied_once(fuzz_app.test_client(), "erp", body, headers)


@FUZZ
@given(event_id=key_text, topic=key_text | st.sampled_from(["orders/updated"]))
def test_shopify_keys(fuzz_app, event_id, topic):
    body = fixture_bytes("shopify_orders_create.json")
    headers = shopify_headers(body, topic=topic, event_id=event_id)
    assert_applied_once(fuzz_app.test_client(), "shop", body, headers)


@FUZZ
@given(order_id=st.integers(min_value=-(2**70), max_value=2**70) | body_text,
       modified=body_text, topic=st.sampled_from(["order.created", "order.updated",
                                                  "order.deleted", "order.restored"]),
       deletion=st.booleans())
def test_woocommerce_keys(fuzz_app, order_id, modified, topic, deletion):
    order = {"id": order_id} if deletion else {
        **json.loads(fixture_bytes("woocommerce_order_created.json")),
        "id": order_id, "date_modified_gmt": modified}
    body = json.dumps(order).encode()
    assert_applied_once(fuzz_app.test_client(), "woo", body, woo_headers(body, topic=topic))

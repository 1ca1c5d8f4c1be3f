"""Signed webhook deliveries as each kind of sender makes them."""

import json
import time
import uuid
from pathlib import Path

from greetings.intake.signatures import sign_hmac_body, sign_standard

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "erp"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SHOPIFY_SECRET = "hush"
WOO_SECRET = "wc-fixture-secret"


def fixture_bytes(name: str) -> bytes:
    """Return a fixture's exact bytes (signatures are over them)."""
    return (FIXTURES / name).read_bytes()


def standard_headers(body: bytes, secret=STANDARD_SECRET, msg_id=None, timestamp=None) -> dict:
    """Headers of a Standard Webhooks delivery of `body`."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard(secret, msg_id, timestamp, body),
    }


def shopify_headers(body: bytes, secret=SHOPIFY_SECRET, topic="orders/create", event_id=None,
                    triggered_at=None) -> dict:
    """Headers of a Shopify order webhook."""
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_hmac_body(secret, body),
        "X-Shopify-Shop-Domain": "nordlys-kaffe.myshopify.com",
        "X-Shopify-API-Version": "2025-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
    }
    if triggered_at:
        headers["X-Shopify-Triggered-At"] = triggered_at
    return headers


def woo_headers(body: bytes, secret=WOO_SECRET, topic="order.created") -> dict:
    """Headers of a WooCommerce order webhook (its delivery id is new on every send)."""
    resource, event = topic.split(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)",
        "X-WC-Webhook-Source": "https://butikk.example.net/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign_hmac_body(secret, body),
        "X-WC-Webhook-ID": "7",
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
    }


def generic_body(order_id: str, **fields) -> bytes:
    """A compact generic-format order body."""
    order = {
        "order_id": order_id,
        "customer": {"first_name": "Åse", "last_name": "Lærkegård", "locale": "da-DK"},
        "items": [{"sku": "KAF-1", "name": "Kaffe", "quantity": 2}],
        "shipping_country": "DK",
        "placed_at": "2026-03-14T09:15:00Z",
    }
    order.update(fields)
    return json.dumps(order, ensure_ascii=False, separators=(",", ":")).encode()

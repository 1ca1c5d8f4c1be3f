"""What differs between senders: signature scheme, topics, de-duplication key, payload."""

import hashlib
import re
from datetime import UTC, datetime

from ..models import IntegrationKind, OrderStatus
from . import signatures
from .payloads import GenericOrder, OrderIn, PayloadUnusable
from .shops import ShopifyOrder, WooDeleted, WooOrder

WOO_PING = re.compile(rb"webhook_id=\d{1,20}")


class Kind:
    """The behaviour of one integration kind; subclasses fill in the differences."""

    # Whether a signed but invalid payload is parked (202) instead of refused (422).
    parks_invalid = True
    topics: frozenset = frozenset()

    def is_ping(self, headers, body) -> bool:
        """Tell whether the request is the sender's unsigned connection test."""
        return False

    def verify(self, secrets, headers, body, tolerance, now=None) -> dict:
        """Check the signature over the raw body; return what it vouches for.

        `now` (seconds since the epoch) is when the delivery arrived: a spooled delivery is
        checked against the time it was received, not the time it is applied.
        """
        raise NotImplementedError

    def topic(self, headers) -> str | None:
        """Return the event the delivery reports."""
        return None

    def to_order(self, data, *, headers, signed, topic, integration) -> OrderIn:
        """Validate the parsed JSON; raise pydantic's ValidationError when it fails.

        PayloadUnusable when it parsed but cannot be applied as sent (no version, or a
        topic that contradicts the body).
        """
        raise NotImplementedError

    def dedup_key(self, *, headers, signed, topic, order: OrderIn, body) -> str:
        """Return the key under which a repeat of this delivery is recognised.

        For a deletion, which carries no version, the store completes the key with the
        version it deletes.
        """
        raise NotImplementedError


class Standard(Kind):
    parks_invalid = False

    def verify(self, secrets, headers, body, tolerance, now=None):
        msg_id, timestamp = signatures.verify_standard(secrets, headers, body, tolerance, now)
        return {"id": msg_id, "timestamp": timestamp}

    def to_order(self, data, *, headers, signed, topic, integration):
        order = GenericOrder.model_validate(data).to_order()
        if order.version is None:
            # Without updated_at, the delivery's signed timestamp orders the versions.
            order.version = datetime.fromtimestamp(signed["timestamp"], UTC).replace(tzinfo=None)
        return order

    def dedup_key(self, *, headers, signed, topic, order, body):
        return signed["id"]


class SignedBody(Kind):
    """A shop that signs the raw body alone: base64 HMAC-SHA256 in a header of its own."""

    signature_header: str
    topic_header: str

    def verify(self, secrets, headers, body, tolerance, now=None):
        signatures.verify_hmac_body(
            secrets, headers.get(self.signature_header), body, self.signature_header)
        # The signature covers the body only: the headers vouch for nothing.
        return {}

    def topic(self, headers):
        return headers.get(self.topic_header)


class Shopify(SignedBody):
    signature_header, topic_header = "X-Shopify-Hmac-Sha256", "X-Shopify-Topic"
    topics = frozenset({"orders/create", "orders/updated", "orders/cancelled"})

    def to_order(self, data, *, headers, signed, topic, integration):
        order = ShopifyOrder.model_validate(data).to_order()
        if topic == "orders/cancelled" and order.status != OrderStatus.CANCELLED:
            # A captured open body replayed under a cancel topic: the header cannot say it.
            raise PayloadUnusable("(topic)", "orders/cancelled, but the body's cancelled_at "
                                  "is empty: only the signed body says an order is cancelled")
        return order

    def dedup_key(self, *, headers, signed, topic, order, body):
        event = headers.get("X-Shopify-Event-Id") or headers.get("X-Shopify-Webhook-Id")
        return event or "sha256:" + hashlib.sha256(body).hexdigest()


class WooCommerce(SignedBody):
    signature_header, topic_header = "X-WC-Webhook-Signature", "X-WC-Webhook-Topic"
    topics = frozenset({"order.created", "order.updated", "order.deleted", "order.restored"})

    def is_ping(self, headers, body):
        return self.signature_header not in headers and WOO_PING.fullmatch(body.strip())

    def to_order(self, data, *, headers, signed, topic, integration):
        # The topic picks the parser, but the body must agree with it: a deletion's body is
        # {"id": N} and nothing else, so neither can pass for the other under a new topic.
        deletion_body = set(data) <= {"id"}
        if topic == "order.deleted":
            if not deletion_body:
                raise PayloadUnusable("(topic)", "order.deleted, but the body is a whole "
                                      'order: a deletion carries {"id": N} alone')
            deleted = WooDeleted.model_validate(data)
            return OrderIn(external_id=str(deleted.id), number=str(deleted.id),
                           status=OrderStatus.DELETED, language=None)
        if deletion_body:
            raise PayloadUnusable("(topic)", f"{topic}, but the body is a deletion's "
                                  '({"id": N} alone), which carries no order')
        return WooOrder.model_validate(data).to_order(integration.default_language)

    def dedup_key(self, *, headers, signed, topic, order, body):
        # The delivery id changes on every resend, so the order's own version is the key:
        # the parsed one, never the raw text (which may hold anything).
        if order.status == OrderStatus.DELETED:
            return f"{order.external_id}:{topic}"
        return f"{order.external_id}:{topic}:{order.version.isoformat()}"


KINDS = {
    IntegrationKind.STANDARD: Standard(),
    IntegrationKind.SHOPIFY: Shopify(),
    IntegrationKind.WOOCOMMERCE: WooCommerce(),
}


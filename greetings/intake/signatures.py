"""Webhook signature schemes, checked over the raw request bytes before any parsing."""

import base64
import binascii
import hashlib
import hmac
import time

from ..errors import ProblemError


class SignatureInvalid(ProblemError):
    status = 401
    title = "Invalid signature"


STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's marker, not a secret)


def standard_key(secret: str) -> bytes:
    """Return the HMAC key of a Standard Webhooks secret (`whsec_<base64>`)."""
    encoded = secret.removeprefix(STANDARD_SECRET_PREFIX)
    return base64.b64decode(encoded, validate=True)


def is_valid_standard_secret(secret: str) -> bool:
    """Tell whether a secret is a usable Standard Webhooks secret."""
    try:
        return len(standard_key(secret)) >= 16
    except (binascii.Error, ValueError):
        return False


def sign_standard(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """Return the `v1,<base64>` signature a Standard Webhooks sender puts on a body."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_hmac_body(secret: str, body: bytes) -> str:
    """Return base64(HMAC-SHA256(secret, body)), the Shopify and WooCommerce signature."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_standard(secrets, headers, body: bytes, tolerance: int, now=None) -> tuple[str, int]:
    """Check a Standard Webhooks delivery; return its id and timestamp or raise 401."""
    msg_id = headers.get("webhook-id", "")
    raw_timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and raw_timestamp and signatures):
        raise SignatureInvalid("webhook-id, webhook-timestamp and webhook-signature are required")
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise SignatureInvalid("webhook-timestamp must be whole seconds since the epoch")
    timestamp = int(raw_timestamp)
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureInvalid("webhook-timestamp is outside the tolerance; check the clock")
    offered = [_b64(part[3:]) for part in signatures.split() if part.startswith("v1,")]
    signed = f"{msg_id}.{timestamp}.".encode() + body
    for secret in secrets:
        try:
            key = standard_key(secret)
        except (binascii.Error, ValueError):
            continue
        expected = hmac.new(key, signed, hashlib.sha256).digest()
        if _matches_any(expected, offered):
            return msg_id, timestamp
    raise SignatureInvalid("no webhook-signature matches a current secret")


def verify_hmac_body(secrets, header_value: str | None, body: bytes, header_name: str):
    """Check a base64 HMAC-SHA256 of the raw body (Shopify, WooCommerce) or raise 401."""
    if not header_value:
        raise SignatureInvalid(f"{header_name} is required")
    offered = [_b64(header_value.strip())]
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        if _matches_any(expected, offered):
            return
    raise SignatureInvalid(f"{header_name} does not match a current secret")


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _matches_any(expected: bytes, offered) -> bool:
    # Compare against every offered value so timing does not tell which one was close.
    found = False
    for candidate in offered:
        if candidate is not None and hmac.compare_digest(expected, candidate):
            found = True
    return found

"""Receiving a webhook: verify, log, validate, and store the order once.

Speaks in deliveries, not HTTP: the route hands in what it read from the request and maps
the `Receipt` (or the ProblemError raised for a refusal) to an answer, then commits.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import bindparam, select

from ..errors import InvalidInput, ProblemError, UnreadableJson, validation_errors
from ..extensions import db
from ..models import DeliveryOutcome, Integration, IntegrationKind, IntegrationSecret
from . import deliveries, redact
from .kinds import KINDS, Kind
from .payloads import PayloadUnusable
from .store import DuplicateDelivery, upsert_order


class UnknownIntegration(ProblemError):
    status = 404
    title = "Unknown integration"


class BodyTooLarge(ProblemError):
    status = 413
    title = "Payload too large"


class NotJson(ProblemError):
    status = 415
    title = "Unsupported media type"


class PayloadInvalid(InvalidInput):
    title = "Payload failed validation"


class TooManyRefusals(ProblemError):
    """The sender's address was refused as 401/404 too often; its refusals wait a while."""

    status = 429
    title = "Too many refused requests"


@dataclass(frozen=True)
class Receipt:
    """What became of an accepted delivery (a refused one raises instead)."""

    outcome: DeliveryOutcome
    order_number: str | None = None
    # What a parked payload failed on, field by field.
    errors: list | None = None
    # A word to the sender when the outcome alone does not say why.
    detail: str | None = None


def receive(slug: str, headers: Mapping[str, str], body: bytes | None, mimetype: str, *,
            content_length: int | None, max_bytes: int, tolerance: int,
            received_at: float | None = None,
            refusal_wait: Callable[[], int | None] | None = None) -> Receipt:
    """Take one delivery to /webhooks/<slug>; raise a ProblemError to refuse it.

    `headers` is a case-insensitive mapping; `body` the raw bytes, or None when the route
    did not read them because they are over `max_bytes`. `received_at` (seconds since the
    epoch, default now) is when it arrived: signature timestamps are checked against it.
    Every delivery is logged, a refused one too; the caller commits.

    `refusal_wait` is asked before a refusal as 401 or 404 is logged: it counts the
    refusal against its sender and returns None, or the seconds that sender must wait,
    and then the refusal becomes TooManyRefusals (429) and is not logged at all. Correctly
    signed deliveries never reach it.
    """
    integration = _integration(slug)
    kind = KINDS[integration.kind] if integration is not None else None
    try:
        if integration is None:
            raise UnknownIntegration(f"no integration is called {slug[:64]!r}")
        if body is None or len(body) > max_bytes:
            raise BodyTooLarge(f"the limit is {max_bytes} bytes")
        return _handle(integration, kind, headers, body, mimetype, tolerance, received_at)
    except ProblemError as error:
        if error.status in deliveries.TALLIED and refusal_wait is not None:
            wait = refusal_wait()
            if wait is not None:
                db.session.rollback()
                raise TooManyRefusals(
                    "too many refused requests from this address; correctly signed "
                    "deliveries are still taken", headers={"Retry-After": str(wait)}
                ) from error
        size = len(body) if body is not None else content_length or 0
        deliveries.write_refusal(integration and integration.id, slug, error, size=size,
                                 topic=kind and kind.topic(headers))
        raise


def _handle(integration, kind: Kind, headers, body: bytes, mimetype: str,
            tolerance: int, received_at: float | None) -> Receipt:
    if kind.is_ping(headers, body):
        _acknowledge(integration, DeliveryOutcome.PING, "connection test", len(body))
        return Receipt(DeliveryOutcome.PING)
    now = int(received_at) if received_at is not None else None
    signed = kind.verify(integration.secrets, headers, body, tolerance, now)
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise NotJson(f"send Content-Type: application/json, not {mimetype or 'none'!r}")
    data = _parse_json(body)
    topic = kind.topic(headers)
    if kind.topics and topic not in kind.topics:
        _acknowledge(integration, DeliveryOutcome.IGNORED,
                     "this topic does not concern orders", len(body), topic)
        return Receipt(DeliveryOutcome.IGNORED, detail="topic not handled")
    try:
        if not isinstance(data, dict):
            raise PayloadInvalid("the body must be a JSON object",
                                 errors=[{"field": "(body)", "message": "must be an object"}])
        order = kind.to_order(data, headers=headers, signed=signed, topic=topic,
                              integration=integration)
    except (ValidationError, PayloadInvalid, PayloadUnusable) as error:
        errors = validation_errors(error) if isinstance(error, ValidationError) else error.errors
        return _refuse_invalid(integration, kind, errors, body, data, topic)
    key = kind.dedup_key(headers=headers, signed=signed, topic=topic, order=order, body=body)
    try:
        number, outcome, detail = upsert_order(integration, order, key, topic, len(body))
    except DuplicateDelivery as repeat:
        number = deliveries.write_duplicate(integration.id, integration.slug, repeat.key,
                                            topic, len(body))
        return Receipt(DeliveryOutcome.DUPLICATE, number)
    return Receipt(outcome, number, detail=detail)


def _acknowledge(integration, outcome, detail, size, topic=None) -> None:
    """Log a delivery that is answered without storing anything."""
    deliveries.write(integration.id, integration.slug, outcome, detail=detail, size=size,
                     topic=topic)


def _refuse_invalid(integration, kind, errors, body, data, topic) -> Receipt:
    if not kind.parks_invalid:
        raise PayloadInvalid("see errors for each field", errors=errors)
    # Shops disable a webhook after repeated 4xx answers, so a signed payload we cannot
    # read is kept for a person to look at instead of refused.
    deliveries.write(integration.id, integration.slug, DeliveryOutcome.PARKED,
                     detail="payload failed validation", errors=errors, size=len(body),
                     topic=topic, parked_body=redact.parked_text(body, data))
    return Receipt(DeliveryOutcome.PARKED, errors=errors)


def _parse_json(body: bytes):
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise UnreadableJson("the body is not valid UTF-8 JSON") from error


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class IntegrationView:
    """What a delivery needs to know of its integration, read in one query."""

    id: int
    slug: str
    kind: IntegrationKind
    default_language: str
    secrets: tuple[str, ...]


_INTEGRATIONS, _SECRETS = Integration.__table__, IntegrationSecret.__table__
# Built once: this runs for every delivery.
INTEGRATION_BY_SLUG = (
    select(_INTEGRATIONS.c.id, _INTEGRATIONS.c.slug, _INTEGRATIONS.c.kind,
           _INTEGRATIONS.c.default_language, _SECRETS.c.secret)
    .outerjoin(_SECRETS, _SECRETS.c.integration_id == _INTEGRATIONS.c.id)
    .where(_INTEGRATIONS.c.slug == bindparam("slug"))
)


def _integration(slug: str) -> IntegrationView | None:
    """Return the integration and its current secrets (plain values, no ORM objects)."""
    rows = db.session.connection().execute(INTEGRATION_BY_SLUG, {"slug": slug}).all()
    if not rows:
        return None
    first = rows[0]
    return IntegrationView(first.id, first.slug, first.kind, first.default_language,
                           tuple(row.secret for row in rows if row.secret is not None))

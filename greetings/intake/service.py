"""Receiving a webhook: verify, record, validate, store the order once."""

import json
import logging
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import InvalidInput, ProblemError, UnreadableJson
from ..extensions import db
from ..models import Delivery, Integration, IntegrationSecret
from .kinds import KINDS
from .payloads import validation_errors
from .store import DuplicateDelivery, record_duplicate, upsert_order

log = logging.getLogger(__name__)


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


@dataclass
class Answer:
    """What to send back, and under which outcome the delivery was logged."""

    status: int
    body: dict


def receive(slug: str, request, config) -> Answer:
    """Handle one delivery to /webhooks/<slug>; raise a ProblemError to refuse it."""
    integration = _integration(slug)
    if integration is None:
        _record(None, slug[:64], 404, "unknown_integration", "no integration has this slug")
        raise UnknownIntegration(f"no integration is called {slug[:64]!r}")
    size = request.content_length or 0
    try:
        body = _read_body(request, config["WEBHOOK_MAX_BYTES"])
        size = len(body)
        return _handle(integration, request, body, config)
    except ProblemError as error:
        topic = KINDS[integration.kind].topic(request.headers)
        _record(integration.id, slug, error.status, _outcome_name(error), error.detail,
                errors=error.errors, size=size, topic=topic)
        raise


def _read_body(request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(f"the limit is {limit} bytes")
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge as error:
        raise BodyTooLarge(f"the limit is {limit} bytes") from error


def _handle(integration, request, body, config) -> Answer:
    kind = KINDS[integration.kind]
    headers = request.headers
    if kind.is_ping(headers, body):
        _record(integration.id, integration.slug, 200, "ping", "connection test", size=len(body))
        return Answer(200, {"outcome": "ping"})
    secrets = integration.secrets
    signed = kind.verify(secrets, headers, body, int(config["WEBHOOK_TOLERANCE_SECONDS"]))
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise NotJson(f"send Content-Type: application/json, not {request.mimetype or 'none'!r}")
    data = _parse_json(body)
    topic = kind.topic(headers)
    if kind.topics and topic not in kind.topics:
        _record(integration.id, integration.slug, 200, "ignored",
                "this topic does not concern orders", size=len(body), topic=topic)
        return Answer(200, {"outcome": "ignored", "detail": "topic not handled"})
    try:
        if not isinstance(data, dict):
            raise PayloadInvalid("the body must be a JSON object",
                                 errors=[{"field": "(body)", "message": "must be an object"}])
        order = kind.to_order(data, headers=headers, signed=signed, topic=topic,
                              integration=integration)
    except (ValidationError, PayloadInvalid) as error:
        errors = error.errors if isinstance(error, PayloadInvalid) else validation_errors(error)
        return _refuse_invalid(integration, kind, errors, body, topic)
    key = kind.dedup_key(headers=headers, signed=signed, topic=topic, data=data, body=body)
    return _store(integration, order, key, topic, len(body))


def _store(integration, order, key, topic, size) -> Answer:
    try:
        number, outcome = upsert_order(integration, order, key, topic, size)
    except DuplicateDelivery:
        number, outcome = record_duplicate(integration, key, topic, size)
    body = {"outcome": outcome}
    if number is not None:
        body["order"] = {"number": number}
    return Answer(200, body)


def _refuse_invalid(integration, kind, errors, body, topic) -> Answer:
    if not kind.parks_invalid:
        raise PayloadInvalid("see errors for each field", errors=errors)
    # Shops disable a webhook after repeated 4xx answers, so a signed payload we cannot
    # read is kept for a person to look at instead of refused.
    _record(integration.id, integration.slug, 202, "parked", "payload failed validation",
            errors=errors, size=len(body), topic=topic,
            # PostgreSQL text cannot hold NUL.
            parked_body=body.decode("utf-8", "replace").replace("\x00", "\ufffd"))
    return Answer(202, {"outcome": "parked", "errors": errors})


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
    kind: str
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


def _outcome_name(error: ProblemError) -> str:
    return {401: "bad_signature", 400: "unreadable", 413: "too_large", 415: "not_json",
            422: "invalid"}.get(error.status, "refused")


def _record(integration_id, slug, status, outcome, detail, *, errors=None, size=0, topic=None,
            parked_body=None):
    """Log a delivery that stored no order; never let logging turn an answer into a 500."""
    try:
        db.session.rollback()
        db.session.add(Delivery(
            integration_id=integration_id, slug=slug, status_code=status, outcome=outcome,
            detail=detail, errors=errors, body_bytes=size, topic=(topic or None) and topic[:64],
            parked_body=parked_body,
        ))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not log a delivery (outcome %s)", outcome, exc_info=True)

"""Integrations as the console manages them: secrets, the delivery log, parked payloads.

The console's Integrations pages (admins only) call these; the CLI's `integration`
commands keep using integrations.py. A secret is shown once, when it is made; afterwards
the pages name it by a fingerprint (its first and last characters), never in full.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import func, select

from ..errors import ProblemError, validation_errors
from ..extensions import db
from ..models import (
    Delivery,
    DeliveryOutcome,
    Integration,
    IntegrationKind,
    IntegrationSecret,
    ParkedApplication,
)
from .integrations import IntegrationRefused, add_integration, new_secret
from .kinds import KINDS
from .service import PayloadInvalid
from .signatures import is_valid_standard_secret
from .store import DuplicateDelivery, upsert_order


class IntegrationNotFound(ProblemError):
    status = 404
    title = "No such integration"


class ParkedNotFound(ProblemError):
    status = 404
    title = "No such parked delivery"


class LastSecret(ProblemError):
    status = 409
    title = "An integration keeps at least one secret"


def fingerprint(secret: str) -> str:
    """Name a secret without showing it: enough to tell two apart, too little to use."""
    return f"{secret[:10]}…{secret[-4:]}" if len(secret) > 16 else "…"


def get_integration(integration_id: int) -> Integration:
    """Return the integration or raise IntegrationNotFound."""
    found = db.session.get(Integration, integration_id)
    if found is None:
        raise IntegrationNotFound(f"no integration has the id {integration_id}")
    return found


def create_integration(slug: str, kind: str, language: str, default_language: str,
                       secret: str | None = None) -> tuple[Integration, str | None]:
    """Add an integration; return it and the secret we made (None: the given one is kept).

    Shopify signs with the shop's own secret, which the admin pastes; other kinds may
    take one we make. Raises IntegrationRefused when the slug is taken or malformed, or
    the secret is. The caller commits.
    """
    if db.session.execute(select(Integration.id).where(Integration.slug == slug)).first():
        raise IntegrationRefused(f"{slug} is taken")
    made = None if secret else new_secret(kind)
    return add_integration(slug, kind, secret or made, language, default_language), made


def rotate_secret(integration: Integration, secret: str | None = None) -> str | None:
    """Add a secret beside the old ones (both valid until the old is removed).

    Returns the secret we made, or None when the given one was added. Raises
    IntegrationRefused for a malformed or already listed secret.
    """
    made = None if secret else new_secret(integration.kind)
    secret = secret or made
    if integration.kind == IntegrationKind.STANDARD and not is_valid_standard_secret(secret):
        raise IntegrationRefused("a standard secret is whsec_ and base64 of >= 16 bytes")
    if secret in [item.secret for item in integration.secrets]:
        raise IntegrationRefused("this secret is listed already")
    integration.secrets.append(IntegrationSecret(secret=secret))
    return made


def remove_secret(integration: Integration, secret_id: int) -> None:
    """Stop accepting one secret; the last one stays (a sender always has a way in)."""
    found = next((item for item in integration.secrets if item.id == secret_id), None)
    if found is None:
        raise IntegrationNotFound(f"no secret {secret_id} on {integration.slug}")
    if len(integration.secrets) == 1:
        raise LastSecret("add a new secret before removing the last one")
    integration.secrets.remove(found)


def set_language(integration: Integration, language: str) -> None:
    """Change the language of orders that carry none (a common cause of parking)."""
    integration.default_language = language


@dataclass(frozen=True)
class IntegrationRow:
    """An integration with what its list shows."""

    integration: Integration
    last_delivery: datetime | None
    parked: int


def list_integrations() -> list[IntegrationRow]:
    """Return every integration with its last delivery and unsolved parked payloads."""
    last = dict(db.session.execute(
        select(Delivery.integration_id, func.max(Delivery.received_at))
        .group_by(Delivery.integration_id)).all())
    parked = dict(db.session.execute(
        _open_parked().with_only_columns(Delivery.integration_id, func.count())
        .group_by(Delivery.integration_id)).all())
    return [IntegrationRow(found, last.get(found.id), parked.get(found.id, 0))
            for found in db.session.execute(
                select(Integration).order_by(Integration.slug)).scalars()]


def _open_parked():
    """Parked deliveries with a kept body that no "apply again" has applied yet."""
    solved = select(ParkedApplication.delivery_id).where(
        ParkedApplication.outcome != DeliveryOutcome.PARKED)
    return select(Delivery).where(Delivery.outcome == DeliveryOutcome.PARKED,
                                  Delivery.parked_body.is_not(None),
                                  Delivery.id.not_in(solved))


def open_parked_count() -> int:
    """Count the parked deliveries still waiting to be applied again."""
    return db.session.execute(
        select(func.count()).select_from(_open_parked().subquery())).scalar_one()


def delivery_query(integration_id: int | None = None, outcome: str | None = None,
                   since: datetime | None = None):
    """Return the delivery log's query, newest first, with the page's filters."""
    query = select(Delivery)
    if integration_id is not None:
        query = query.where(Delivery.integration_id == integration_id)
    if outcome:
        query = query.where(Delivery.outcome == outcome)
    if since is not None:
        query = query.where(Delivery.received_at >= since)
    return query.order_by(Delivery.received_at.desc(), Delivery.id.desc())


def parked_query(integration_id: int | None = None, include_solved: bool = False):
    """Return parked deliveries (those not yet applied again, unless include_solved)."""
    query = _open_parked() if not include_solved else select(Delivery).where(
        Delivery.outcome == DeliveryOutcome.PARKED)
    if integration_id is not None:
        query = query.where(Delivery.integration_id == integration_id)
    return query.order_by(Delivery.received_at.desc(), Delivery.id.desc())


def applications(delivery_ids) -> dict[int, ParkedApplication]:
    """Return the latest "apply again" of each of the given parked deliveries."""
    latest = {}
    for row in db.session.execute(
            select(ParkedApplication).where(ParkedApplication.delivery_id.in_(delivery_ids))
            .order_by(ParkedApplication.id)).scalars():
        latest[row.delivery_id] = row
    return latest


def apply_parked(delivery_id: int, user_id: int | None) -> ParkedApplication:
    """Apply a parked payload again, as if it arrived now; record what became of it.

    The body was signed when it arrived (nothing unsigned is ever parked), so it is not
    checked again: the signature's headers are not kept. Its de-duplication key is the
    kind's own for a body without headers, so applying it twice stores it once. The
    caller commits.
    """
    parked = db.session.get(Delivery, delivery_id)
    if parked is None or parked.outcome != DeliveryOutcome.PARKED or parked.parked_body is None:
        raise ParkedNotFound(f"no parked payload {delivery_id} is kept")
    integration = get_integration(parked.integration_id)
    kind, topic, body = KINDS[integration.kind], parked.topic, parked.parked_body.encode()
    try:
        data = json.loads(body)
        order = kind.to_order(data, headers={}, signed={}, topic=topic,
                              integration=integration)
    except (ValidationError, PayloadInvalid, ValueError, RecursionError) as error:
        errors = (validation_errors(error) if isinstance(error, ValidationError)
                  else getattr(error, "errors", None) or [{"field": "(body)",
                                                           "message": str(error)}])
        return _record(parked, user_id, DeliveryOutcome.PARKED, None, _describe(errors))
    key = kind.dedup_key(headers={}, signed={}, topic=topic, order=order, body=body)
    try:
        number, outcome, _detail = upsert_order(integration, order, key, topic, len(body))
    except DuplicateDelivery:
        return _record(parked, user_id, DeliveryOutcome.DUPLICATE, None,
                       "this payload was applied before")
    return _record(parked, user_id, outcome, number, None)


def _describe(errors: list) -> str:
    return "; ".join(f"{error.get('field')}: {error.get('message')}" for error in errors)[:2000]


def _record(parked, user_id, outcome, number, detail) -> ParkedApplication:
    row = ParkedApplication(delivery_id=parked.id, applied_by_id=user_id, outcome=outcome,
                            order_number=number, detail=detail)
    db.session.add(row)
    return row

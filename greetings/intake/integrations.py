"""The senders of orders: adding one, and the secrets it may sign with."""

import base64
import secrets

from sqlalchemy import select

from ..extensions import db
from ..models import Integration, IntegrationKind, IntegrationSecret
from .signatures import is_valid_standard_secret


class IntegrationRefused(ValueError):
    """The integration cannot be added or changed as asked; the message says why."""


def new_secret(kind: str) -> str:
    """Return a fresh signing secret in the form the kind's senders expect."""
    if kind == IntegrationKind.STANDARD:
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    return secrets.token_urlsafe(32)


def add_integration(slug: str, kind: str, secret: str, language: str | None,
                    default_language: str) -> Integration:
    """Create the integration or add a secret to it (rotation: both stay valid).

    Raises IntegrationRefused for a malformed slug or secret, or a kind that differs from
    the existing integration's. The caller commits.
    """
    if not slug.replace("-", "").replace("_", "").isalnum() or len(slug) > 64:
        raise IntegrationRefused("a slug is up to 64 letters, digits, - and _")
    if kind == IntegrationKind.STANDARD and not is_valid_standard_secret(secret):
        raise IntegrationRefused("a standard secret is whsec_ and base64 of >= 16 bytes")
    found = db.session.execute(
        select(Integration).where(Integration.slug == slug)).scalar_one_or_none()
    if found is None:
        found = Integration(slug=slug, kind=kind, default_language=language or default_language)
        db.session.add(found)
    elif found.kind != kind:
        raise IntegrationRefused(f"{slug} is a {found.kind} integration, not {kind}")
    elif language:
        found.default_language = language
    if secret not in [s.secret for s in found.secrets]:
        found.secrets.append(IntegrationSecret(secret=secret))
    return found


def remove_secret(slug: str, secret: str) -> bool:
    """Stop accepting one secret of an integration; tell whether there was such a secret."""
    found = db.session.execute(
        select(IntegrationSecret).join(Integration)
        .where(Integration.slug == slug, IntegrationSecret.secret == secret)
    ).scalar_one_or_none()
    if found is not None:
        db.session.delete(found)
    return found is not None

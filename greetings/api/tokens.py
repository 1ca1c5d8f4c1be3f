"""API tokens: made once, shown once, stored as a hash, checked on every request."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import wraps

from flask import g, request
from sqlalchemy import select

from ..errors import ProblemError
from ..extensions import csrf, db
from ..models import ApiToken, utcnow
from ..station.identity import current_packer

LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_PREFIX = "gr_"  # noqa: S105 (a marker that helps secret scanners, not a secret)


class NotAuthenticated(ProblemError):
    status = 401
    title = "Not authenticated"

    def __init__(self, detail):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="greetings"'})


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(name: str) -> str:
    """Add a new token under `name` and return it; it cannot be shown again.

    Only its hash is stored, once the caller commits.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, token_hash=hash_token(token)))
    return token


def token_from_header(header: str | None) -> ApiToken | None:
    """Return the live token an `Authorization: Bearer …` header carries, or None."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    wanted = hash_token(token.strip())
    found = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == wanted, ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    # The lookup is by hash, so its timing tells nothing about the token; compare anyway.
    if found is None or not hmac.compare_digest(found.token_hash, wanted):
        return None
    return found


def _authenticate_bearer() -> bool:
    token = token_from_header(request.headers.get("Authorization"))
    if token is None:
        return False
    now = utcnow()
    # "Last used" to the minute is enough; a write on every API call is not.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    g.api_token = token
    return True


def bearer_required(view):
    """Let the view run only for a request with a valid API token (else 401)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _authenticate_bearer():
            raise NotAuthenticated("send Authorization: Bearer <API token>")
        return view(*args, **kwargs)

    return wrapper


def bearer_or_station(view):
    """Let an API token through, or a packer signed in at a station browser.

    The API is exempt from CSRF because tokens are not sent by browsers on their own; a
    station's session cookie is, so that path checks the CSRF token itself.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if "Authorization" not in request.headers and current_packer() is not None:
            csrf.protect()
            g.api_token = None
        elif not _authenticate_bearer():
            raise NotAuthenticated("send Authorization: Bearer <API token>, or sign in at "
                                   "a station")
        return view(*args, **kwargs)

    return wrapper

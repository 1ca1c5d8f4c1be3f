"""API tokens: made once, shown once, stored as a hash, checked on every request."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import g, request
from sqlalchemy import select

from ..errors import ProblemError
from ..extensions import csrf, db
from ..models import ApiToken, utcnow
from ..station.identity import current_packer
from ..text import clean_line
from .scopes import Scope, normalise_scopes, require_scope

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


NAME_MAX = 100


class TokenInvalid(ProblemError):
    status = 422
    title = "Input failed validation"


def create_token(name: str, scopes=None) -> str:
    """Add a new token under `name` with these scopes and return it; it is shown only now.

    Without scopes the token may pack and read feedback (scopes.normalise_scopes). Only
    its hash is stored, once the caller commits. Raises TokenInvalid for an empty or
    over-long name or an unknown scope.
    """
    name = clean_line(name)
    if not name or len(name) > NAME_MAX:
        raise TokenInvalid(f"a token's name is 1 to {NAME_MAX} characters")
    try:
        stored_scopes = normalise_scopes(scopes)
    except ValueError as error:
        raise TokenInvalid(str(error)) from error
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, token_hash=hash_token(token), scopes=stored_scopes))
    return token


def list_tokens(include_revoked: bool = False) -> list[ApiToken]:
    """Return the API tokens, newest first (revoked ones only when asked)."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.execute(query).scalars())


def revoke_token(token: ApiToken) -> None:
    """Revoke a token: from now on it is refused like an unknown one (the caller commits)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()


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


def authorise(scope: Scope | None, station: bool = False) -> None:
    """Let the request through with a token that has `scope`, else raise 401 or 403.

    With `station`, a packer signed in at a station browser may call the route too. The
    API is exempt from CSRF because tokens are not sent by browsers on their own; a
    station's session cookie is, so that path checks the CSRF token itself.
    """
    if station and "Authorization" not in request.headers and current_packer() is not None:
        csrf.protect()
        g.api_token = None
        return
    if not _authenticate_bearer():
        raise NotAuthenticated("send Authorization: Bearer <API token>" +
                               (", or sign in at a station" if station else ""))
    require_scope(g.api_token.scopes, scope)

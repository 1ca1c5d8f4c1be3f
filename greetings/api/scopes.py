"""What an API token may do: its scopes, and the check every API route makes.

PRODUCT.md: `pack`, `feedback:read`, `packers:read`, `packers:write` (which implies
`packers:read`). A token made without scopes may pack and read feedback, as every token
could before scopes existed (models.DEFAULT_SCOPES).
"""

from __future__ import annotations

import enum

from ..errors import ProblemError
from ..models import DEFAULT_SCOPES


class Scope(enum.StrEnum):
    """One thing a token may do."""

    PACK = "pack"
    FEEDBACK_READ = "feedback:read"
    PACKERS_READ = "packers:read"
    PACKERS_WRITE = "packers:write"


SCOPES = tuple(scope.value for scope in Scope)
IMPLIED = {Scope.PACKERS_WRITE: {Scope.PACKERS_READ}}
DESCRIPTIONS = {
    Scope.PACK: "record packed orders and fetch their cards",
    Scope.FEEDBACK_READ: "read customers' feedback",
    Scope.PACKERS_READ: "list packers",
    Scope.PACKERS_WRITE: "add and change packers and their signatures (includes packers:read)",
}


class InsufficientScope(ProblemError):
    status = 403
    title = "Insufficient scope"

    def __init__(self, needed: Scope):
        super().__init__(f"this token lacks the scope {needed.value}", headers={
            "WWW-Authenticate": f'Bearer realm="greetings", error="insufficient_scope", '
                                f'scope="{needed.value}"'})


def normalise_scopes(values) -> str:
    """Return scopes as stored: known ones only, in a fixed order, space-separated.

    None or nothing given means the default (pack and read feedback). Raises ValueError
    naming an unknown scope.
    """
    if values is None:
        return DEFAULT_SCOPES
    wanted = set()
    for value in values:
        for word in str(value).replace(",", " ").split():
            if word not in SCOPES:
                raise ValueError(f"unknown scope {word!r}; scopes are {', '.join(SCOPES)}")
            wanted.add(word)
    if not wanted:
        return DEFAULT_SCOPES
    return " ".join(scope for scope in SCOPES if scope in wanted)


def granted(stored: str) -> set[Scope]:
    """Return every scope a token's stored scopes grant, implied ones included."""
    scopes = {Scope(word) for word in (stored or "").split() if word in SCOPES}
    for scope in list(scopes):
        scopes |= IMPLIED.get(scope, set())
    return scopes


def require_scope(stored: str, needed: Scope | None) -> None:
    """Raise InsufficientScope unless the stored scopes grant `needed` (None: any token)."""
    if needed is not None and needed not in granted(stored):
        raise InsufficientScope(needed)

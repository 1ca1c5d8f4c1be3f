"""The card's feedback token: the one module that knows its alphabet.

It makes tokens, reads them back however a person or a phone hands them over, and
builds the addresses a card carries: the feedback URL, the form the QR code holds, and
the short form printed for those who type it.
"""

import re
import secrets
from urllib.parse import urlsplit

from flask import current_app

# Upper-case base32 (RFC 4648): an all-upper-case URL fits QR's compact alphanumeric mode,
# and the alphabet has no 0, 1 or 8, so those typed by mistake can be read as O, I and B.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
LENGTH = 26  # 26 x 5 bits = 130 bits from `secrets`
GROUP = 4  # the printed address groups the token in fours, the last group shorter
_TYPED_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u00b7.]+")
_TOKEN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_token() -> str:
    """Return a fresh unguessable token (130 bits from `secrets`)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str | None) -> str | None:
    """Return the stored form of a token as scanned or typed, or None if it cannot be one.

    Either case, with or without dashes or spaces between groups, and 0/1/8 for O/I/B:
    all name the same card.
    """
    if not typed or len(typed) > 4 * LENGTH:
        return None
    token = _SEPARATORS.sub("", typed).upper().translate(_TYPED_LOOKALIKES)
    return token if _TOKEN.fullmatch(token) else None


def public_url(path: str) -> str:
    """Return the address of a path under PUBLIC_BASE_URL."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def feedback_url(token: str) -> str:
    """Return the feedback page of a card, as the API hands it out."""
    return public_url(f"/f/{token}")


def qr_url(token: str) -> str:
    """Return the URL the card's QR code holds.

    All upper case fits QR's alphanumeric mode: version 3 instead of 4 for a typical base
    URL, so larger modules on the same square. Scheme and host ignore case and the service
    answers /F/<TOKEN>; a base URL with a path of its own keeps its case, since that path
    may not.
    """
    url = feedback_url(token)
    if not current_app.config["QR_UPPERCASE"] or urlsplit(url).path.count("/") != 2:
        return url
    return url.upper()


def printed_address(token: str) -> str:
    """Return the short address printed under the QR: no scheme, the token in groups."""
    groups = "-".join(token[i:i + GROUP] for i in range(0, len(token), GROUP))
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    return f"{parts.netloc}{parts.path}/f/{groups}"

"""A packer's signature: from an upload or a drawing to the images cards print.

Every way in (console, Packers API, command line) goes through `prepare`, the card
renderer's Pillow pipeline (admission before decoding, then the clean-up of scans and
phone photos). The console shows a preview before saving: the prepared images travel
back to the browser inside a signed, time-limited token, so several app servers need no
shared scratch space and nothing unprepared can be saved.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..cards.renderer import ImageRejected, prepare_signature
from ..cards.renderer.images import MAX_BYTES
from ..errors import ProblemError
from ..models import Packer
from .service import store_signature

PREVIEW_MAX_AGE = 3600  # seconds a previewed signature may wait before it is saved
# An upload route's body limit: the 10 MB of PRODUCT.md "Limits" and room for a form's
# encoding, so a file just over 10 MB gets admission's own message, not a bare 413.
UPLOAD_BODY_LIMIT = MAX_BYTES + 512 * 1024


class SignatureRefused(ProblemError):
    """An image that cannot be a signature; `reason` and `params` come from ImageRejected."""

    title = "Signature refused"

    def __init__(self, rejection: ImageRejected):
        super().__init__(rejection.message,
                         errors=[{"field": "signature", "message": rejection.message,
                                  "reason": rejection.reason}])
        self.status = rejection.status
        self.reason, self.params = rejection.reason, rejection.params


class PreviewExpired(ProblemError):
    status = 400
    title = "Preview expired"


@dataclass(frozen=True)
class PreparedSignature:
    """A signature ready for cards: transparent PNG (laser) and 1-bit PNG (thermal)."""

    png: bytes
    bilevel: bytes


def prepare(raw: bytes) -> PreparedSignature:
    """Clean a scan, phone photo or drawing up for print; raise SignatureRefused."""
    try:
        png, bilevel = prepare_signature(raw)
    except ImageRejected as rejection:
        raise SignatureRefused(rejection) from rejection
    return PreparedSignature(png, bilevel)


def set_signature(packer: Packer, raw: bytes) -> PreparedSignature:
    """Prepare an image and store it as the packer's signature (the caller commits)."""
    prepared = prepare(raw)
    store_signature(packer, prepared.png, prepared.bilevel)
    return prepared


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="signature-preview")


def preview_token(packer: Packer, prepared: PreparedSignature) -> str:
    """Return a signed token carrying a prepared signature for this packer."""
    return _serializer().dumps({"packer": packer.id,
                                "png": base64.b64encode(prepared.png).decode(),
                                "bilevel": base64.b64encode(prepared.bilevel).decode()})


def read_preview_token(token: str, packer: Packer) -> PreparedSignature:
    """Return the signature a preview token carries for this packer; raise PreviewExpired."""
    try:
        data = _serializer().loads(token or "", max_age=PREVIEW_MAX_AGE)
        if data.get("packer") != packer.id:
            raise BadSignature("another packer's preview")
        return PreparedSignature(base64.b64decode(data["png"], validate=True),
                                 base64.b64decode(data["bilevel"], validate=True))
    except (BadSignature, KeyError, TypeError, AttributeError, ValueError,
            binascii.Error) as error:
        raise PreviewExpired("preview the signature again, then save it") from error

"""POST /webhooks/<slug>: the one door orders come in by."""

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import ProblemError
from ..extensions import db
from . import service
from .deliveries import answered_status

bp = Blueprint("intake", __name__)
log = logging.getLogger(__name__)


@bp.post("/webhooks/<slug>")
def receive(slug):
    """Verify, log and store one delivery; refusals answer problem+json."""
    config = current_app.config
    limit = int(config["WEBHOOK_MAX_BYTES"])
    try:
        receipt = service.receive(
            slug, request.headers, _body(limit), request.mimetype,
            content_length=request.content_length, max_bytes=limit,
            tolerance=int(config["WEBHOOK_TOLERANCE_SECONDS"]))
    except ProblemError:
        _commit_refusal_log()
        raise
    # The answer promises the order is stored: only after this commit.
    db.session.commit()
    answer = {"outcome": receipt.outcome}
    if receipt.order_number is not None:
        answer["order"] = {"number": receipt.order_number}
    if receipt.errors is not None:
        answer["errors"] = receipt.errors
    if receipt.detail is not None:
        answer["detail"] = receipt.detail
    return jsonify(answer), answered_status(receipt.outcome)


def _body(limit: int) -> bytes | None:
    """Return the raw body, or None when it is over the limit (then it is not read)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        # A body sent without Content-Length ran past MAX_CONTENT_LENGTH while read.
        return None


def _commit_refusal_log():
    # The refusal's log row; failing to keep it must not turn the refusal into a 500.
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not log a refused delivery", exc_info=True)

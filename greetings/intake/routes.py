"""POST /webhooks/<slug>: the one door orders come in by."""

import logging
import math
import time

from flask import Blueprint, current_app, jsonify, request
from flask_limiter.util import get_remote_address
from limits import parse_many
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import ProblemError, database_unavailable
from ..extensions import db, limiter
from ..models import DeliveryOutcome
from . import service, spool
from .deliveries import answered_status

bp = Blueprint("intake", __name__)
bp.record_once(lambda state: spool.init_app(state.app))
log = logging.getLogger(__name__)
REFUSAL_SCOPE = "webhook-refusals"


@bp.post("/webhooks/<slug>")
def receive(slug):
    """Verify, log and store one delivery; refusals answer problem+json.

    While the database cannot be reached the delivery is spooled (202) and applied later.
    """
    config = current_app.config
    limit = int(config["WEBHOOK_MAX_BYTES"])
    # The app itself: the applier's thread runs outside any request.
    spool.start_applier(current_app._get_current_object())
    body, received_at = _body(limit), time.time()
    try:
        receipt = service.receive(
            slug, request.headers, body, request.mimetype,
            content_length=request.content_length, max_bytes=limit,
            tolerance=int(config["WEBHOOK_TOLERANCE_SECONDS"]), received_at=received_at,
            refusal_wait=_refusal_wait)
        # The answer promises the order is stored: only after this commit.
        db.session.commit()
    except ProblemError:
        _commit_refusal_log()
        raise
    except Exception as error:
        if not database_unavailable(error):
            raise
        receipt = _spool(slug, body, received_at, limit, error)
    answer = {"outcome": receipt.outcome}
    if receipt.order_number is not None:
        answer["order"] = {"number": receipt.order_number}
    if receipt.errors is not None:
        answer["errors"] = receipt.errors
    if receipt.detail is not None:
        answer["detail"] = receipt.detail
    return jsonify(answer), answered_status(receipt.outcome)


def _spool(slug, body, received_at, limit, error) -> service.Receipt:
    """Keep a delivery the database could not take; raise SpoolFull (503) when full."""
    _rollback_quietly()
    if body is None:
        # Not read (over the limit): nothing to keep, and 413 is the answer anyway.
        raise service.BodyTooLarge(f"the limit is {limit} bytes")
    spool.write(spool.Spooled(slug=slug, headers=spool.headers_to_keep(request.headers),
                              mimetype=request.mimetype, received_at=received_at,
                              body=body))
    log.warning("database unavailable: webhook delivery to %r spooled (%s)", slug[:64],
                type(getattr(error, "orig", None) or error).__name__)
    return service.Receipt(DeliveryOutcome.SPOOLED,
                           detail="taken while the database is away; applied once it is back")


def _refusal_wait() -> int | None:
    """Count a 401/404 against the client's address; return seconds to wait once it is over.

    Not the limiter's decorator: that checks the limit before the view runs, so an address
    past its budget would get 429 for correctly signed deliveries too, and WooCommerce
    disables a webhook after 5 failures. This counts on the limiter's configured storage
    (Redis, shared by every app server, when one is set) only once the service has decided
    to refuse. A storage that fails lets the refusal through as 401/404.
    """
    if not limiter.enabled:
        return None
    address = get_remote_address() or "unknown"
    try:
        strategy = limiter.limiter
        for item in parse_many(current_app.config["WEBHOOK_REFUSAL_RATELIMIT"]):
            if not strategy.hit(item, REFUSAL_SCOPE, address):
                reset = strategy.get_window_stats(item, REFUSAL_SCOPE, address).reset_time
                return max(1, math.ceil(reset - time.time()))
    except Exception:  # the rate-limit store is away: refuse as usual, unlimited
        log.warning("webhook refusal limit could not be counted", exc_info=True)
    return None


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
        _rollback_quietly()
        log.warning("could not log a refused delivery", exc_info=True)


def _rollback_quietly():
    # A rollback on a connection that died can fail too; the answer matters more.
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed", exc_info=True)

"""POST /webhooks/<slug>: the one door orders come in by."""

from flask import Blueprint, current_app, jsonify, request

from . import service

bp = Blueprint("intake", __name__)


@bp.post("/webhooks/<slug>")
def receive(slug):
    """Verify, record and store one delivery; errors answer problem+json."""
    answer = service.receive(slug, request, current_app.config)
    return jsonify(answer.body), answer.status

"""/api/v1: endpoints for other systems."""

from flask import Blueprint, g, jsonify

from .tokens import bearer_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/whoami")
@bearer_required
def whoami():
    """Tell a client which token it is using (a cheap way to test a token)."""
    return jsonify({"token": {"name": g.api_token.name}})

"""Pages that belong to no capability: the health check and the front page."""

from flask import Blueprint, jsonify, render_template

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    """Answer that the process is up, touching nothing else (the load balancer's check)."""
    return jsonify({"status": "ok"})


@bp.get("/")
def index():
    """Show what the service is and where its parts are."""
    return render_template("index.html")

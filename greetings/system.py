"""Pages that belong to no capability: the health check and the front page."""

from flask import Blueprint, current_app, jsonify, render_template, request, session

from .station.identity import current_station

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    """Answer that the process is up, touching nothing else (the load balancer's check)."""
    return jsonify({"status": "ok"})


@bp.get("/")
def index():
    """Show what the service is and send each kind of visitor to their part of it."""
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        session["lang"] = request.args["lang"]
    return render_template("index.html", station=current_station())

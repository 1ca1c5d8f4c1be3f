"""Pages that belong to no capability: health, readiness, metrics and the front page."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    session,
)

from .extensions import limiter
from .ops import metrics
from .ops.readiness import readiness
from .station.identity import current_station

bp = Blueprint("system", __name__)
# Answered on the internal metrics listener; everything else there is a 404.
INTERNAL_ENDPOINTS = frozenset({"system.healthz", "system.readyz", "system.metrics_page"})


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Answer that the process is up, touching nothing else (the load balancer's check)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Answer whether this server can work now: database, migrations, Redis, rate limits."""
    ready, checks = readiness()
    response = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    return response


@bp.get("/metrics")
@limiter.exempt
def metrics_page():
    """Serve the Prometheus metrics to a holder of the token or on the internal listener."""
    if not metrics.scrape_allowed():
        abort(404)
    return Response(metrics.exposition(current_app._get_current_object()),
                    content_type=metrics.CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})


@bp.before_app_request
def internal_listener_serves_only_operations():
    """Keep the metrics listener to health, readiness and metrics."""
    if request.endpoint not in INTERNAL_ENDPOINTS and metrics.arrived_on_internal_bind():
        abort(404)


@bp.get("/")
def index():
    """Show what the service is and send each kind of visitor to their part of it."""
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        session["lang"] = request.args["lang"]
    return render_template("index.html", station=current_station())

"""One place that turns errors into answers: problem+json for machines, pages for people."""

import logging

from flask import Response, current_app, json, render_template, request
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

log = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/webhooks/", "/api/")


class ProblemError(Exception):
    """An error a capability raises, carrying its HTTP status and RFC 9457 fields."""

    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(self, detail=None, *, errors=None, headers=None):
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def body(self):
        """Return the problem document as a dict."""
        problem = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            problem["detail"] = self.detail
        if self.errors is not None:
            problem["errors"] = self.errors
        return problem


class UnreadableJson(ProblemError):
    status = 400
    title = "Unreadable JSON"


class InvalidInput(ProblemError):
    """Input that parsed but failed validation; `errors` names each field."""

    status = 422
    title = "Input failed validation"


def validation_errors(error: ValidationError) -> list[dict]:
    """List each field pydantic refused as `{"field": "customer.first_name", "message": …}`."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "(body)",
            "message": item["msg"],
        }
        for item in error.errors(include_url=False, include_input=False)
    ]


def problem_response(status, title, detail=None, *, errors=None, headers=None):
    """Build an application/problem+json response (RFC 9457)."""
    error = ProblemError(detail, errors=errors, headers=headers)
    error.status, error.title = status, title
    return _problem(error.body(), status, error.headers)


def _problem(problem, status, headers=None):
    response = Response(
        json.dumps(problem, ensure_ascii=False), status=status,
        mimetype="application/problem+json",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_problem_json():
    """Tell whether this request comes from a machine (webhooks, API, a page's fetch)."""
    if request.path.startswith(MACHINE_PREFIXES) or request.is_json:
        return True
    best = request.accept_mimetypes.best
    return best in {"application/json", "application/problem+json"}


def handle_problem(error: ProblemError):
    """Answer a capability's own error."""
    if wants_problem_json():
        return _problem(error.body(), error.status, error.headers)
    return _page(error.status, error.title, error.detail)


def handle_http(error: HTTPException):
    """Answer Werkzeug's errors (404, 405, 413…) in the form the caller reads."""
    if wants_problem_json():
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        return problem_response(error.code or 500, error.name, error.description, headers=headers)
    # Werkzeug's stock descriptions are English; a page shows one only when our code set it.
    own = error.description if error.description != type(error).description else None
    return _page(error.code or 500, error.name, own)


def handle_unexpected(error: Exception):
    """Log a bug, roll back, and answer 500 without details (503 if the database is away)."""
    if database_unavailable(error):
        return handle_database_unavailable(error)
    _rollback()
    log.exception("unhandled error on %s %s", request.method, _route())
    return handle_http(InternalServerError())


# What a database that cannot be reached (stopped, restarting, out of connections, locked
# past the busy timeout) raises, as opposed to a query that is wrong.
UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def database_unavailable(error: BaseException) -> bool:
    """Tell whether an error means the database is unreachable for now (not a bug)."""
    if isinstance(error, UNAVAILABLE):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def handle_database_unavailable(error: Exception):
    """Answer 503 with Retry-After: problem+json for machines, a page for people."""
    _rollback()
    # The error's text stays out of the log: hide_parameters keeps the values out, but the
    # server's own message may quote a row.
    log.warning("database unavailable on %s %s (%s)", request.method, _route(),
                type(getattr(error, "orig", None) or error).__name__)
    headers = {"Retry-After": str(current_app.config["RETRY_AFTER_SECONDS"])}
    title, detail = "Service unavailable", "The database cannot be reached; try again shortly."
    if wants_problem_json():
        return problem_response(503, title, detail, headers=headers)
    return (render_template("errors/503.html", status=503, title=title, detail=detail), 503,
            headers)


def close_session(_exc=None):
    """End the request's session even when its connection died after the answer was made.

    Flask-SQLAlchemy's own teardown rolls back on the dead connection and the error escapes
    the app, so gunicorn replaced a finished 200 with its own 500 whenever PostgreSQL went
    away in between. Registered after it, this runs first (teardowns run in reverse).
    """
    for _attempt in range(2):
        try:
            db.session.remove()
            return
        except Exception:  # the connection is invalidated by the first failure
            log.warning("database connection lost while closing a session")
    db.session.registry.clear()


def _rollback():
    # A rollback on a connection that died can fail too; the answer matters more.
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed", exc_info=True)


def _route() -> str:
    # The URL rule, not the path: a path may hold a feedback token.
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def _page(status, title, detail):
    # A status with a page of its own (errors/404.html, errors/429.html) gets that page.
    templates = [f"errors/{status}.html", "errors/error.html"]
    return render_template(templates, status=status, title=title, detail=detail), status


def init_app(app):
    """Register the error handlers."""
    app.register_error_handler(ProblemError, handle_problem)
    app.register_error_handler(HTTPException, handle_http)
    for error in UNAVAILABLE:
        app.register_error_handler(error, handle_database_unavailable)
    app.teardown_appcontext(close_session)
    app.register_error_handler(Exception, handle_unexpected)

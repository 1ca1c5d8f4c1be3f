"""One place that turns errors into answers: problem+json for machines, pages for people."""

import logging

from flask import Response, json, render_template, request
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
    """Log a bug, roll back, and answer 500 without details."""
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http(InternalServerError())


def _page(status, title, detail):
    # A status with a page of its own (errors/404.html, errors/429.html) gets that page.
    templates = [f"errors/{status}.html", "errors/error.html"]
    return render_template(templates, status=status, title=title, detail=detail), status


def init_app(app):
    """Register the error handlers."""
    app.register_error_handler(ProblemError, handle_problem)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)

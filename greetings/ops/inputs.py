"""Hostile input the whole app refuses the same way: huge ids, deep JSON, endless bodies.

Each guard sits where every route passes through it (the URL map, the JSON provider, the
WSGI pipeline), so no single view can forget it.
"""

import json
import re
import tempfile

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

# PostgreSQL's `integer` (our primary keys) ends here; SQLite's at 2**63 - 1.
MAX_ID = 2**31 - 1
TOO_LARGE = "greetings.body_too_large"
INCOMPLETE = "greetings.body_incomplete"
_READ = 64 * 1024


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits within a database id, else the route is a 404.

    Werkzeug's own converter takes any number of Unicode digits, so an id past 2**31 (or a
    5,000-digit one) reached the database and came back as a 500.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


# A JSON string (with its escapes) or one bracket: what a depth count has to look at.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth_within(text: str, limit: int) -> bool:
    """Tell whether no array or object in `text` is nested deeper than `limit`.

    Counted before parsing: Python's parser recurses once per level and fails with a
    RecursionError (not a ValueError) on 100,000 levels, and so would anything walking
    the result afterwards.
    """
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > limit:
                return False
        elif mark in "]}":
            depth -= 1
    return True


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with bodies nested deeper than `JSON_MAX_DEPTH` refused as unreadable."""

    def loads(self, s, **kwargs):
        """Parse JSON text; raise ValueError (Flask's 400) when it is nested too deeply."""
        text = s.decode(json.detect_encoding(s), "replace") if isinstance(s, bytes) else s
        limit = int(self._app.config.get("JSON_MAX_DEPTH", 32))
        if not json_depth_within(text, limit):
            raise ValueError(f"JSON nested deeper than {limit} levels")
        return super().loads(s, **kwargs)


class ChunkedBodyLimit:
    """Give the app a sized body even when the sender streamed it chunked (no Content-Length).

    Werkzeug caps a chunked body at the app's limit by cutting it silently, so a webhook of
    1 MiB + 1 byte arrived truncated and was refused as badly signed (401). Here such a body
    is read up to `ceiling` (the largest any route accepts) into a spooled file and handed on
    with its Content-Length, so each route's own limit answers 413 as for any sized body;
    past the ceiling the request is marked and `refuse_unread_body` answers 413.
    """

    def __init__(self, wsgi_app, ceiling: int, drain: int):
        self.wsgi_app, self.ceiling, self.drain = wsgi_app, ceiling, drain

    def __call__(self, environ, start_response):
        if _is_chunked(environ):
            _buffer_body(environ, self.ceiling, self.drain)
        return self.wsgi_app(environ, start_response)


def _is_chunked(environ) -> bool:
    return (not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower())


def _buffer_body(environ, ceiling: int, drain: int) -> None:
    stream = environ["wsgi.input"]
    body = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (the request's body)
    size, problem = 0, None
    try:
        while chunk := stream.read(_READ):
            size += len(chunk)
            if size > ceiling:
                problem = TOO_LARGE
                break
            body.write(chunk)
        if problem:
            # Read on a little, so that a sender that writes its whole body before it reads
            # the answer sees the 413 instead of a reset connection.
            while size < drain and (chunk := stream.read(_READ)):
                size += len(chunk)
    except (OSError, ValueError):  # gunicorn's chunk parser raises IOError subclasses
        problem = problem or INCOMPLETE
    del environ["HTTP_TRANSFER_ENCODING"]
    if problem:
        body.close()
        environ[problem] = ceiling
        body, size = tempfile.SpooledTemporaryFile(max_size=1), 0  # noqa: SIM115
    body.seek(0)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = body, str(size)


def refuse_unread_body():
    """Answer 413 for a chunked body past the ceiling, 400 for one that broke off.

    Raised from a hook, so the answer is problem+json or a page as for any other error.
    """
    if (ceiling := request.environ.get(TOO_LARGE)) is not None:
        raise RequestEntityTooLarge(f"the body is larger than {ceiling} bytes")
    if INCOMPLETE in request.environ:
        raise BadRequest("the chunked body ended early or was malformed")


def body_limit(max_bytes: int):
    """Give a view its own body limit instead of the app-wide one (MAX_CONTENT_LENGTH).

    Image uploads take up to 10 MB while every other route keeps 1 MiB (PRODUCT.md,
    "Limits"). The limit is set before any hook reads the body (CSRF reads the form),
    by `apply_body_limit`; it cannot exceed REQUEST_MAX_BYTES for a chunked body.
    """

    def decorate(view):
        view.body_limit = int(max_bytes)
        return view

    return decorate


def apply_body_limit(endpoint, _values):
    """Set this request's body limit from its view's `body_limit` (a URL value preprocessor).

    URL value preprocessors run before every before_request hook, so the limit is in
    place before Flask-WTF's CSRF check parses the form.
    """
    view = current_app.view_functions.get(endpoint) if endpoint else None
    limit = getattr(view, "body_limit", None)
    if limit is not None:
        request.max_content_length = limit


def init_app(app):
    """Install the bounded `int` converter, the depth-limited JSON and the body ceiling.

    Call before blueprints are registered: a rule takes its converters when it is added.
    """
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = LimitedJSONProvider(app)
    config = app.config
    ceiling = max(int(config["REQUEST_MAX_BYTES"]), int(config.get("MAX_CONTENT_LENGTH") or 0))
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, ceiling, drain=2 * ceiling)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unread_body)
    app.url_value_preprocessor(apply_body_limit)

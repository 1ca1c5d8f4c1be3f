"""One JSON line per log record, each carrying its request's id, none carrying a secret.

Feedback tokens are the keys to a customer's answer page, so they are cut out of every
line (the access logs of gunicorn and werkzeug included), and so is the part of a
PostgreSQL error that quotes a row's values.
"""

import ipaddress
import logging
import re
import sys
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

# /f/<token>, /F/<TOKEN> and the pages under them; a typed token may hold dashes or spaces.
_FEEDBACK_PATH = re.compile(r"(/[fF]/)[^/?#\s\"']+")
# "DETAIL:  Key (email)=(a@b.c) already exists." / "Failing row contains (…)."
_ROW_VALUES = re.compile(r"(DETAIL:\s+)[^\n]*")
# What a client may choose as its request id (else we make one).
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}")
_HANDLER_MARK = "_greetings_json"
REDACTED = "…"


def anonymise_address(address: str | None) -> str:
    """Keep the network of a client address (IPv4 /24, IPv6 /48), never the host."""
    try:
        ip = ipaddress.ip_address((address or "").strip("[]"))
    except ValueError:
        return "-"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def redact(text: str) -> str:
    """Cut feedback tokens and quoted row values out of a log text."""
    text = _FEEDBACK_PATH.sub(r"\1" + REDACTED, text)
    return _ROW_VALUES.sub(r"\1" + REDACTED, text)


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines with a timestamp, level, logger, message and the request id."""

    def __init__(self):
        super().__init__("%(levelname)s %(name)s %(message)s",
                         rename_fields={"levelname": "level", "name": "logger"},
                         timestamp="time")

    def format(self, record):
        """Format the record with its message and traceback redacted."""
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return super().format(record)

    def formatException(self, ei):  # noqa: N802 (logging's name)
        """Format a traceback with tokens and row values cut out."""
        return redact(super().formatException(ei))


class RedactingFilter(logging.Filter):
    """Redact the message of every record that passes (for loggers we do not format)."""

    def filter(self, record):
        """Rewrite the record's message in place; never drop it."""
        record.msg, record.args = redact(record.getMessage()), None
        return True


def current_request_id() -> str | None:
    """Return the id of the request being handled, or None outside a request."""
    if has_request_context():
        return g.get("request_id")
    return None


def assign_request_id():
    """Take the caller's X-Request-ID when it looks like one, else make one."""
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def echo_request_id(response):
    """Send the request id back, so a caller can quote it."""
    response.headers["X-Request-ID"] = g.get("request_id") or "-"
    return response


def configure_logging(level: str = "INFO", stream=None) -> None:
    """Send the process's log records to stderr as redacted JSON lines (once per process)."""
    root = logging.getLogger()
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(RedactingJsonFormatter())
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(level.upper())
    # The development server logs each request line itself, token and all.
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in werkzeug.filters):
        werkzeug.addFilter(RedactingFilter())


def init_app(app):
    """Log as JSON with request ids; echo X-Request-ID on every answer."""
    configure_logging(app.config["LOG_LEVEL"])
    # Flask's own handler would print every app record a second time, unformatted.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request(echo_request_id)

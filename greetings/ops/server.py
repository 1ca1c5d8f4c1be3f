"""gunicorn's side of the logs and metrics (used by gunicorn.conf.py).

Access lines are JSON with the route's path redacted (feedback tokens), the client's
network rather than its address, the request id the app echoed, and no query string,
user agent, referrer or cookie; gunicorn's own messages are JSON too.
"""

import json
import os
import time

from gunicorn.glogging import Logger

from .logs import RedactingJsonFormatter, anonymise_address, redact


class JsonLogger(Logger):
    """gunicorn's logger, writing JSON lines without tokens."""

    def setup(self, cfg):
        """Set gunicorn's handlers up as usual, then give its error log our JSON format."""
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(RedactingJsonFormatter())

    def access(self, resp, req, environ, request_time):
        """Write one JSON line per answered request."""
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = dict((name.lower(), value) for name, value in (resp.headers or []))
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "logger": "gunicorn.access",
            "remote": anonymise_address(environ.get("REMOTE_ADDR")),
            "method": environ.get("REQUEST_METHOD"),
            "path": redact(environ.get("PATH_INFO", "")),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": headers.get("x-request-id"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # gunicorn's own rule: a log line never fails a request
            self.exception("access log line failed")

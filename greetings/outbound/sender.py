"""One HTTP POST to a checked target, with a hard deadline and no redirects.

Written on http.client rather than requests/httpx/urllib3 because a delivery needs three
things together that those make awkward: the connection goes to the address the SSRF
check approved (not to a second DNS answer), the whole exchange ends at the deadline (their
timeouts are per read, so a receiver trickling bytes could hold a worker for ever), and
a redirect is an answer, never followed.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from .targets import Target

_TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Answer:
    """What came back: an HTTP status, or the reason there was none."""

    status: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        """Tell whether the receiver took the event (any 2xx in time)."""
        return self.status is not None and 200 <= self.status < 300 and self.error is None


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=_TLS)
        self._address = target.address

    def connect(self):
        raw = socket.create_connection((self._address, self.port), self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The certificate is checked against the host name, not the address we dialled.
        self.sock = _TLS.wrap_socket(raw, server_hostname=self.host)


def post(target: Target, headers: dict, body: bytes, timeout: float) -> Answer:
    """POST `body` and return the status, or why there is none, within `timeout` seconds."""
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, timeout)
    expired = threading.Event()

    def cut_off():
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(timeout, cut_off)
    timer.daemon = True
    started = time.monotonic()
    timer.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        response.read(4096)  # a polite read of a short answer; its content is not kept
        error = None if 200 <= status < 300 else _status_text(status, response.reason)
    except (OSError, http.client.HTTPException) as failure:
        status, error = None, _failure_text(failure)
    finally:
        timer.cancel()
        connection.close()
    elapsed = time.monotonic() - started
    if expired.is_set() or elapsed > timeout:
        status, error = None, f"no answer within {timeout:g} s"
    return Answer(status, error, int(elapsed * 1000))


def _status_text(status: int, reason: str) -> str:
    text = f"answered {status} {reason}".strip()
    if 300 <= status < 400:
        text += " (redirects are not followed)"
    return text[:200]


def _failure_text(failure: Exception) -> str:
    if isinstance(failure, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(failure, ConnectionRefusedError):
        return "connection refused"
    if isinstance(failure, ssl.SSLError):
        return f"TLS failed: {failure.reason or failure}"[:200]
    return f"{type(failure).__name__}: {failure}"[:200]

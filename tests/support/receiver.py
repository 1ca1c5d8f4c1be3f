"""A real local HTTP receiver of outbound webhooks, whose behaviour a test scripts.

It binds 127.0.0.1 on a port of its own, records every request when it arrives (before
answering), and answers as `behaviour(request)` says: a status, after an optional delay.
`stop()` closes the port (the receiver is "down"); `start()` opens the same port again.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from greetings.intake.signatures import verify_standard
from tests.support.servers import free_port


@dataclass
class Received:
    """One request as it arrived."""

    webhook_id: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.time)
    monotonic: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def verifies(self, secret: str) -> bool:
        """Tell whether the signature checked out with this secret when the request came."""
        try:
            verify_standard([secret], self.headers, self.body, tolerance=300,
                            now=int(self.at))
            return True
        except Exception:
            return False


def answer_ok(_request: Received):
    return 200, 0.0


class Receiver:
    """The receiver; `behaviour(request) -> (status, delay_seconds)` decides each answer."""

    def __init__(self, path: str = "/hook"):
        self.port = free_port()
        self.path = path
        self.behaviour = answer_ok
        self.received: list[Received] = []
        self.answered: list[tuple[str, int]] = []
        self._lock = threading.RLock()  # wait_for holds it while predicates read
        self._arrived = threading.Condition(self._lock)
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self):
        """Listen (again) on the receiver's port; return self."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender went away mid-body (a worker killed while sending): no
                    # web server hands such a request to its application, so neither do we.
                    self.close_connection = True
                    return
                request = Received(self.headers.get("webhook-id", ""),
                                   {k.lower(): v for k, v in self.headers.items()}, body)
                receiver._record(request)
                status, delay = receiver.behaviour(request)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    receiver._note_answer(request, status)
                except OSError:
                    pass  # the sender gave up (timeout) before we answered

            def log_message(self, *args):
                pass

        for _ in range(50):  # the old socket may linger a moment after a stop
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"port {self.port} stays busy")
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Close the port: connections are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _record(self, request: Received):
        with self._arrived:
            self.received.append(request)
            self._arrived.notify_all()

    def _note_answer(self, request: Received, status: int):
        with self._lock:
            self.answered.append((request.webhook_id, status))

    def count(self, webhook_id: str) -> int:
        """Return how many requests carried this webhook-id."""
        with self._lock:
            return sum(1 for request in self.received if request.webhook_id == webhook_id)

    def ids(self) -> set[str]:
        with self._lock:
            return {request.webhook_id for request in self.received}

    def accepted_ids(self) -> set[str]:
        """Return the ids that got a 2xx answer from us."""
        with self._lock:
            return {webhook_id for webhook_id, status in self.answered if 200 <= status < 300}

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "the condition") -> None:
        """Wait until predicate() holds (checked on every arrival and every 0.2 s)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                         f"received {len(self.received)} request(s)")
                self._arrived.wait(min(left, 0.2))

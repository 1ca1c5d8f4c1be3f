"""nginx (the repo's template) in front of two gunicorn servers (the repo's gunicorn.conf.py).

gunicorn alone answers broken requests in HTML and lets a slow sender hold a sync worker;
in front of it nginx answers those in problem+json and hands the app only whole requests.
"""

import shutil
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from tests.conftest import need
from tests.support.nginx import TEMPLATE, NginxServer, nginx_binary, placeholders, render
from tests.support.servers import GunicornServer
from tests.support.webhooks import generic_body, standard_headers

CLIENT_TIMEOUT = 3  # seconds nginx waits between two reads of a client's request


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Two app servers with one sync worker each on one SQLite file, nginx in front."""
    need(nginx_binary() is not None, "Debian's nginx is not installed")
    base = tmp_path_factory.mktemp("proxy")
    url = f"sqlite:///{base / 'greetings.sqlite'}"
    env = {"GREETINGS_SECRET_KEY": "proxy-test", "GREETINGS_PROXY_COUNT": "1"}
    first = GunicornServer(base / "a", url, workers=1, extra_env=env).start()
    second = GunicornServer(base / "b", url, workers=1, extra_env=env).start(migrate=False)
    first.cli_here("integration", "add", "erp", "--kind", "standard", "--secret",
                   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    nginx = NginxServer([first.port, second.port], client_timeout=f"{CLIENT_TIMEOUT}s").start()
    yield nginx, [first, second]
    nginx.stop()
    for server in (first, second):
        server.stop()


def exchange(port, data: bytes, wait: float = 20.0) -> bytes:
    """Send raw bytes, then read until the server closes (or `wait` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            answer += b"<no more within the wait>"
    return answer


def parse(answer: bytes):
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def app_requests(servers) -> int:
    return sum(len(server.access_log()) for server in servers)


def chunked(body: bytes) -> bytes:
    return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


BROKEN = {
    400: b"NOT AN HTTP REQUEST\r\n\r\n",
    414: b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    431: b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
    413: (b"POST /webhooks/erp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 2000000\r\n\r\n"),
}


@pytest.mark.parametrize("status", sorted(BROKEN))
def test_nginx_refuses_broken_requests_in_problem_json(stack, status):
    nginx, servers = stack
    before = app_requests(servers)
    code, headers, body = parse(exchange(nginx.port, BROKEN[status]))
    assert code == status
    assert headers["Content-Type"] == "application/problem+json"
    assert f'"status":{status}'.encode() in body
    assert app_requests(servers) == before  # no app server saw it


def test_gunicorn_alone_answers_such_requests_in_html(stack):
    _, servers = stack
    code, headers, _ = parse(exchange(servers[0].port, BROKEN[400]))
    assert code == 400 and "text/html" in headers.get("Content-Type", "")


def test_a_chunked_webhook_over_the_limit_is_413_at_nginx(stack):
    nginx, servers = stack
    body = generic_body("BIG", note="x" * (1024 * 1024))
    head = (b"POST /webhooks/erp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + b"".join(f"{k}: {v}\r\n".encode() for k, v in standard_headers(body).items())
            + b"\r\n")
    code, headers, _ = parse(exchange(nginx.port, head + chunked(body)))
    assert code == 413 and headers["Content-Type"] == "application/problem+json"


def test_a_chunked_webhook_over_the_limit_is_413_at_gunicorn_too(stack):
    _, servers = stack
    body = generic_body("BIG", note="x" * (1024 * 1024))
    head = (b"POST /webhooks/erp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + b"".join(f"{k}: {v}\r\n".encode() for k, v in standard_headers(body).items())
            + b"Connection: close\r\n\r\n")
    code, headers, body = parse(exchange(servers[0].port, head + chunked(body)))
    assert code == 413, body[:300]
    assert headers["Content-Type"] == "application/problem+json"


def test_a_chunked_webhook_within_the_limit_arrives_whole(stack):
    nginx, _ = stack
    body = generic_body("CHUNKED-OK")
    head = (b"POST /webhooks/erp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Transfer-Encoding: chunked\r\n"
            + b"".join(f"{k}: {v}\r\n".encode() for k, v in standard_headers(body).items())
            + b"\r\n")
    code, _, answer = parse(exchange(nginx.port, head + chunked(body)))
    assert code == 200, answer
    assert b"CHUNKED-OK" in answer


def test_a_body_that_stops_early_never_reaches_an_app_server(stack):
    nginx, servers = stack
    before = app_requests(servers)
    request = (b"POST /webhooks/erp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 1000\r\n\r\n0123456789")
    # nginx gives up after client_body_timeout: it logs 408 and closes without an answer.
    answer = exchange(nginx.port, request, wait=CLIENT_TIMEOUT * 10)
    assert answer == b""
    assert wait_for(lambda: any(line["status"] == 408 for line in nginx.access_log()))
    assert app_requests(servers) == before


class SlowSender(threading.Thread):
    """Sends a 1000-byte body one byte a second, holding its connection open."""

    def __init__(self, port, path="/webhooks/erp"):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.stop = threading.Event()
        self.sent = 0

    def run(self):
        self.sock.sendall(f"POST {self.path} HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/json\r\nContent-Length: 1000\r\n\r\n".encode())
        while not self.stop.is_set() and self.sent < 1000:
            try:
                self.sock.sendall(b" ")
            except OSError:
                return
            self.sent += 1
            self.stop.wait(1)

    def close(self):
        self.stop.set()
        self.sock.close()


def get(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return answer.status


def test_two_slow_senders_stall_a_lone_gunicorn(tmp_path):
    # The baseline nginx removes: one sync worker, held by a sender that trickles.
    server = GunicornServer(tmp_path / "alone", f"sqlite:///{tmp_path / 'g.sqlite'}",
                            workers=1).start()
    senders = [SlowSender(server.port) for _ in range(2)]
    try:
        for sender in senders:
            sender.start()
        assert wait_for(lambda: all(sender.sent >= 2 for sender in senders))
        with pytest.raises(OSError):
            get(server.base_url + "/healthz", timeout=3)
    finally:
        for sender in senders:
            sender.close()
        server.kill()  # its workers may still wait on the senders: no graceful stop


def test_two_slow_senders_do_not_stall_the_app_servers_behind_nginx(stack):
    nginx, _ = stack
    senders = [SlowSender(nginx.port) for _ in range(2)]
    try:
        for sender in senders:
            sender.start()
        assert wait_for(lambda: all(sender.sent >= 2 for sender in senders))
        statuses = [get(nginx.base_url + "/healthz", timeout=20) for _ in range(10)]
        assert statuses == [200] * 10
        # Both senders were still sending while every other request was answered.
        assert all(sender.is_alive() and sender.sent < 1000 for sender in senders)
    finally:
        for sender in senders:
            sender.close()


def test_request_ids_pass_through_nginx_into_both_logs(stack):
    nginx, servers = stack
    request = urllib.request.Request(nginx.base_url + "/healthz",
                                     headers={"X-Request-ID": "erp-7f3a-0001"})
    with urllib.request.urlopen(request, timeout=20) as answer:
        assert answer.headers["X-Request-ID"] == "erp-7f3a-0001"
    with urllib.request.urlopen(nginx.base_url + "/healthz", timeout=20) as answer:
        made = answer.headers["X-Request-ID"]
    assert len(made) == 32  # nginx's own $request_id, taken by the app
    for request_id in ("erp-7f3a-0001", made):
        assert wait_for(lambda rid=request_id: any(
            line.get("request_id") == rid for server in servers for line in server.access_log()))
        # nginx writes its access log line as it finishes the request, which can be just
        # after the client has read the whole answer.
        assert wait_for(lambda rid=request_id: any(
            line["request_id"] == rid for line in nginx.access_log()))


def test_feedback_tokens_stay_out_of_every_access_log(stack):
    nginx, servers = stack
    token = "K7QW2M4XZP9RT3VB6YHN8CDJ5F"
    for path in (f"/f/{token}", f"/F/{token}", f"/f/{token.lower()}/thanks"):
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(nginx.base_url + path, timeout=20)
    assert wait_for(lambda: sum(line["path"].startswith(("/f/", "/F/"))
                                for server in servers for line in server.access_log()) >= 3)
    logs = [(server.instance_path / "access.log").read_text() for server in servers]
    logs.append((nginx.prefix / "access.log").read_text())
    for text in logs:
        assert token not in text and token.lower() not in text
        # A client's network, never its address.
        assert "127.0.0.1" not in text.replace('"upstream":"127.0.0.1', "")
    assert {line["remote"] for line in nginx.access_log()} == {"127.0.0.0"}


def test_one_app_server_down_is_passed_over(stack):
    _, servers = stack
    # A fresh nginx over the same two servers: the module's nginx may have counted
    # failures of the living server in earlier tests (slow clients, timeouts), and would
    # then rightly leave it out for fail_timeout, which is not what this test is about.
    nginx = NginxServer([server.port for server in servers]).start()
    try:
        servers[1].kill()
        body_statuses = []
        for number in range(6):
            body = generic_body(f"FAILOVER-{number}")
            request = urllib.request.Request(nginx.base_url + "/webhooks/erp", data=body,
                                             headers=standard_headers(body), method="POST")
            with urllib.request.urlopen(request, timeout=30) as answer:
                body_statuses.append(answer.status)
            body_statuses.append(get(nginx.base_url + "/healthz", timeout=30))
    finally:
        nginx.stop()
    # A POST is retried on the other server only when it never reached the dead one.
    assert body_statuses == [200] * 12


def test_the_template_renders_as_envsubst_does(tmp_path):
    need(shutil.which("envsubst") is not None, "envsubst (gettext-base) is not installed")
    names = placeholders(TEMPLATE.read_text())
    values = {name: f"value-of-{name.lower()}" for name in names}
    result = subprocess.run(["envsubst", " ".join(f"${name}" for name in names)],
                            input=TEMPLATE.read_text(), env=values, capture_output=True,
                            text=True, check=True)
    assert result.stdout == render(TEMPLATE.read_text(), values)
    assert "$host" in result.stdout and "$request_id" in result.stdout


def wait_for(condition, timeout=30.0) -> bool:
    """Poll `condition` until it holds or `timeout` passes; return whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()

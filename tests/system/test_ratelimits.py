"""Rate limits hold per site, not per worker: Redis when one is configured, and a loud
warning when several workers each count in their own memory."""

import http.client
import json
import re
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from greetings import create_app
from tests.support.servers import GunicornServer

LOGIN_LIMIT = 10  # per minute, greetings/staff/routes.py


def storage_of(tmp_path, **config):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      **config})
    return app.config["RATELIMIT_STORAGE_URI"]


def test_the_job_queues_redis_holds_the_limits_unless_told_otherwise(tmp_path):
    assert storage_of(tmp_path) == "memory://"
    assert storage_of(tmp_path, REDIS_URL="redis://10.9.9.9:6379/0") == "redis://10.9.9.9:6379/0"
    assert storage_of(tmp_path, REDIS_URL="redis://10.9.9.9:6379/0",
                      RATELIMIT_STORAGE_URI="memory://") == "memory://"


def login_form(port) -> tuple[str, str]:
    """Open the login page; return its session cookie and CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/staff/login")
    answer = connection.getresponse()
    cookie = answer.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      answer.read().decode()).group(1)
    connection.close()
    return cookie, token


def post_login(port, cookie, token) -> str:
    """POST a wrong password on a new connection (so either worker may take it).

    Return the status, and for a 429 who answered: the rate limiter ("429 limit") or the
    sign-in throttle, whose growing delays answer with the login form ("429 throttle").
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/staff/login",
                       body=f"email=a%40b.c&password=wrong&csrf_token={token}",
                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                "Cookie": cookie, "Connection": "close"})
    answer = connection.getresponse()
    status, page = answer.status, answer.read()
    connection.close()
    if status == 429:
        return "429 throttle" if b'name="password"' in page else "429 limit"
    return str(status)


def readyz(server) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/readyz")
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer


def serving_pids(server) -> set:
    """The workers that answered requests (gunicorn's access log knows)."""
    return {line["pid"] for line in server.access_log()}


def redis_keys(redis_server) -> list[bytes]:
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=5) as sock:
        sock.sendall(b"KEYS *\r\n")
        return sock.recv(65536).split(b"\r\n")


@pytest.fixture
def two_workers_on_redis(tmp_path, redis_server):
    server = GunicornServer(tmp_path / "instance", f"sqlite:///{tmp_path / 'g.sqlite'}",
                            workers=2, extra_env={"GREETINGS_REDIS_URL": redis_server.url,
                                                  "GREETINGS_SECRET_KEY": "rl"}).start()
    yield server
    server.stop()


def test_the_login_limit_holds_across_two_workers(two_workers_on_redis, redis_server):
    server = two_workers_on_redis
    cookie, token = login_form(server.port)
    # In pairs at once, so that both workers take a share of them.
    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda _: post_login(server.port, cookie, token),
                                 range(3 * LOGIN_LIMIT)))
    counted = Counter(statuses)
    assert counted["429 limit"] == 3 * LOGIN_LIMIT - LOGIN_LIMIT, counted
    # Both workers answered, and the counts live in Redis, not in either of them.
    assert len(serving_pids(server)) == 2
    assert any(b"LIMITER" in key for key in redis_keys(redis_server))
    ratelimit = readyz(server)["checks"]["ratelimit"]
    assert ratelimit == {"ok": True, "storage": "redis"}


def test_several_workers_counting_in_memory_say_so(tmp_path):
    server = GunicornServer(tmp_path / "instance", f"sqlite:///{tmp_path / 'g.sqlite'}",
                            workers=2, extra_env={"GREETINGS_SECRET_KEY": "rl"}).start()
    try:
        ratelimit = readyz(server)["checks"]["ratelimit"]
        assert ratelimit["storage"] == "memory"
        assert "2 workers" in ratelimit["warning"]
        warnings = [line for line in server.log_lines()
                    if line.get("level") == "WARNING" and "rate limits" in line["message"]]
        assert warnings, server.log_text()
    finally:
        server.stop()

"""The production topology's costs and guarantees: nginx in front of two gunicorns.

    .venv/bin/python bench/proxy.py            # 4,000 requests per throughput row
    .venv/bin/python bench/proxy.py --quick    # 1,000

It starts a throwaway PostgreSQL (fsync on), two app servers with the repo's
gunicorn.conf.py (2 sync workers each, PROXY_COUNT=1) and nginx with the repo's template
in front, all on 127.0.0.1, then measures with 8 keep-alive clients (Python threads):

- GET /healthz and a signed webhook delivery straight to one app server (the baseline) and
  through nginx to both: what the proxy costs, or gains by using both servers;
- two slow senders (a 1000-byte body at one byte a second) against one app server, then
  20 GET /healthz with a 3 s timeout: how many are answered straight and through nginx;
- PostgreSQL restarted (immediate stop, then start) while 8 clients read /api/v1/feedback
  through nginx: the answers by status, and how long until the first 200 after the restart.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.nginx import NginxServer  # noqa: E402 (needs the repository root on sys.path)
from tests.support.servers import GunicornServer, PostgresServer  # noqa: E402
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers  # noqa: E402

CLIENTS = 8


def run_clients(port, make_request, total):
    """Send `total` requests from CLIENTS keep-alive connections.

    Return (seconds, latencies, statuses).
    """
    latencies, statuses, lock = [], Counter(), threading.Lock()
    counter = iter(range(total))

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for number in counter:
            method, path, body, headers = make_request(number)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = "error"
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def healthz(_number):
    return "GET", "/healthz", None, {}


def delivery(prefix):
    def make(number):
        body = generic_body(f"{prefix}-{number}", customer={"first_name": "Åse"})
        return "POST", "/webhooks/erp", body, standard_headers(body)
    return make


def row(name, seconds, latencies, statuses):
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    p50 = statistics.median(latencies)
    return (name, f"{len(latencies) / seconds:,.0f}/s", f"{p50 * 1000:.1f}", f"{p99 * 1000:.1f}",
            dict(statuses))


def slow_senders_then_gets(port, gets=20):
    socks = []
    for _ in range(2):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /webhooks/erp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 1000\r\n\r\n")
        socks.append(sock)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")
            stop.wait(1)

    feeder = threading.Thread(target=trickle, daemon=True)
    feeder.start()
    time.sleep(2)
    answered = 0
    for _ in range(gets):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
            connection.request("GET", "/healthz")
            answered += connection.getresponse().status == 200
            connection.close()
        except OSError:
            pass
    stop.set()
    for sock in socks:
        sock.close()
    return answered


def restart_under_load(postgres, port, bearer, seconds=12.0):
    statuses, lock, stop = Counter(), threading.Lock(), threading.Event()
    first_ok_after = []
    restarted_at = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            try:
                connection.request("GET", "/api/v1/feedback?limit=5", headers=bearer)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = "error"
            with lock:
                statuses[status] += 1
                if status == 200 and restarted_at and not first_ok_after:
                    first_ok_after.append(time.perf_counter() - restarted_at[0])

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 4)
    postgres.halt()
    time.sleep(1)
    postgres.resume()
    restarted_at.append(time.perf_counter())
    time.sleep(seconds * 3 / 4)
    stop.set()
    for thread in threads:
        thread.join()
    return statuses, first_ok_after[0] if first_ok_after else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    total = 1000 if args.quick else 4000
    work = Path(tempfile.mkdtemp(prefix="greetings-bench-proxy-"))
    postgres = PostgresServer(fsync=True).start()
    url = postgres.create_database("bench")
    env = {"GREETINGS_SECRET_KEY": "bench", "GREETINGS_PROXY_COUNT": "1",
           "GREETINGS_RATELIMIT_ENABLED": "false"}
    servers = [GunicornServer(work / "a", url, workers=2, extra_env=env).start(),
               GunicornServer(work / "b", url, workers=2, extra_env=env).start(migrate=False)]
    nginx = NginxServer([server.port for server in servers]).start()
    try:
        servers[0].cli("integration", "add", "erp", "--kind", "standard",
                       "--secret", STANDARD_SECRET)
        bearer = {"Authorization": "Bearer " + servers[0].cli("token", "add", "bench").split()[-1]}
        rows = [
            row("GET /healthz, one app server", *run_clients(servers[0].port, healthz, total)),
            row("GET /healthz, nginx -> two", *run_clients(nginx.port, healthz, total)),
            row("webhook, one app server", *run_clients(servers[0].port, delivery("D"), total)),
            row("webhook, nginx -> two", *run_clients(nginx.port, delivery("N"), total)),
        ]
        direct = slow_senders_then_gets(servers[0].port)
        proxied = slow_senders_then_gets(nginx.port)
        statuses, recovery = restart_under_load(postgres, nginx.port, bearer)
    finally:
        nginx.stop()
        for server in servers:
            server.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{CLIENTS} keep-alive clients, {total} requests per row, PostgreSQL with fsync on\n")
    print("| what | rate | p50 ms | p99 ms | answers |")
    print("| --- | --- | --- | --- | --- |")
    for name, rate, p50, p99, answers in rows:
        print(f"| {name} | {rate} | {p50} | {p99} | {answers} |")
    print("\n| two slow senders, then 20 GET /healthz (3 s timeout) | answered |")
    print("| --- | --- |")
    print(f"| straight to one app server (2 sync workers) | {direct} of 20 |")
    print(f"| through nginx | {proxied} of 20 |")
    print(f"\nPostgreSQL stopped for 1 s under {CLIENTS} readers through nginx: answers "
          f"{dict(statuses)}; first 200 {recovery:.2f} s after it was started again"
          if recovery is not None else f"\nPostgreSQL restart: answers {dict(statuses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

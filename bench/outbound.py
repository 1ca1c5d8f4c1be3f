"""Outbound events benchmark: feedback given on the real page, received signed by a CRM.

    .venv/bin/python bench/outbound.py                       # 10,000 events, SQLite
    .venv/bin/python bench/outbound.py --db postgresql       # PostgreSQL + redis-server
    .venv/bin/python bench/outbound.py --events 1000 --rate 40 --burst 500

The real app runs under gunicorn (2 sync workers, rate limits off: the bench is one
address) on 127.0.0.1 with one outbound endpoint: a local HTTP receiver in this process
that answers 200 at once. ONE worker process (`flask --app greetings worker`, its default
4 threads and production settings) delivers. Clients post the customer's form
(`POST /f/<token>`, rating, comment, CSRF token, each client with its own session) for
`--events` shipments at `--rate` per second; the clock runs from the moment the POST is
sent to the moment the receiver has the event. Then the worker is stopped, `--burst` more are
posted, and a new worker is started: how fast does one worker drain a backlog?

Rows: the baseline is the receiver's own capacity, the same signed POSTs sent by the
worker's HTTP code (greetings.outbound.sender) from 4 threads without database or queue.
Every received event's signature is checked; lost = events never received, doubled =
webhook-ids received more than once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from greetings.outbound.delivery import signed_headers  # noqa: E402 (needs the root on sys.path)
from greetings.outbound.sender import post  # noqa: E402
from greetings.outbound.targets import resolve  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402
from tests.support.servers import (  # noqa: E402
    GunicornServer,
    PostgresServer,
    RedisServer,
)
from tests.support.worker import WorkerProcess  # noqa: E402

WARM_UP = 20
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# The worker as production runs it: the test helper's fast settings put back to defaults.
PRODUCTION = {"GREETINGS_OUTBOUND_RETRY_SCHEDULE": "[10, 60, 300, 1800, 3600]",
              "GREETINGS_OUTBOUND_SWEEP_SECONDS": "60",
              "GREETINGS_OUTBOUND_SWEEP_GRACE_SECONDS": "30",
              "GREETINGS_SCHEDULER_LEASE_SECONDS": "30",
              "GREETINGS_JOBS_POLL_SECONDS": "0.25"}


def seed(server: GunicornServer, count: int) -> list[str]:
    """Store one packer and `count` packed orders (numbered 0…) in the server's database."""
    env = {key: value for key, value in server.env.items() if key.startswith("GREETINGS_")}
    code = ("import json\nfrom bench.outbound import seed_in_app\n"
            f"print(json.dumps(seed_in_app({count})))\n")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, cwd=ROOT,
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def seed_in_app(count: int) -> list[str]:
    """Run with the server's configuration: bulk-insert orders and their shipments."""
    from greetings import create_app
    from greetings.cards.tokens import new_token
    from greetings.extensions import db
    from greetings.models import Card, Integration, Order, Packer, Shipment, utcnow
    from greetings.station.service import badge_hash

    app = create_app()
    with app.app_context():
        integration = Integration(slug="bench", kind="standard")
        packer = Packer(full_name="Åse Marie Nygaard", display_name="Åse",
                        badge_hash=badge_hash("B-BENCH"))
        db.session.add_all([integration, packer])
        db.session.flush()
        orders = [Order(integration_id=integration.id, external_id=str(n), number=str(n),
                        first_name="Søren", language="da-DK", version=utcnow())
                  for n in range(count)]
        db.session.add_all(orders)
        db.session.flush()
        tokens = [new_token() for _ in orders]
        db.session.add_all([Shipment(order_id=order.id, packer_id=packer.id,
                                     cards=[Card(packer_id=packer.id, token=token)])
                            for order, token in zip(orders, tokens, strict=True)])
        db.session.commit()
    return tokens


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Customer:
    """One phone: its own cookie jar and CSRF token, posting the feedback form."""

    def __init__(self, base_url: str, first_token: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                                  _NoRedirect())
        html = self.opener.open(f"{base_url}/f/{first_token}", timeout=30).read().decode()
        self.csrf = CSRF_RE.search(html).group(1)

    def answer(self, token: str, rating: int) -> int:
        data = urllib.parse.urlencode({"rating": rating, "csrf_token": self.csrf,
                                       "comment": "Kaffen kom perfekt frem. Tak!"}).encode()
        try:
            with self.opener.open(f"{self.base_url}/f/{token}", data=data, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as answer:
            return answer.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 to the thank-you page is the answer we time


def drive(customers, tokens, first, rate, sent):
    """Post the form for tokens[first:] at `rate` per second (0: as fast as possible)."""
    counter = iter(range(first, len(tokens)))
    lock = threading.Lock()
    start = time.monotonic()
    statuses = []

    def client(customer):
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            if rate:
                delay = start + (index - first) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            began = time.monotonic()
            sent[str(index)] = began
            status = customer.answer(tokens[index], 1 + index % 5)
            statuses.append((status, time.monotonic() - began))

    threads = [threading.Thread(target=client, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def measure(receiver, sent, numbers, statuses, secret, label, rate, wait, drain=False):
    """Wait for every event of `numbers`; return the table row.

    With `drain`, the rate counts from the first arrival (the worker's start) and the
    latencies are left out: they would only say how long the worker was stopped.
    """
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if len(arrivals(receiver, numbers)) == len(numbers):
            break
        time.sleep(0.2)
    got = arrivals(receiver, numbers)
    latencies = [got[number] - sent[number] for number in got]
    mine = [r for r in receiver.received if r.json["data"]["shipment"]["order"] in numbers]
    ids = [r.webhook_id for r in mine]
    bad = sum(1 for r in mine if not r.verifies(secret))
    first = min(got.values()) if drain and got else min(sent[number] for number in numbers)
    span = max(got.values()) - first if got else float("nan")
    posts = [seconds for _, seconds in statuses]
    if drain:
        latencies = []
    return {"run": label, "events": len(numbers), "rate": rate,
            "per_second": len(got) / span if got else 0.0,
            "post_p95": percentile(posts, 0.95) * 1000,
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99), "max": max(latencies, default=float("nan")),
            "lost": len(numbers) - len(got), "doubled": len(ids) - len(set(ids)),
            "bad_signatures": bad,
            "wrong_status": sum(1 for status, _ in statuses if status != 303)}


def arrivals(receiver, numbers):
    """Return order number → first arrival (monotonic) for the numbers asked about."""
    found = {}
    for request in list(receiver.received):
        number = request.json["data"]["shipment"]["order"]
        if number in numbers and number not in found:
            found[number] = request.monotonic
    return found


def baseline(receiver, secret, count=2000, threads=4):
    """Signed POSTs straight to the receiver with the worker's own HTTP code."""
    target = resolve(receiver.url, allow_private=True)
    body = json.dumps({"type": "baseline", "data": {}}).encode()
    latencies = []
    counter = iter(range(count))
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            answer = post(target, signed_headers(secret, f"msg_base{n}", body), body, 10)
            assert answer.ok, answer
            latencies.append(answer.duration_ms / 1000)

    began = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    span = time.monotonic() - began
    return {"run": f"baseline: receiver alone, {threads} threads, no DB/queue", "events": count,
            "rate": 0, "per_second": count / span, "post_p95": float("nan"),
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99), "max": max(latencies), "lost": 0,
            "doubled": 0, "bad_signatures": 0, "wrong_status": 0}


def run(args, work: Path) -> list[dict]:
    servers = []
    env = {"GREETINGS_SECRET_KEY": "bench", "GREETINGS_RATELIMIT_ENABLED": "false",
           "GREETINGS_OUTBOUND_ALLOW_PRIVATE": "true"}
    if args.db == "postgresql":
        postgres = PostgresServer(fsync=True).start()
        redis = RedisServer().start()
        servers += [postgres, redis]
        url = postgres.create_database("bench")
        env["GREETINGS_REDIS_URL"] = redis.url
    else:
        url = f"sqlite:///{work / 'instance' / 'greetings.sqlite'}"
    server = GunicornServer(work / "instance", url, workers=2, extra_env=env)
    server.env["GREETINGS_PUBLIC_BASE_URL"] = server.base_url
    receiver = Receiver().start()
    worker = None
    try:
        server.start()
        servers.append(server)
        tokens = seed(server, WARM_UP + args.events + args.burst)
        added = server.cli("webhook", "add", receiver.url)
        secret = re.search(r"secret: (whsec_\S+)", added).group(1)
        rows = [baseline(receiver, secret)]
        receiver.received.clear()
        customers = [Customer(server.base_url, tokens[n]) for n in range(args.clients)]
        worker = WorkerProcess(work / "instance", url, {**PRODUCTION, **env}).start()
        sent = {}
        # Warm-up: the worker has started and every process has its connections.
        statuses = drive(customers, tokens[:WARM_UP], 0, 5, sent)
        measure(receiver, sent, {str(n) for n in range(WARM_UP)}, statuses, secret, "", 0, 120)
        end = WARM_UP + args.events
        statuses = drive(customers, tokens[:end], WARM_UP, args.rate, sent)
        numbers = {str(n) for n in range(WARM_UP, end)}
        rows.append(measure(receiver, sent, numbers, statuses, secret,
                            f"paced: {args.events:,} feedback posts at {args.rate:g}/s",
                            args.rate, 120))
        # A backlog: posted while the worker is stopped, then drained by one worker.
        worker.terminate()
        statuses = drive(customers, tokens, end, 0, sent)
        worker = WorkerProcess(work / "instance", url, {**PRODUCTION, **env}).start()
        numbers = {str(n) for n in range(end, end + args.burst)}
        rows.append(measure(receiver, sent, numbers, statuses, secret,
                            f"backlog: {args.burst:,} events waiting, drained by one worker",
                            0, 600, drain=True))
        return rows
    finally:
        if worker is not None:
            worker.stop()
        receiver.stop()
        for item in reversed(servers):
            item.stop()


def table(rows, args) -> str:
    head = (f"{args.db}, gunicorn 2 sync workers, ONE worker process (4 threads), "
            f"{args.clients} customers, {os.cpu_count()} CPUs")
    lines = [head, "",
             "| run | events | delivered/s | POST p95 ms | POST→receipt p50 s | p95 s | p99 s |"
             " max s | lost | doubled ids | bad signatures | non-303 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(
            f"| {row['run']} | {row['events']:,} | {row['per_second']:.0f} | "
            f"{row['post_p95']:.0f} | {row['p50']:.3f} | {row['p95']:.3f} | {row['p99']:.3f} | "
            f"{row['max']:.3f} | {row['lost']} | {row['doubled']} | {row['bad_signatures']} | "
            f"{row['wrong_status']} |")
    paced = rows[1]
    met = paced["p95"] <= 2 and not paced["lost"] and not paced["doubled"]
    verdict = "met" if met else "NOT met"
    lines += ["", f"Goal (p95 ≤ 2 s with one worker, 0 lost, 0 doubled): {verdict}."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="feedback posts per second")
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greetings-bench-outbound-") as folder:
        rows = run(args, Path(folder))
    print(table(rows, args))


if __name__ == "__main__":
    main()

"""Orders and feedback driven through a whole site while parts of it fail.

Used by tests/system/test_topology.py (a short run) and bench/topology.py (3,000 orders):

    with Topology(tmp_path, ...) as site:
        load = SiteLoad(site, orders=3000, senders=8, duplicate_share=0.10)
        load.prepare()                          # integration, packer, API token, endpoint
        load.run(events={0.3: kill one app server, 0.6: restart PostgreSQL})
        load.settle()                           # spools drained, outbox delivered
        load.census()                           # what the database and the receiver hold

Senders behave as ERPs do: each delivery is signed (Standard Webhooks) and sent until it
gets a 2xx, trying again after connection errors, timeouts and 429/5xx answers with
growing pauses; a retry is the same delivery (same webhook-id, same bytes, a fresh
signature). A share of deliveries is sent a second time later on purpose (a duplicate).
Customers pack (through the API) and answer (the feedback form, CSRF included) some of
the stored orders meanwhile, so the worker has outbox events to deliver to a receiver.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.receiver import Receiver
from tests.support.topology import Topology
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers

SLUG = "erp"
BADGE = "B-SITE-1"
RETRYABLE = frozenset({429, 500, 502, 503, 504})
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# The site's settings for a load from one address: only the webhook refusal limit stays
# tight (it is what the run checks across servers); the job worker is quick to sweep.
SITE_ENV = {
    "GREETINGS_WEBHOOK_REFUSAL_RATELIMIT": "20 per hour",
    "GREETINGS_FEEDBACK_RATELIMIT_ADDRESS": "100000 per minute",
    "GREETINGS_FEEDBACK_RATELIMIT_TOKEN": "100000 per minute",
    "GREETINGS_OUTBOUND_ALLOW_PRIVATE": "1",
    "GREETINGS_OUTBOUND_RETRY_SCHEDULE": "[1, 2, 3]",
    "GREETINGS_OUTBOUND_SWEEP_SECONDS": "2",
    "GREETINGS_OUTBOUND_SWEEP_GRACE_SECONDS": "1",
    "GREETINGS_SCHEDULER_LEASE_SECONDS": "3",
    "GREETINGS_JOBS_POLL_SECONDS": "0.1",
}


@dataclass
class Tally:
    """What the clients saw: every answer's status, and the errors before any answer."""

    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    gave_up: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int):
        with self.lock:
            self.statuses[status] += 1

    def error(self, kind: str):
        with self.lock:
            self.errors[kind] += 1


def request(base_url: str, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 30.0) -> tuple[int, bytes, dict]:
    """One HTTP request on its own connection; return (status, body, headers)."""
    host, port = urllib.parse.urlsplit(base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()}
    finally:
        connection.close()


def persist(tally: Tally, send, attempts: int = 40, pause: float = 0.2, what: str = ""):
    """Call send() -> (status, body, headers) until a 2xx/3xx, as a patient client does.

    Every answer is tallied; connection errors and timeouts too. Returns the last answer,
    or None when it gave up.
    """
    for attempt in range(attempts):
        try:
            status, body, headers = send()
        except (OSError, http.client.HTTPException) as error:
            tally.error(type(error).__name__)
        else:
            tally.answer(status)
            if status not in RETRYABLE:
                return status, body, headers
        time.sleep(min(pause * (1.5 ** attempt), 3.0))
    tally.gave_up.append(what)
    return None


class SiteLoad:
    """Orders from several senders, and feedback on some of them, through nginx."""

    def __init__(self, site: Topology, orders: int, senders: int = 8,
                 duplicate_share: float = 0.10, feedback_every: int = 10, seed: int = 13):
        self.site, self.orders, self.senders = site, orders, senders
        self.duplicate_share, self.feedback_every = duplicate_share, feedback_every
        self.random = random.Random(seed)
        self.receiver = Receiver()
        self.webhooks, self.customers = Tally(), Tally()
        self.sent = 0
        self.sent_lock = threading.Lock()
        self.answered: list[str] = []  # order ids answered by a customer
        self.stored: list[str] = []  # order ids whose delivery was answered 200
        self.api_token = None
        self.seconds = 0.0

    # --- setting up --------------------------------------------------------------------
    def prepare(self):
        """Add the integration, a packer, an API token and the receiver's endpoint."""
        self.receiver.start()
        site = self.site
        site.cli("integration", "add", SLUG, "--kind", "standard", "--secret", STANDARD_SECRET)
        site.cli("packer", "add", "Åse Nygaard", "--display-name", "Åse", "--badge", BADGE)
        self.api_token = site.cli("token", "add", "site-load").strip().splitlines()[-1].split()[-1]
        site.cli("webhook", "add", self.receiver.url)
        return self

    def stop(self):
        """Stop the receiver."""
        self.receiver.stop()

    # --- the orders ----------------------------------------------------------------------
    def deliveries(self) -> list[list[tuple[str, bytes, str]]]:
        """Each sender's deliveries in order: (order id, body, webhook-id), duplicates mixed in."""
        plans = []
        for sender in range(self.senders):
            ids = [f"S{sender}-{n}" for n in range(sender, self.orders, self.senders)]
            plan = [(order_id, generic_body(order_id, updated_at="2026-11-30T08:00:00Z"),
                     f"msg_{order_id}") for order_id in ids]
            repeats = self.random.sample(range(len(plan)),
                                         round(len(plan) * self.duplicate_share))
            for index in sorted(repeats, reverse=True):
                later = min(len(plan), index + 1 + self.random.randrange(0, 20))
                plan.insert(later, plan[index])
            plans.append(plan)
        return plans

    def _send(self, order_id: str, body: bytes, msg_id: str):
        def once():
            return request(self.site.base_url, "POST", f"/webhooks/{SLUG}", body,
                           standard_headers(body, msg_id=msg_id))
        answer = persist(self.webhooks, once, what=order_id)
        if answer is not None and answer[0] == 200:
            with self.sent_lock:
                self.stored.append(order_id)
        with self.sent_lock:
            self.sent += 1

    def run(self, events: dict[float, callable] | None = None):
        """Send every delivery from the senders at once; run each event when that share
        of the deliveries has been sent. Customers answer meanwhile."""
        plans = self.deliveries()
        total = sum(len(plan) for plan in plans)
        started = time.monotonic()
        done = threading.Event()
        threads = [threading.Thread(target=lambda p=plan: [self._send(*d) for d in p])
                   for plan in plans]
        customer = threading.Thread(target=self._customers, args=(done,))
        for thread in [*threads, customer]:
            thread.start()
        for share, event in sorted((events or {}).items()):
            while self.sent < share * total and any(t.is_alive() for t in threads):
                time.sleep(0.05)
            event()
        for thread in threads:
            thread.join()
        done.set()
        customer.join()
        self.seconds = time.monotonic() - started
        return total

    # --- the customers -------------------------------------------------------------------
    def _customers(self, done: threading.Event):
        """Pack and answer every `feedback_every`-th stored order until the senders are done."""
        opener_state = {}
        position = 0
        while not done.is_set() or position < len(self.stored):
            with self.sent_lock:
                ready = self.stored[position:]
            if not ready:
                time.sleep(0.1)
                continue
            for order_id in ready:
                position += 1
                if position % self.feedback_every == 0:
                    self._answer(order_id, opener_state)

    def _answer(self, order_id: str, state: dict):
        bearer = {"Authorization": f"Bearer {self.api_token}",
                  "Content-Type": "application/json"}
        packed = persist(self.customers, lambda: request(
            self.site.base_url, "POST", "/api/v1/pack",
            json.dumps({"order": order_id, "badge": BADGE}).encode(), bearer), what=order_id)
        if packed is None or packed[0] != 200:
            return
        url = json.loads(packed[1])["shipment"]["feedback_url"]
        path = urllib.parse.urlsplit(url).path
        page = persist(self.customers, lambda: request(self.site.base_url, "GET", path,
                                                       headers=state.get("cookie", {})),
                       what=order_id)
        if page is None or page[0] != 200:
            return
        cookie = page[2].get("set-cookie")
        if cookie:
            state["cookie"] = {"Cookie": cookie.split(";", 1)[0]}
        csrf = CSRF_RE.search(page[1].decode()).group(1)
        form = urllib.parse.urlencode({"rating": 5, "csrf_token": csrf,
                                       "comment": "Kaffen kom fint frem"}).encode()
        posted = persist(self.customers, lambda: request(
            self.site.base_url, "POST", path, form,
            {"Content-Type": "application/x-www-form-urlencoded", **state.get("cookie", {})}),
            what=order_id)
        if posted is not None and posted[0] == 303:
            with self.sent_lock:
                self.answered.append(order_id)

    # --- after the run -------------------------------------------------------------------
    def spooled(self) -> int:
        """Count the deliveries still waiting in the app servers' spools."""
        return sum(len(list(Path(server.instance_path, "spool").glob("*.delivery")))
                   for server in self.site.app_servers)

    def settle(self, timeout: float = 300.0):
        """Wait until every spool is applied and every outbox event has reached the receiver."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.spooled() == 0 and not self.undelivered():
                return True
            time.sleep(0.5)
        return False

    def query(self, sql: str) -> list[tuple]:
        """Run one query on the site's database."""
        import psycopg

        url = self.site.app_servers[0].env["GREETINGS_DATABASE_URL"]
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
            return db.execute(sql).fetchall()

    def undelivered(self) -> set[str]:
        """Webhook ids of outbox events the receiver has not had yet."""
        sent = {row[0] for row in self.query("SELECT webhook_id FROM outbound_events")}
        return sent - {received.webhook_id for received in self.receiver.received}

    def census(self) -> dict:
        """What the database and the receiver hold, against what was sent."""
        expected = {f"S{s}-{n}" for s in range(self.senders)
                    for n in range(s, self.orders, self.senders)}
        stored = Counter(row[0] for row in self.query(
            "SELECT external_id FROM orders"))
        outcomes = Counter(dict(self.query(
            "SELECT outcome, count(*) FROM deliveries GROUP BY outcome")))
        events = [row[0] for row in self.query("SELECT webhook_id FROM outbound_events")]
        received = Counter(received.webhook_id for received in self.receiver.received)
        return {
            "orders sent": len(expected),
            "orders stored": len(stored),
            "lost": len(expected - set(stored)),
            "doubled": sum(1 for count in stored.values() if count > 1),
            "created": outcomes.get("created", 0),
            "duplicate": outcomes.get("duplicate", 0),
            "webhook answers": dict(self.webhooks.statuses),
            "webhook connection errors": dict(self.webhooks.errors),
            "answers of 500": self.webhooks.statuses[500] + self.customers.statuses[500],
            "gave up": len(self.webhooks.gave_up) + len(self.customers.gave_up),
            "feedback answered": len(self.answered),
            "outbox events": len(events),
            "events received": sum(1 for event in events if received[event]),
            "events received twice or more": sum(1 for event in events if received[event] > 1),
            "foreign ids received": len(set(received) - set(events)),
        }


def refusal_limit_statuses(site: Topology, count: int = 30) -> list[int]:
    """Send `count` badly signed deliveries through nginx (round robin over the servers)."""
    body = generic_body("NOT-SIGNED")
    headers = {**standard_headers(body), "webhook-signature": "v1," + "A" * 43 + "="}
    return [request(site.base_url, "POST", f"/webhooks/{SLUG}", body, headers)[0]
            for _ in range(count)]

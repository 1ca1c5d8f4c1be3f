"""Order intake benchmark: signed webhook deliveries against gunicorn, beside /healthz.

    .venv/bin/python bench/intake.py            # full run (8,000 requests per target, ~3 min)
    .venv/bin/python bench/intake.py --quick    # short run (about 30 seconds)

One run starts a throwaway PostgreSQL (fsync on: commits are really durable) and, per
database, the real app under gunicorn with 2 sync workers on 127.0.0.1. Against each
server it measures the trivial `GET /healthz` (the ceiling) and then Standard Webhooks
deliveries of generic orders from 8 concurrent senders, 10% of them re-sends of an earlier
delivery (same webhook-id, same bytes), interleaved. Every request is signed beforehand
and sent exactly once. Afterwards it counts the stored orders and the delivery log in the
database and checks: stored orders == distinct orders sent, no non-2xx answer.

The load generator is `wrk` (Debian package `wrk`) replaying the pre-signed requests from a
generated Lua script: 8 threads with one connection each, each thread its own slice,
stopping when the slice is answered; latencies are taken per request with a monotonic
clock. Without wrk (or with `--client python`) 8 Python processes with http.client send
the same requests instead; a Python client on 2 cores competes with the server for CPU
and understates it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.servers import (  # noqa: E402 (needs the repository root on sys.path)
    GunicornServer,
    PostgresServer,
    postgres_bindir,
)
from tests.support.webhooks import (  # noqa: E402
    STANDARD_SECRET,
    generic_body,
    standard_headers,
)

SLUG = "bench"
SENDERS = 8
DUPLICATE_SHARE = 0.10
GOAL_SHARE = 0.25
GOAL_P99_MS = 50.0
FIRST_NAMES = ["Åse", "Jürgen", "Søren", "Zoë", "Ольга", "José", "Ærling", "Mette", "Björn",
               "Øyvind", "Chloé", "李", "Agnieszka", "Ναταλία", "Jean-Luc", "Siobhán", "Ilse",
               "Mikkel", "Anna", "Håkon"]
LAST_NAMES = ["Lærkegård", "Müller", "Østergaard", "Nørby", "Ivanova", "Peña", "Åkesson",
              "Wiśniewska", "García Márquez", "Ó Briain", "Dubois", "王", "Papadopoulou",
              "Jensen", "Kowalczyk", "Fjeldstad", "Schröder", "Hansen", "Lindqvist", "Smith"]
LOCALES = ["da-DK", "de-DE", "sv-SE", "nb-NO", "en-GB", "de_AT", "no", "da"]
COUNTRIES = ["DK", "DE", "SE", "NO", "GB", "AT", "NL", "FI"]
PRODUCTS = [("KAF-1", "Kaffe, mørkristet 500 g"), ("KAF-2", "Espresso Crème 1 kg"),
            ("TE-7", "Grøn te – sencha"), ("KOP-3", "Krus «Nordlys»"), ("FIL-9", "Filterpapir"),
            ("GAV-1", "Gavekort 250 kr."), ("CHO-4", "Mørk chokolade 70 %")]

# Replays pre-built raw requests, each exactly once. wrk calls setup() in the main Lua state
# for every thread, then init() in the thread's own state; request() right before writing a
# request on the thread's one connection and response() once it is fully read.
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC, as Python's time.monotonic()
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local outdir = os.getenv("BENCH_OUTDIR")
local threads = tonumber(os.getenv("BENCH_THREADS"))
local deadline = tonumber(os.getenv("BENCH_DEADLINE_US"))

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local reqs, n, extra = {}, 0, nil
local got, t_start, t_first, t_last = 0, 0, 0, 0
local lat, st, bad = {}, {}, {}

local function load(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local list, pos = {}, 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, nl - 1))
    list[#list + 1] = data:sub(nl + 1, nl + len)
    pos = nl + len + 1
  end
  return list
end

function init(args)
  reqs = load(outdir .. "/requests." .. id)
  n = #reqs
  extra = load(outdir .. "/extra")[1]
end

local function all_finished()
  for k = 0, threads - 1 do
    local f = io.open(outdir .. "/result." .. k, "rb")
    if not f then return false end
    f:close()
  end
  return true
end

local function finish()
  local tmp = outdir .. "/partial." .. id
  local f = assert(io.open(tmp, "wb"))
  f:write(string.format("%d %d %.1f %.1f\n", n, got, t_first, t_last))
  for i = 1, got do
    f:write(string.format("%d %.1f\n", st[i], lat[i]))
  end
  for i = 1, #bad do
    f:write("BAD " .. bad[i]:gsub("\n", " "):sub(1, 300) .. "\n")
  end
  f:close()
  os.rename(tmp, outdir .. "/result." .. id)
end

-- wrk also calls request() once before the run, to check the request (on thread 0's
-- state in wrk 4.1), so request() hands out the next UNANSWERED request and counts
-- nothing: one connection per thread means requests and responses alternate.
--
-- gunicorn's sync worker answers with Connection: close and then waits (up to 2 s) for
-- the client to close; wrk closes and at once opens its next connection. A thread that
-- went quiet would leave that connection idle and block one of the two workers, so a
-- finished thread keeps sending GET /healthz ("extra", not measured) until every thread
-- has finished its slice; the tail is about one round of 8 requests.
local extras = 0
function request()
  if got < n then
    t_start = now_us()
    if got == 0 then t_first = t_start end
    return reqs[got + 1]
  end
  extras = extras + 1
  if all_finished() or now_us() > deadline then
    local f = io.open(outdir .. "/extras." .. id, "wb")
    f:write(tostring(extras))
    f:close()
    wrk.thread:stop()
  end
  return extra
end

function response(status, headers, body)
  if got >= n then return end
  local t = now_us()
  got = got + 1
  lat[got] = t - t_start
  st[got] = status
  t_last = t
  if (status < 200 or status > 299) and #bad < 5 then bad[#bad + 1] = body or "" end
  if got == n then finish() end
end

function done(summary, latency, requests)
  local e = summary.errors
  local f = assert(io.open(outdir .. "/summary", "wb"))
  f:write(string.format('{"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
                        e.connect, e.read, e.write, e.status, e.timeout))
  f:close()
end
"""


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes = b""
    order_id: str | None = None

    def raw(self, host: str) -> bytes:
        """The request exactly as it goes on the wire."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Measured:
    """What a client saw: one (status, latency µs) per answered request."""

    planned: int
    sent: int
    seconds: float
    results: list = field(default_factory=list)
    bad_bodies: list = field(default_factory=list)
    socket_errors: dict = field(default_factory=dict)
    extras: int = 0  # unmeasured GET /healthz a finished wrk thread sent while others ran
    cpu: list = field(default_factory=lambda: [0, 0, 0])  # busy, total, steal jiffies

    def add(self, other: Measured):
        """Fold in another round against the same target."""
        self.planned += other.planned
        self.sent += other.sent
        self.seconds += other.seconds
        self.results += other.results
        self.bad_bodies += other.bad_bodies
        self.extras += other.extras
        for name, value in other.socket_errors.items():
            self.socket_errors[name] = self.socket_errors.get(name, 0) + value
        self.cpu = [a + b for a, b in zip(self.cpu, other.cpu, strict=True)]

    @property
    def cpu_busy(self) -> float:
        """Share of all cores busy (every process: server, database, client) meanwhile."""
        return self.cpu[0] / self.cpu[1] if self.cpu[1] else float("nan")

    @property
    def steal(self) -> float:
        """Share of CPU time the hypervisor gave to other guests meanwhile."""
        return self.cpu[2] / self.cpu[1] if self.cpu[1] else float("nan")

    @property
    def answered(self) -> int:
        return len(self.results)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(1 for status, _ in self.results if not 200 <= status <= 299)

    def percentile_ms(self, share: float) -> float:
        latencies = sorted(lat for _, lat in self.results)
        if not latencies:
            return float("nan")
        index = min(len(latencies) - 1, max(0, round(share * len(latencies)) - 1))
        return latencies[index] / 1000


@dataclass
class Row:
    target: str
    db: str
    client: str
    measured: Measured
    ceiling: float | None = None
    stored: int | None = None
    distinct: int | None = None
    checks: list = field(default_factory=list)  # problems found; empty means ok

    @property
    def ok(self) -> bool:
        return not self.checks


# --- the requests ------------------------------------------------------------------------

def make_deliveries(count: int, seed: int) -> tuple[list[Request], set[str], int]:
    """Signed deliveries of distinct orders, DUPLICATE_SHARE of them re-sends, interleaved.

    Returns the requests in sending order, the distinct order ids, and the re-send count.
    """
    rng = random.Random(seed)
    duplicates = int(count * DUPLICATE_SHARE)
    originals = count - duplicates
    # Re-sends go anywhere after the first few deliveries, never at a fixed place.
    is_duplicate = [False] * count
    for index in rng.sample(range(SENDERS * 2, count), duplicates):
        is_duplicate[index] = True
    timestamp = int(time.time())
    run = f"{seed:x}{timestamp:x}"
    sequence: list[Request] = []
    order_ids: set[str] = set()
    made = 0
    for index in range(count):
        if is_duplicate[index]:
            # Half are retries close behind the first send, likely still in flight at another
            # sender (the racy case); half come much later.
            recent = len(sequence) if rng.random() < 0.5 else SENDERS * 2
            original = rng.choice(sequence[-recent:])
            sequence.append(Request(original.method, original.path, original.headers,
                                    original.body, original.order_id))
            continue
        made += 1
        order_id = f"B{run}-{made:06d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        items = [{"sku": sku, "name": name, "quantity": rng.randint(1, 4)}
                 for sku, name in rng.sample(PRODUCTS, rng.randint(1, 4))]
        body = generic_body(
            order_id, number=f"{100000 + made}",
            customer={"first_name": first, "last_name": last,
                      "email": f"kunde{made}@example.net", "locale": rng.choice(LOCALES)},
            items=items, shipping_country=rng.choice(COUNTRIES),
            placed_at=f"2026-03-{1 + made % 28:02d}T{made % 24:02d}:15:00Z",
        )
        headers = standard_headers(body, STANDARD_SECRET, msg_id=f"msg_{run}_{made}",
                                   timestamp=timestamp)
        sequence.append(Request("POST", f"/webhooks/{SLUG}", headers, body, order_id))
        order_ids.add(order_id)
    assert len(order_ids) == originals == made
    return sequence, order_ids, duplicates


def make_healthz(count: int) -> list[Request]:
    return [Request("GET", "/healthz", {}) for _ in range(count)]


def slices(requests: list[Request]) -> list[list[Request]]:
    """Round-robin: sender k takes requests k, k+8, k+16…, so the order stays interleaved."""
    return [requests[k::SENDERS] for k in range(SENDERS)]


# --- the clients -------------------------------------------------------------------------

def run_wrk(port: int, requests: list[Request], workdir: Path, bound_seconds: int) -> Measured:
    """Send each request once with wrk; return what came back."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    host = f"127.0.0.1:{port}"
    for k, part in enumerate(slices(requests)):
        with open(workdir / f"requests.{k}", "wb") as out:
            for request in part:
                raw = request.raw(host)
                out.write(b"%d\n" % len(raw) + raw)
    extra = Request("GET", "/healthz", {}).raw(host)
    (workdir / "extra").write_bytes(b"%d\n" % len(extra) + extra)
    script = workdir / "replay.lua"
    script.write_text(WRK_SCRIPT)
    deadline = time.monotonic() + bound_seconds
    command = ["wrk", "-t", str(SENDERS), "-c", str(SENDERS), "-d", f"{bound_seconds}s",
               "--timeout", "30s", "-s", str(script), f"http://{host}/"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "BENCH_OUTDIR": str(workdir),
                                    "BENCH_THREADS": str(SENDERS),
                                    "BENCH_DEADLINE_US": str(int(deadline * 1e6))})
    results = [workdir / f"result.{k}" for k in range(SENDERS)]
    # wrk always waits out -d; once every thread has finished its slice, SIGINT ends it.
    while process.poll() is None and not all(path.exists() for path in results):
        time.sleep(0.02)
    if process.poll() is None:
        time.sleep(0.05)  # let the last result file be written completely
        process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=60)[0].decode(errors="replace")
    if not (workdir / "summary").exists():
        raise RuntimeError(f"wrk failed:\n{output}")
    measured = Measured(planned=len(requests), sent=0, seconds=0.0)
    first, last = [], []
    for path in results:
        if not path.exists():
            continue  # a thread that ran out of time wrote nothing: counted as not sent
        lines = path.read_text(errors="replace").splitlines()
        _, got, t_first, t_last = lines[0].split()
        measured.sent += int(got)
        if int(got):
            first.append(float(t_first))
            last.append(float(t_last))
        for line in lines[1:]:
            if line.startswith("BAD "):
                measured.bad_bodies.append(line[4:])
            else:
                status, latency = line.split()
                measured.results.append((int(status), float(latency)))
    measured.seconds = (max(last) - min(first)) / 1e6 if first else 0.0
    measured.extras = sum(int(path.read_text() or 0) for path in workdir.glob("extras.*"))
    errors = json.loads((workdir / "summary").read_text())
    measured.socket_errors = {k: v for k, v in errors.items() if v and k != "status"}
    return measured


def _python_sender(port, requests, start, queue):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    results, bad = [], []
    start.wait()
    t_first = time.perf_counter()
    for request in requests:
        t0 = time.perf_counter()
        try:
            connection.request(request.method, request.path, body=request.body or None,
                               headers=request.headers)
            answer = connection.getresponse()
            body = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            status, body = 0, repr(error).encode()
        results.append((status, (time.perf_counter() - t0) * 1e6))
        if not 200 <= status <= 299 and len(bad) < 5:
            bad.append(body.decode(errors="replace")[:300])
    queue.put((t_first, time.perf_counter(), results, bad))


def run_python(port: int, requests: list[Request]) -> Measured:
    """Send each request once from 8 processes with http.client; return what came back."""
    context = multiprocessing.get_context("fork")
    start, queue = context.Event(), context.Queue()
    senders = [context.Process(target=_python_sender, args=(port, part, start, queue))
               for part in slices(requests)]
    for sender in senders:
        sender.start()
    time.sleep(0.5)
    start.set()
    collected = [queue.get(timeout=600) for _ in senders]
    for sender in senders:
        sender.join()
    measured = Measured(planned=len(requests), sent=len(requests), seconds=0.0)
    for _, _, results, bad in collected:
        measured.results.extend(results)
        measured.bad_bodies.extend(bad)
    measured.seconds = max(c[1] for c in collected) - min(c[0] for c in collected)
    return measured


# --- checking what was stored ------------------------------------------------------------

def stored_counts(database_url: str) -> dict:
    """Count the orders and the delivery log, straight from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            ids = [row[0] for row in connection.execute(text("SELECT external_id FROM orders"))]
            items = connection.execute(text("SELECT count(*) FROM order_items")).scalar_one()
            outcomes = dict(connection.execute(text(
                "SELECT outcome || ' ' || status_code, count(*) FROM deliveries "
                "GROUP BY outcome, status_code")).all())
    finally:
        engine.dispose()
    return {"ids": ids, "items": items, "outcomes": outcomes}


def check_deliveries(row: Row, measured: Measured, counts: dict, order_ids: set[str],
                     duplicates: int, expected_items: int):
    ids = counts["ids"]
    row.stored, row.distinct = len(ids), len(order_ids)
    if measured.sent < measured.planned:
        row.checks.append(f"only {measured.sent} of {measured.planned} sent in time")
    if measured.answered < measured.sent:
        row.checks.append(f"{measured.sent - measured.answered} without an answer")
    if measured.non_2xx:
        row.checks.append(f"{measured.non_2xx} non-2xx answers")
    stored = set(ids)
    if len(ids) != len(stored):
        row.checks.append(f"{len(ids) - len(stored)} orders stored twice")
    if measured.sent == measured.planned:
        if stored - order_ids:
            row.checks.append(f"{len(stored - order_ids)} orders nobody sent")
        if order_ids - stored:
            row.checks.append(f"{len(order_ids - stored)} orders lost")
        outcomes = counts["outcomes"]
        created, repeats = outcomes.get("created 200", 0), outcomes.get("duplicate 200", 0)
        logged = sum(outcomes.values())
        if created != len(order_ids) or repeats != duplicates or logged != measured.planned:
            row.checks.append(f"delivery log {outcomes} != {len(order_ids)} created + "
                              f"{duplicates} duplicate")
        if counts["items"] != expected_items:
            row.checks.append(f"{counts['items']} order items stored, {expected_items} sent")


# --- the run -----------------------------------------------------------------------------

def fsync_ms(directory: Path, rounds: int = 200) -> float:
    """Median time of a small write + fsync on the disk the databases live on."""
    path = directory / "fsync.probe"
    times = []
    with open(path, "wb") as out:
        for _ in range(rounds):
            out.write(b"x" * 512)
            out.flush()
            t0 = time.perf_counter()
            os.fsync(out.fileno())
            times.append(time.perf_counter() - t0)
    path.unlink()
    return sorted(times)[len(times) // 2] * 1000


def cpu_jiffies() -> list[int]:
    """Busy, total and stolen jiffies of all CPUs so far, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return [0, 0, 0]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return [total - idle, total, fields[7] if len(fields) > 7 else 0]


def version_of(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "absent"
    return (result.stdout or result.stderr).strip().splitlines()[0] if result else "?"


def machine_info(workdir: Path) -> list[str]:
    import gunicorn

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    bindir = postgres_bindir()
    postgres = version_of([str(bindir / "postgres"), "--version"]) if bindir else "absent"
    before = cpu_jiffies()
    time.sleep(1.0)
    busy = [b - a for a, b in zip(before, cpu_jiffies(), strict=True)]
    share = busy[0] / busy[1] if busy[1] else 0.0
    quiet = "quiet" if share < 0.10 else "NOT quiet: other processes compete, numbers are low"
    return [
        f"CPU busy before the run (other processes): {share:.0%}, {quiet}",
        f"nproc {len(os.sched_getaffinity(0))} ({cpu}), {platform.system()} "
        f"{platform.release()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"gunicorn {gunicorn.__version__}, {postgres}, {version_of(['wrk', '-v'])}",
        f"disk: write+fsync of 512 B takes {fsync_ms(workdir):.2f} ms (median)",
    ]


def bench_server(db: str, database_url: str, workdir: Path, args, client: str) -> list[Row]:
    extra_env = {}
    if db == "sqlite":
        # The default, set explicitly so the table says what it measured.
        extra_env["GREETINGS_SQLITE_SYNCHRONOUS"] = args.sqlite_synchronous
    server = GunicornServer(workdir / f"instance-{db}", database_url, workers=2,
                            threads=args.threads,
                            extra_env=extra_env).start()
    try:
        server.cli("integration", "add", SLUG, "--kind", "standard", "--secret",
                   STANDARD_SECRET)

        def send(requests, name):
            before = cpu_jiffies()
            if client == "wrk":
                measured = run_wrk(server.port, requests, workdir / f"wrk-{db}-{name}",
                                   args.bound)
            else:
                measured = run_python(server.port, requests)
            measured.cpu = [b - a for a, b in zip(before, cpu_jiffies(), strict=True)]
            return measured

        # Warm both workers (imports, first connection) outside the measurement.
        send(make_healthz(SENDERS * 20), "warm")
        requests, order_ids, duplicates = make_deliveries(args.count, seed=args.seed)
        expected_items = sum(len(json.loads(r.body)["items"])
                             for r in {r.order_id: r for r in requests}.values())
        # Alternate /healthz and delivery rounds, so that a machine whose speed drifts
        # (other guests on the host) affects the ceiling and the deliveries alike.
        healthz = Measured(planned=0, sent=0, seconds=0.0)
        measured = Measured(planned=0, sent=0, seconds=0.0)
        size = -(-args.count // args.rounds)
        for number, start in enumerate(range(0, args.count, size)):
            part = requests[start:start + size]
            healthz.add(send(make_healthz(len(part)), f"healthz{number}"))
            measured.add(send(part, f"webhooks{number}"))
        healthz_row = Row("GET /healthz", db, client, healthz)
        if healthz.non_2xx or healthz.answered < args.count:
            healthz_row.checks.append(f"{healthz.non_2xx} non-2xx, "
                                      f"{healthz.answered}/{args.count} answered")
        row = Row(f"POST /webhooks/{SLUG}", db, client, measured, ceiling=healthz.rate)
        check_deliveries(row, measured, stored_counts(database_url), order_ids, duplicates,
                         expected_items)
        for body in measured.bad_bodies[:3]:
            print(f"  non-2xx answer ({db}): {body}")
        if measured.socket_errors:
            row.checks.append(f"socket errors {measured.socket_errors}")
        return [healthz_row, row]
    finally:
        server.stop()


def table(rows: list[Row]) -> str:
    head = ["target", "db", "client", "requests", "req/s", "p50 ms", "p99 ms",
            "% of healthz", "CPU busy", "stored orders", "distinct sent", "ok"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for row in rows:
        m = row.measured
        share = f"{100 * m.rate / row.ceiling:.0f} %" if row.ceiling else "(ceiling)"
        cells = [row.target, row.db, row.client, str(m.answered), f"{m.rate:,.0f}",
                 f"{m.percentile_ms(0.50):.1f}", f"{m.percentile_ms(0.99):.1f}", share,
                 f"{m.cpu_busy:.0%}" + (f" (steal {m.steal:.0%})" if m.steal >= 0.01 else ""),
                 "-" if row.stored is None else str(row.stored),
                 "-" if row.distinct is None else str(row.distinct),
                 "yes" if row.ok else "NO: " + "; ".join(row.checks)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goal_lines(rows: list[Row]) -> list[str]:
    lines = [f"Goal: >= {GOAL_SHARE:.0%} of the /healthz rate, p99 < {GOAL_P99_MS:.0f} ms, "
             "nothing lost, nothing doubled, no non-2xx."]
    for row in rows:
        if row.ceiling is None:
            continue
        m = row.measured
        share, p99 = m.rate / row.ceiling, m.percentile_ms(0.99)
        verdicts = [
            f"rate {share:.0%} {'met' if share >= GOAL_SHARE else 'MISSED'}",
            f"p99 {p99:.1f} ms {'met' if p99 < GOAL_P99_MS else 'MISSED'}",
            f"integrity {'met' if row.ok else 'FAILED'}",
        ]
        lines.append(f"  {row.db:<10} ({row.client}): " + ", ".join(verdicts))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 requests per target")
    parser.add_argument("--count", type=int, default=8_000,
                        help="requests per target (deliveries and /healthz alike)")
    parser.add_argument("--client", choices=["auto", "wrk", "python", "both"], default="auto",
                        help="auto: wrk when installed, else the Python client")
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--bound", type=int, default=60,
                        help="seconds after which a wrk run is cut off")
    parser.add_argument("--sqlite-synchronous", default="FULL",
                        help="PRAGMA synchronous for SQLite (the app's default is FULL)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternate /healthz and delivery rounds this many times")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn threads per worker (1: sync workers; more: gthread)")
    args = parser.parse_args(argv)
    if args.quick:
        args.count = 2_000

    have_wrk = shutil.which("wrk") is not None
    if args.client == "auto":
        clients = ["wrk"] if have_wrk else ["python"]
    elif args.client == "both":
        clients = ["wrk", "python"] if have_wrk else ["python"]
    else:
        clients = [args.client]
    if not have_wrk and args.client != "python":
        print("wrk is not installed (apt-get install -y wrk): skipping it, using the Python "
              "client, which competes with the server for the 2 cores and understates it.")
        if args.client == "wrk":
            return 2

    workdir = Path(tempfile.mkdtemp(prefix="greetings-bench-"))
    rows: list[Row] = []
    postgres = None
    try:
        print("Machine:", *machine_info(workdir), sep="\n  ")
        print(f"Load: {args.count} requests per target, {SENDERS} concurrent senders, "
              f"{DUPLICATE_SHARE:.0%} duplicate deliveries interleaved; gunicorn -w 2 "
              f"({'sync' if args.threads == 1 else f'gthread, {args.threads} threads'}) "
              "on 127.0.0.1.")
        databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        if "postgresql" in databases and postgres_bindir() is None:
            print("PostgreSQL server binaries (initdb) not found: skipping PostgreSQL.")
            databases.remove("postgresql")
        for db in databases:
            for client in clients:
                if db == "sqlite":
                    url = f"sqlite:///{workdir / f'bench-{client}.sqlite'}"
                    print(f"SQLite: WAL, PRAGMA synchronous={args.sqlite_synchronous}.")
                else:
                    if postgres is None:
                        postgres = PostgresServer(fsync=True).start()
                        print("PostgreSQL: fsync=on, synchronous_commit=on (the tests run "
                              "with fsync off; here every commit is durable).")
                    url = postgres.create_database(f"bench_{client}")
                print(f"Running {db} with {client} ...", flush=True)
                rows += bench_server(db, url, workdir, args, client)
    finally:
        if postgres is not None:
            postgres.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(table(rows))
    print()
    print("CPU busy: share of all cores busy meanwhile (gunicorn, database and client "
          "together); steal: time the hypervisor gave to other guests.")
    extras = sum(row.measured.extras for row in rows)
    if extras:
        print(f"wrk sent {extras} unmeasured GET /healthz in all, from threads that had "
              "finished a round while others had not (so no worker sits on an idle connection).")
    print("\n".join(goal_lines(rows)))
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Feedback page benchmark: the customer's GET and POST under 16 concurrent clients.

    .venv/bin/python bench/feedback.py             # 20 s per scenario, SQLite and PostgreSQL
    .venv/bin/python bench/feedback.py --quick     # 5 s per scenario
    .venv/bin/python bench/feedback.py --db sqlite --workers 4 --duration 30

Per database, the real app runs under gunicorn (sync workers, rate limits switched off
with GREETINGS_RATELIMIT_ENABLED=false: the bench is one address hammering) on 127.0.0.1,
seeded with 3,200 packed shipments. `wrk` (Debian package) drives 16 connections, one per
thread:

- GET  /healthz: the trivial answer, the ceiling of this server and client on this machine;
- GET  /f/<token>: a first visit, cycling through the shipments (no cookie, so each answer
  also makes a session and a CSRF token, as a new customer's does);
- POST /f/<token>: rating + comment + CSRF token, each client with its own session cookie
  and token fetched once beforehand, cycling through its own slice of shipments (the first
  round inserts, later rounds update within the 30-day window); every answer must be 303.

It prints requests/s, p50/p99 latency (wrk's histogram) and non-2xx/3xx counts, plus the
page's transfer size: HTML, CSS, JS and the signature image as a browser loads them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.servers import (  # noqa: E402 (needs the repository root on sys.path)
    GunicornServer,
    PostgresServer,
    postgres_bindir,
)

CLIENTS = 16
SHIPMENTS = 3200
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ASSET_RE = re.compile(r'(?:href|src)="(/(?:static|f)/[^"]+)"')

# One connection per thread; each thread reads its own file: cookie, CSRF token, tokens.
WRK_SCRIPT = r"""
local counter, threads = 0, {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local tokens, cookie, csrf, i = {}, nil, nil, 0
ok, bad = 0, 0
function init(args)
  local f = assert(io.open(os.getenv("BENCH_DIR") .. "/client." .. id, "rb"))
  cookie = f:read("*l")
  csrf = f:read("*l")
  for line in f:lines() do tokens[#tokens + 1] = line end
  f:close()
  i = id
end

local method = os.getenv("BENCH_METHOD")
local health = wrk.format("GET", "/healthz")
local comment = "Kaffen+kom+perfekt+frem.+Tak%21"
function request()
  i = i % #tokens + 1
  local path = "/f/" .. tokens[i]
  if method == "HEALTH" then return health end
  if method == "GET" then
    return wrk.format("GET", path, {["Accept-Language"] = "da-DK,da;q=0.9"})
  end
  local body = "rating=" .. (i % 5 + 1) .. "&comment=" .. comment .. "&csrf_token=" .. csrf
  return wrk.format("POST", path, {["Cookie"] = cookie,
                    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

local wanted = method == "POST" and 303 or 200
function response(status, headers, body)
  if status == wanted then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local good, wrong = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    wrong = wrong + thread:get("bad")
  end
  local f = assert(io.open(os.getenv("BENCH_DIR") .. "/summary.json", "wb"))
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"ok": %d, "bad": %d, "socket_errors": %d}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, good, wrong,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
  f:close()
end
"""


def seed(server: GunicornServer, count: int) -> list[str]:
    """Store one packer (with a signature) and `count` packed orders; return the tokens."""
    env = {key: value for key, value in server.env.items() if key.startswith("GREETINGS_")}
    code = (
        "import json,sys\n"
        "from bench.feedback import seed_in_app\n"
        f"print(json.dumps(seed_in_app({count})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                            cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def seed_in_app(count: int) -> list[str]:
    """Run inside the server's configuration: bulk-insert orders and shipments."""
    from PIL import Image, ImageDraw

    from greetings import create_app
    from greetings.cards.renderer import prepare_signature
    from greetings.cards.tokens import new_token
    from greetings.extensions import db
    from greetings.models import Card, Integration, Order, Packer, Shipment, utcnow
    from greetings.station.service import badge_hash

    image = Image.new("RGB", (900, 300), "white")
    ImageDraw.Draw(image).line([(60, 200), (200, 80), (320, 220), (470, 90), (820, 120)],
                               fill="black", width=12)
    scan = _png_bytes(image)
    app = create_app()
    with app.app_context():
        integration = Integration(slug="bench", kind="standard")
        signature, signature_1bit = prepare_signature(scan)
        packer = Packer(full_name="Åse Marie Nygaard", display_name="Åse",
                        badge_hash=badge_hash("B-BENCH"), signature_png=signature,
                        signature_1bit=signature_1bit, signature_consent=True)
        db.session.add_all([integration, packer])
        db.session.flush()
        tokens = []
        for n in range(count):
            order = Order(integration_id=integration.id, external_id=str(n), number=str(n),
                          first_name="Søren", language="da-DK", version=utcnow())
            db.session.add(order)
            db.session.flush()
            token = new_token()
            db.session.add(Shipment(order_id=order.id, packer_id=packer.id, cards=[
                Card(packer_id=packer.id, token=token)]))
            tokens.append(token)
        db.session.commit()
    return tokens


def _png_bytes(image) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def fetch(url: str, headers: dict | None = None) -> tuple[bytes, dict]:
    """GET a URL; return the body and the response headers."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                timeout=30) as answer:
        return answer.read(), dict(answer.headers)


def page_weight(base_url: str, token: str) -> dict:
    """Return the bytes of the page and of each asset it loads, as a browser would."""
    html, _ = fetch(f"{base_url}/f/{token}")
    sizes = {"html": len(html)}
    for path in ASSET_RE.findall(html.decode()):
        if "?lang=" in path:
            continue
        body, _ = fetch(base_url + path)
        kind = path.rsplit(".", 1)[-1]
        sizes[kind] = sizes.get(kind, 0) + len(body)
    sizes["total"] = sum(sizes.values())
    return sizes


def client_files(base_url: str, tokens: list[str], folder: Path) -> None:
    """Give each of the 16 clients a session, a CSRF token and its slice of shipments."""
    for client in range(CLIENTS):
        mine = tokens[client::CLIENTS]
        html, headers = fetch(f"{base_url}/f/{mine[0]}")
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        csrf = CSRF_RE.search(html.decode()).group(1)
        (folder / f"client.{client}").write_text("\n".join([cookie, csrf, *mine]) + "\n")


def run_wrk(base_url: str, method: str, seconds: int, folder: Path) -> dict:
    """Drive the server with wrk for `seconds`; return the parsed summary."""
    script = folder / "feedback.lua"
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "BENCH_DIR": str(folder), "BENCH_METHOD": method}
    subprocess.run(["wrk", "-t", str(CLIENTS), "-c", str(CLIENTS), "-d", f"{seconds}s",
                    "--timeout", "10s", "-s", str(script), base_url],
                   env=env, check=True, capture_output=True)
    summary = json.loads((folder / "summary.json").read_text())
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


def bench_database(name: str, url: str, args, work: Path) -> list[dict]:
    """Start gunicorn on one database, seed it, and measure GET then POST."""
    server = GunicornServer(work / f"instance-{name}", url, workers=args.workers,
                            extra_env={"GREETINGS_SECRET_KEY": "bench",
                                       "GREETINGS_RATELIMIT_ENABLED": "false"})
    server.env["GREETINGS_PUBLIC_BASE_URL"] = server.base_url
    server.start()
    try:
        tokens = seed(server, SHIPMENTS)
        client_files(server.base_url, tokens, work)
        weight = page_weight(server.base_url, tokens[0])
        run_wrk(server.base_url, "GET", 2, work)  # warm-up: imports, caches, pools
        rows = []
        for method in ("HEALTH", "GET", "POST"):
            result = run_wrk(server.base_url, method, args.duration, work)
            rows.append({"db": name, "method": method, **result, "weight": weight})
        return rows
    finally:
        server.stop()


def table(rows: list[dict], args) -> str:
    """Format the results as a Markdown table."""
    lines = [f"16 clients (wrk, 1 connection each), gunicorn {args.workers} sync workers, "
             f"{args.duration} s per row, {os.cpu_count()} CPUs",
             "",
             "| database | request | requests/s | p50 ms | p99 ms | max ms | wrong status |"
             " socket errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        what = ("GET /healthz (ceiling)" if row["method"] == "HEALTH"
                else f"{row['method']} /f/<token>")
        lines.append(
            f"| {row['db']} | {what} | {row['rps']:.0f} | "
            f"{row['p50_us'] / 1000:.1f} | {row['p99_us'] / 1000:.1f} | "
            f"{row['max_us'] / 1000:.1f} | {row['bad']} | {row['socket_errors']} |")
    weight = rows[0]["weight"]
    parts = ", ".join(f"{kind} {size:,} B" for kind, size in weight.items() if kind != "total")
    lines += ["", f"Page transfer size: {weight['total']:,} bytes ({parts}); "
                  "uncompressed, as gunicorn sends it."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s per scenario")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.quick:
        args.duration = 5
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk)")
    work = Path(tempfile.mkdtemp(prefix="greetings-bench-feedback-"))
    rows, postgres = [], None
    try:
        if args.db in ("sqlite", "both"):
            rows += bench_database("SQLite", f"sqlite:///{work / 'instance-SQLite' / 'g.sqlite'}",
                                   args, work)
        if args.db in ("postgresql", "both") and postgres_bindir() is not None:
            postgres = PostgresServer(fsync=True).start()
            rows += bench_database("PostgreSQL", postgres.create_database("bench"), args, work)
    finally:
        if postgres:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows, args))


if __name__ == "__main__":
    main()

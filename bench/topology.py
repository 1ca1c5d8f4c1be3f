"""The topology test at full size: 3,000 orders through nginx, two app servers and a worker.

    .venv/bin/python bench/topology.py                 # 3,000 orders
    .venv/bin/python bench/topology.py --orders 1000

The same run as tests/system/test_topology.py (tests/support/siteload.py), which sends
400 orders to stay within the suite's time: nginx (the repo's template) in front of two
gunicorn app servers (the repo's gunicorn.conf.py, 2 workers each) and one job worker, on
one PostgreSQL (fsync on) and one redis-server. 8 senders, 10% of deliveries sent twice;
one app server is killed -9 when 30% of the deliveries are sent and PostgreSQL restarted
(immediate stop: every connection cut) at 60%. Senders retry as ERPs do (connection errors,
429, 5xx: again after a growing pause, the same webhook-id). Customers pack and answer
every 10th stored order (API, feedback form); the worker delivers the outbox events to a
local receiver. Then the killed server is started again, the spools are drained and the
outbox delivered, and the database and the receiver are counted.

The baseline of the same run is the plain one: the same load with nothing failing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.siteload import (  # noqa: E402 (needs the repository root on sys.path)
    SITE_ENV,
    SiteLoad,
    refusal_limit_statuses,
)
from tests.support.topology import Topology  # noqa: E402

COLUMNS = ["orders sent", "orders stored", "lost", "doubled", "created", "duplicate",
           "answers of 500", "gave up", "feedback answered", "outbox events",
           "events received", "events received twice or more"]


def one_run(orders: int, failures: bool) -> dict:
    """Run the load once on a new site; return the census, timings and the limit check."""
    with tempfile.TemporaryDirectory(prefix="greetings-topology-") as base, \
            Topology(Path(base), app_servers=2, workers=2, client_timeout="30s",
                     extra_env=SITE_ENV) as site:
        load = SiteLoad(site, orders=orders).prepare()
        try:
            statuses = refusal_limit_statuses(site, 30)
            site.start_process("worker", ["flask", "--app", "greetings", "worker"])
            events = {0.3: lambda: site.kill_app_server(1), 0.6: site.restart_postgres}
            deliveries = load.run(events=events if failures else None)
            if failures:
                site.restart_app_server(1)
            started = time.monotonic()
            settled = load.settle(timeout=900)
            census = load.census()
        finally:
            load.stop()
    census.update({
        "run": "kill -9 at 30%, PostgreSQL restart at 60%" if failures else "nothing fails",
        "deliveries": deliveries, "seconds": load.seconds,
        "rate": deliveries / load.seconds if load.seconds else 0.0,
        "settle seconds": time.monotonic() - started, "settled": settled,
        "limit": f"{statuses.count(401)} x 401, {statuses.count(429)} x 429",
    })
    return census


def table(rows: list[dict]) -> str:
    """Return the runs as a Markdown table, one column per run."""
    keys = ["run", "deliveries", "seconds", "rate", "settle seconds", "limit", *COLUMNS,
            "webhook answers", "webhook connection errors"]
    lines = ["| | " + " | ".join(str(row["run"]) for row in rows) + " |",
             "|---|" + "---|" * len(rows)]
    for key in keys[1:]:
        cells = []
        for row in rows:
            value = row[key]
            if isinstance(value, float):
                value = f"{value:,.1f}"
            elif isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) or "-"
            cells.append(str(value))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run in which nothing fails")
    args = parser.parse_args(argv)
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} before the run")
    rows = [] if args.no_baseline else [one_run(args.orders, failures=False)]
    rows.append(one_run(args.orders, failures=True))
    print(table(rows))
    failed = [row for row in rows
              if row["lost"] or row["doubled"] or row["answers of 500"] or not row["settled"]
              or row["events received"] != row["outbox events"]]
    print("ok: nothing lost or doubled, no 500, every event received" if not failed
          else "FAILED: see the table")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

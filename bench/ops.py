"""What the operations layer costs per request, in-process: with it and without it.

    .venv/bin/python bench/ops.py [--requests 5000]

One app on a fresh SQLite file; Werkzeug's test client sends GET /healthz and GET /readyz
in alternating rounds, once as built (request id, JSON logs, metrics, the body check) and
once with those hooks taken off the same app (the baseline). Prints µs per request.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from greetings import create_app  # noqa: E402
from greetings.extensions import db  # noqa: E402
from greetings.ops import inputs, logs, metrics  # noqa: E402

OPS_HOOKS = {inputs.refuse_unread_body, logs.assign_request_id, logs.echo_request_id,
             metrics._start_timer, metrics._count}


def without_ops(app):
    """Take the operations layer's hooks and middleware off `app`; return a restorer."""
    before, after = list(app.before_request_funcs[None]), list(app.after_request_funcs[None])
    wsgi = app.wsgi_app
    app.before_request_funcs[None] = [f for f in before if f not in OPS_HOOKS]
    app.after_request_funcs[None] = [f for f in after if f not in OPS_HOOKS]
    app.wsgi_app = wsgi.wsgi_app if isinstance(wsgi, inputs.ChunkedBodyLimit) else wsgi

    def restore():
        app.before_request_funcs[None], app.after_request_funcs[None] = before, after
        app.wsgi_app = wsgi
    return restore


def per_request(client, path, count) -> float:
    started = time.perf_counter()
    for _ in range(count):
        client.get(path)
    return (time.perf_counter() - started) / count * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="greetings-bench-ops-"))
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "TESTING": True,
                      "PUBLIC_BASE_URL": "https://greet.example.com",
                      "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'g.sqlite'}"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    client = app.test_client()
    rounds = 4
    results = {}
    for path in ("/healthz", "/readyz"):
        with_ops, baseline = [], []
        per_path(client, path, 200)
        for _ in range(rounds):
            with_ops.append(per_request(client, path, args.requests // rounds))
            restore = without_ops(app)
            baseline.append(per_request(client, path, args.requests // rounds))
            restore()
        results[path] = statistics.median(baseline), statistics.median(with_ops)
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.requests} requests per path and variant, {rounds} alternating rounds (median)\n")
    print("| path | without the ops layer | with it | cost |")
    print("| --- | --- | --- | --- |")
    for path, (base, full) in results.items():
        print(f"| GET {path} | {base:.0f} µs | {full:.0f} µs | {full - base:+.0f} µs "
              f"({(full / base - 1) * 100:+.0f}%) |")
    return 0


def per_path(client, path, count):
    """Warm up: templates, the engine's first connection, metric label sets."""
    for _ in range(count):
        client.get(path)


if __name__ == "__main__":
    sys.exit(main())

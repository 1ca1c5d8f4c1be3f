"""gunicorn settings for one Greetings app server: `gunicorn -c gunicorn.conf.py wsgi:app`.

It runs behind nginx (deploy/nginx/), which buffers each request and enforces the header
and body timeouts gunicorn does not have: a sync worker is busy only while the app works.
Every value can be set from the environment, so one file serves every server; see
docs/operations.md.
"""

import multiprocessing
import os
import shutil
import tempfile


def _env(name, default):
    return os.environ.get(name, default)


# Where nginx reaches this server; GREETINGS_METRICS_BIND adds an internal listener that
# serves only /metrics, /healthz and /readyz (the app checks which socket a request used).
bind = [_env("GREETINGS_BIND", "127.0.0.1:8000")]
if os.environ.get("GREETINGS_METRICS_BIND"):
    bind.append(os.environ["GREETINGS_METRICS_BIND"])

workers = int(_env("GREETINGS_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
threads = int(_env("GREETINGS_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# A request the app takes longer than this over is killed (the worker restarts).
timeout = int(_env("GREETINGS_WORKER_TIMEOUT", "30"))
graceful_timeout = 30
# Longer than nginx keeps idle upstream connections (keepalive_timeout in the upstream).
keepalive = 75
# Renew workers now and then, so a slow leak never grows for months.
max_requests = 10_000
max_requests_jitter = 1_000
# Above nginx's own limits (large_client_header_buffers 4 8k), so nginx refuses first and
# answers problem+json; these only guard a server reached without nginx.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16_380
# X-Forwarded-Proto from nginx on the same host sets https; the app's ProxyFix
# (GREETINGS_PROXY_COUNT=1) reads X-Forwarded-For.
forwarded_allow_ips = _env("GREETINGS_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn ≥ 25.1 opens a control socket in $HOME by default: several servers on one host
# would share it.
control_socket_disable = True

# JSON lines to stderr (journald), feedback tokens redacted, the request id in each line.
logger_class = "greetings.ops.server.JsonLogger"
accesslog = _env("GREETINGS_ACCESS_LOG", "-")
errorlog = "-"
loglevel = _env("GREETINGS_LOG_LEVEL", "info").lower()

# Prometheus: every worker writes its counters to files here and any worker's /metrics
# adds them up. Set before a worker imports prometheus_client (it decides at import).
_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = tempfile.mkdtemp(prefix="greetings-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir
# The app warns (at start and in /readyz) when rate limits are kept per worker.
os.environ["GREETINGS_SERVER_WORKERS"] = str(workers)


def on_starting(server):
    """Forget the metric files of processes that are gone; tell the app the worker count;
    load the card's fonts, which every worker then inherits."""
    from greetings.cards.renderer import preload_fonts
    from greetings.ops.metrics import remove_dead_process_files

    # Here, in the master before it forks: the first card with a CJK name in each worker
    # took 235-260 ms instead of ~65 (loading the face, and the full garbage collection
    # its objects set off), after every worker restart (max_requests) too. Loaded once
    # here, the workers share its ~20 MB and wsgi.py freezes its objects with the app's.
    preload_fonts()

    os.environ["GREETINGS_SERVER_WORKERS"] = str(server.cfg.workers)
    removed = remove_dead_process_files(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    server.log.info("metrics in %s (%d stale files removed)",
                    os.environ["PROMETHEUS_MULTIPROC_DIR"], removed)


def on_exit(server):
    """Remove the metrics folder this file made for itself (not one that was given)."""
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)


def post_worker_init(worker):
    """Start the worker's spool applier (webhook deliveries kept while the database was
    away) and, on SQLite, its WAL checkpointer (checkpoints off the requests' commits)."""
    from greetings.intake.spool import start_applier
    from greetings.ops.checkpoints import start_for_app

    start_applier(worker.wsgi)
    start_for_app(worker.wsgi)


def child_exit(server, worker):
    """Drop a dead worker's live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

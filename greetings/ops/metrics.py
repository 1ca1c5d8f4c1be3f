"""Prometheus metrics at /metrics: what each request did, and gauges other parts register.

Counters and histograms live in this process, or, under gunicorn with
PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it), in files every worker writes and
any worker's scrape adds up. Numbers that live in the database (outbox backlog, spool size)
are not counted by anyone: a part registers a callback with `register_gauge`, and each
scrape calls it, in an app context, in the worker that answers the scrape.
"""

import glob
import hmac
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

log = logging.getLogger(__name__)

REQUESTS = Counter("greetings_http_requests_total",
                   "HTTP answers by route (URL rule) and status", ["method", "route", "status"])
DURATION = Histogram("greetings_http_request_duration_seconds", "Time to answer, by route",
                     ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
WEBHOOKS = Counter("greetings_webhook_deliveries_total",
                   "Webhook deliveries answered, by integration, status and outcome",
                   ["integration", "status", "outcome"])
CARDS = Counter("greetings_cards_printed_total",
                "Cards printed: at stations (each print or reprint), in waves, fetched by the API",
                ["channel"])
JOB_LATENCY = Histogram("greetings_job_latency_seconds",
                        "From when a job was due to when it finished, by task", ["task"],
                        buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600))

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Answers that a slug can only get once it named an integration: the slug is then one of
# ours, so the label's values stay few whatever strangers send.
_KNOWN_SLUG_STATUSES = frozenset({200, 201, 202, 401, 415, 422})


@dataclass(frozen=True)
class GaugeSource:
    """A number read at scrape time: `read()` returns a value, or {label values: value}."""

    name: str
    help: str
    read: Callable[[], float | dict[tuple[str, ...], float]]
    labels: tuple[str, ...] = ()


_GAUGES: dict[str, GaugeSource] = {}


def register_gauge(name: str, help: str, read, labels=()) -> None:  # noqa: A002
    """Publish a gauge whose value `read()` gives at each scrape (called in an app context).

    `read` returns a number, or a dict from a tuple of label values to a number when
    `labels` names labels. A `read` that raises is logged and its gauge left out of that
    scrape; registering a name again replaces the earlier source.
    """
    _GAUGES[name] = GaugeSource(name, help, read, tuple(labels))


def observe_job(task: str, seconds: float) -> None:
    """Record how long a job waited and ran, from when it was due until it finished."""
    JOB_LATENCY.labels(task=task).observe(max(seconds, 0.0))


class _CallbackCollector:
    def __init__(self, app):
        self.app = app

    def collect(self):
        for source in list(_GAUGES.values()):
            try:
                with self.app.app_context():
                    value = source.read()
            except Exception:  # a broken source must not take the other metrics down
                log.warning("metrics: gauge %s could not be read", source.name, exc_info=True)
                continue
            family = GaugeMetricFamily(source.name, source.help, labels=list(source.labels))
            if isinstance(value, dict):
                for label_values, number in value.items():
                    family.add_metric(list(label_values), float(number))
            else:
                family.add_metric([], float(value))
            yield family


def exposition(app) -> bytes:
    """Return every metric in Prometheus' text format."""
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_CallbackCollector(app))
    if multiprocess_dir():
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(gauges)


CONTENT_TYPE = CONTENT_TYPE_LATEST


def multiprocess_dir() -> str | None:
    """Return the folder gunicorn's workers share their metrics through, if any."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def remove_dead_process_files(path: str) -> int:
    """Delete the metric files of processes that no longer run; return how many went.

    The files of a live process (another server, the job worker) are kept.
    """
    removed = 0
    for name in glob.glob(os.path.join(path, "*.db")):
        pid = os.path.basename(name).rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            os.remove(name)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scrape_allowed() -> bool:
    """Tell whether this request may read /metrics: the right token, or the internal bind."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(supplied.encode(), str(token).encode()):
            return True
    return arrived_on_internal_bind()


def arrived_on_internal_bind() -> bool:
    """Tell whether the connection came in on METRICS_BIND (gunicorn's socket, not a header)."""
    bind = current_app.config.get("METRICS_BIND")
    sock = request.environ.get("gunicorn.socket")
    if not bind or sock is None:
        return False
    try:
        host, port = sock.getsockname()[:2]
    except OSError:
        return False
    wanted_host, _, wanted_port = str(bind).rpartition(":")
    any_address = {"0.0.0.0", "::"}  # noqa: S104 (compared with, not bound to)
    return str(port) == wanted_port and wanted_host.strip("[]") in {host, *any_address}


def _start_timer():
    g.metrics_started = time.perf_counter()


def _count(response):
    rule = request.url_rule
    route = rule.rule if rule is not None else "<unmatched>"
    method = request.method if request.method in METHODS else "OTHER"
    REQUESTS.labels(method=method, route=route, status=str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        DURATION.labels(route=route).observe(time.perf_counter() - started)
    if request.endpoint == "intake.receive":
        _count_webhook(response)
    elif response.status_code == 200 and response.mimetype == "application/pdf":
        _count_cards_served(response)
    return response


def _count_webhook(response):
    status = response.status_code
    slug = (request.view_args or {}).get("slug", "")
    integration = slug if status in _KNOWN_SLUG_STATUSES else "unknown"
    outcome = "refused"
    if 200 <= status < 300:
        body = response.get_json(silent=True)
        outcome = str(body.get("outcome", "accepted"))[:32] if isinstance(body, dict) else "ok"
    WEBHOOKS.labels(integration=integration, status=str(status), outcome=outcome).inc()


def _count_cards_served(response):
    # Station prints are counted when the station records them (below); a station's PDF
    # fetch is the same card, so only waves and API fetches count here.
    if request.endpoint == "station.wave":
        count = response.headers.get("X-Wave-Count", "0")
        CARDS.labels(channel="wave").inc(int(count) if count.isdigit() else 0)
    elif request.endpoint == "api.card":
        CARDS.labels(channel="api").inc()


def _watch_station_prints():
    """Count each station print (Card.print_count going up) when its commit lands."""
    from ..models import Card

    if event.contains(Card.print_count, "set", _on_print_count):
        return
    event.listen(Card.print_count, "set", _on_print_count)
    event.listen(Session, "after_commit", _flush_prints)
    event.listen(Session, "after_rollback", _drop_prints)


def _on_print_count(target, value, oldvalue, _initiator):
    if isinstance(value, int) and isinstance(oldvalue, int) and value > oldvalue:
        session = object_session(target)
        if session is not None:
            session.info["cards_printed"] = session.info.get("cards_printed", 0) + value - oldvalue


def _flush_prints(session):
    printed = session.info.pop("cards_printed", 0)
    if printed:
        CARDS.labels(channel="station").inc(printed)


def _drop_prints(session):
    session.info.pop("cards_printed", None)


def init_app(app):
    """Count every answer by route and status; count webhooks and printed cards."""
    app.before_request(_start_timer)
    app.after_request(_count)
    _watch_station_prints()

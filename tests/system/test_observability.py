"""Operable: request ids in every log line, no tokens in logs, /readyz, /metrics."""

import io
import json
import logging
import threading
import time
import urllib.error
import urllib.request

import pytest
from werkzeug.serving import make_server

from greetings import create_app
from greetings.api.tokens import create_token
from greetings.extensions import db
from greetings.models import Card
from greetings.ops import register_check, register_gauge
from greetings.ops.logs import RedactingJsonFormatter, anonymise_address, redact
from greetings.ops.metrics import _GAUGES
from greetings.ops.readiness import _CHECKS
from tests.conftest import make_app, make_integrations
from tests.feedback.conftest import make_shipment
from tests.support.servers import GunicornServer, free_port
from tests.support.webhooks import generic_body, standard_headers

TOKEN = "K7QW2M4XZP9RT3VB6YHN8CDJ5F"


@pytest.fixture
def log_lines():
    """Collect the JSON lines the app's formatter writes during a test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingJsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_a_sane_request_id_is_taken_and_echoed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "erp-42.a:b"}).headers[
        "X-Request-ID"] == "erp-42.a:b"


@pytest.mark.parametrize("given", ["", "has space", "x" * 200, "bad\u00e9", "-leading-dash",
                                   "a\tb"])
def test_an_odd_request_id_is_replaced(client, given):
    answer = client.get("/healthz", headers={"X-Request-ID": given} if given else {})
    made = answer.headers["X-Request-ID"]
    assert made != given and len(made) == 32 and made.isalnum()


def test_every_log_line_of_a_request_carries_its_id(app, log_lines):
    @app.get("/_test/log")
    def _log_twice():
        logging.getLogger("greetings.test").warning("first")
        app.logger.warning("second")
        return "ok"

    app.test_client().get("/_test/log", headers={"X-Request-ID": "req-0001"})
    lines = [line for line in log_lines() if line["message"] in {"first", "second"}]
    assert [line["request_id"] for line in lines] == ["req-0001", "req-0001"]
    assert {"time", "level", "logger"} <= set(lines[0])


@pytest.mark.parametrize("address,network", [
    ("192.168.5.77", "192.168.5.0"), ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
    ("[::1]", "::"), (None, "-"), ("not an address", "-")])
def test_log_lines_keep_a_clients_network_not_its_address(address, network):
    assert anonymise_address(address) == network


def test_redaction_cuts_tokens_and_row_values():
    text = ('GET /f/K7QW-2M4X ZP9R HTTP/1.1 and /F/K7QW2M4XZP9RT3VB6YHN8CDJ5F/thanks\n'
            'DETAIL:  Key (email)=(søren@example.com) already exists.')
    cut = redact(text)
    assert "K7QW" not in cut and "søren" not in cut
    assert "/f/…" in cut and "/F/…/thanks" in cut and "DETAIL:  …" in cut


def test_the_development_server_log_has_no_tokens(app, log_lines):
    server = make_server("127.0.0.1", free_port(), app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/f/{TOKEN}", f"/F/{TOKEN}/thanks"):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10)
    finally:
        server.shutdown()
    werkzeug = [line for line in log_lines() if line["logger"] == "werkzeug"]
    assert len(werkzeug) == 2
    assert all(TOKEN not in line["message"] and "/f/…" in line["message"].lower()
               for line in werkzeug)


def test_readyz_reports_each_check(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json
    checks = answer.json["checks"]
    assert answer.json["status"] == "ready"
    assert checks["database"]["ok"] and checks["database"]["migrations"]["ok"]
    assert checks["ratelimit"] == {"ok": True, "storage": "memory"}
    assert "redis" not in checks


def test_readyz_is_503_until_the_migrations_ran(tmp_path, sqlite_url):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": sqlite_url})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["database"]["migrations"]["ok"] is False
    assert answer.headers["Retry-After"]


def test_readyz_is_503_when_the_configured_redis_is_away(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                   RATELIMIT_STORAGE_URI="memory://")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["redis"]["ok"] is False


def test_readyz_runs_checks_other_parts_register(client):
    register_check("spool", lambda: {"ok": False, "files": 3})
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json["checks"]["spool"] == {"ok": False, "files": 3}
    finally:
        _CHECKS.pop("spool")


def test_metrics_need_the_token(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, METRICS_TOKEN="s3cret-metrics")
    client = app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"


def test_without_a_token_or_bind_metrics_are_not_served(client):
    assert client.get("/metrics").status_code == 404


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(part.split("=", 1) for part in
                         line[line.find("{") + 1:line.find("}")].split(",") if "=" in part)
            found = {key: value.strip('"') for key, value in found.items()}
            if all(found.get(key) == value for key, value in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def scrape(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, METRICS_TOKEN="t")
    client = app.test_client()
    return app, client, lambda: client.get(
        "/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)


def test_requests_are_counted_by_route_not_by_path(scrape):
    app, client, metrics = scrape
    before = sample(metrics(), "greetings_http_requests_total", route="/f/<token>", status="404")
    client.get(f"/f/{TOKEN}")
    text = metrics()
    assert sample(text, "greetings_http_requests_total", route="/f/<token>",
                  status="404") == before + 1
    assert TOKEN not in text


def test_webhook_outcomes_are_counted_by_integration(scrape):
    app, client, metrics = scrape
    make_integrations(app)
    counts = lambda text: (  # noqa: E731
        sample(text, "greetings_webhook_deliveries_total", integration="erp",
               outcome="created"),
        sample(text, "greetings_webhook_deliveries_total", integration="erp", status="401"),
        sample(text, "greetings_webhook_deliveries_total", integration="unknown",
               status="404"))
    before = counts(metrics())
    body = generic_body("M-1")
    client.post("/webhooks/erp", data=body, headers=standard_headers(body))
    client.post("/webhooks/erp", data=body, headers={"Content-Type": "application/json"})
    client.post("/webhooks/no-such-slug", data=body, headers=standard_headers(body))
    assert counts(metrics()) == tuple(value + 1 for value in before)
    assert "no-such-slug" not in metrics()


def test_printed_cards_are_counted(scrape):
    app, client, metrics = scrape
    token, _, _ = make_shipment(app)
    with app.app_context():
        bearer = {"Authorization": f"Bearer {create_token('m')}"}
        db.session.commit()
        card = db.session.execute(db.select(Card).where(Card.token == token)).scalar_one()
        shipment_id, card_id = card.shipment_id, card.id
    station = sample(metrics(), "greetings_cards_printed_total", channel="station")
    api = sample(metrics(), "greetings_cards_printed_total", channel="api")
    with app.app_context():
        card = db.session.get(Card, card_id)
        card.print_count += 1
        db.session.commit()
        card.print_count += 1
        db.session.rollback()  # a print that was not recorded is not counted
    assert client.get(f"/api/v1/shipments/{shipment_id}/insert.pdf",
                      headers=bearer).status_code == 200
    text = metrics()
    assert sample(text, "greetings_cards_printed_total", channel="station") == station + 1
    assert sample(text, "greetings_cards_printed_total", channel="api") == api + 1


def test_registered_gauges_are_read_at_each_scrape(scrape):
    _, _, metrics = scrape
    backlog = iter([4, 2])
    register_gauge("greetings_test_backlog", "events not sent yet", lambda: next(backlog))
    register_gauge("greetings_test_by_kind", "per kind", lambda: {("a",): 1, ("b",): 2},
                   labels=["kind"])
    register_gauge("greetings_test_broken", "raises", lambda: 1 / 0)
    try:
        first, second = metrics(), metrics()
        assert sample(first, "greetings_test_backlog") == 4
        assert sample(second, "greetings_test_backlog") == 2
        assert sample(first, "greetings_test_by_kind", kind="b") == 2
        assert "greetings_test_broken" not in first
        assert "greetings_http_requests_total" in first
    finally:
        for name in ("greetings_test_backlog", "greetings_test_by_kind", "greetings_test_broken"):
            _GAUGES.pop(name)


def test_gunicorn_workers_add_up_on_the_internal_listener(tmp_path):
    server = GunicornServer(tmp_path / "instance", f"sqlite:///{tmp_path / 'g.sqlite'}",
                            workers=2, metrics_bind=True).start()
    try:
        from concurrent.futures import ThreadPoolExecutor

        def served() -> set[int]:
            return {line["pid"] for line in server.access_log() if line["path"] == "/healthz"}

        # Rounds of 40 until both workers have answered some: on a busy machine the worker
        # that booted first can take a whole round while the other still imports the app.
        sent, deadline = 0, time.monotonic() + 60
        with ThreadPoolExecutor(4) as pool:
            while not sent or (len(served()) < 2 and time.monotonic() < deadline):
                list(pool.map(lambda _: urllib.request.urlopen(server.base_url + "/healthz",
                                                               timeout=20).read(), range(40)))
                sent += 40
        internal = f"http://127.0.0.1:{server.metrics_port}"
        text = urllib.request.urlopen(internal + "/metrics", timeout=20).read().decode()
        assert len(served()) == 2  # both workers answered some
        # /healthz of the start-up wait plus the rounds above, whichever worker answered.
        assert sample(text, "greetings_http_requests_total", route="/healthz") >= sent + 1
        with pytest.raises(urllib.error.HTTPError) as public:
            urllib.request.urlopen(server.base_url + "/metrics", timeout=20)
        assert public.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as other:
            urllib.request.urlopen(internal + "/staff/login", timeout=20)
        assert other.value.code == 404
        assert urllib.request.urlopen(internal + "/readyz", timeout=20).status == 200
    finally:
        server.stop()

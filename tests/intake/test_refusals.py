"""What strangers can send (unknown slugs, bad signatures) is counted and rate-limited.

Such a request used to write a row each (3,000 requests, 3,000 rows); now it is counted
per slug and day with a few samples, and past a budget per client address it gets 429.
Correctly signed deliveries are never limited: WooCommerce disables a webhook after 5
failed deliveries.
"""

import http.client
import json

import pytest
from sqlalchemy import func, select

from greetings.extensions import db
from greetings.models import Delivery, RefusalTally
from tests.conftest import make_integrations
from tests.support.servers import GunicornServer
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers


@pytest.fixture
def slugs(any_app):
    return make_integrations(any_app)


def bad_signature(body):
    return {**standard_headers(body), "webhook-signature": "v1," + "A" * 43 + "="}


def test_strangers_requests_are_counted_not_logged_a_row_each(any_app, slugs):
    any_app.config["WEBHOOK_REFUSAL_RATELIMIT"] = "10000 per minute"
    client = any_app.test_client()
    body = generic_body("R-1")
    for number in range(60):
        assert client.post("/webhooks/erp", data=body,
                           headers=bad_signature(body)).status_code == 401
        assert client.post(f"/webhooks/guess-{number}", data=body,
                           headers=standard_headers(body)).status_code == 404
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
        tallies = db.session.execute(
            select(RefusalTally).order_by(RefusalTally.slug)).scalars().all()
        assert [(t.slug, t.outcome, t.count) for t in tallies] == [
            ("", "unknown_integration", 60), ("erp", "bad_signature", 60)]
        unknown, erp = tallies
        # The last five of each are kept, newest last, so an integrator can see why.
        assert [sample["slug"] for sample in unknown.samples] == [
            f"guess-{number}" for number in range(55, 60)]
        assert len(erp.samples) == 5
        assert erp.samples[-1]["detail"] == "no webhook-signature matches a current secret"
        assert STANDARD_SECRET not in json.dumps(erp.samples)

    result = any_app.test_cli_runner().invoke(args=["integration", "refusals"])
    assert result.exit_code == 0
    assert "(unknown slug)  unknown_integration  x60" in result.output
    assert "/webhooks/guess-59" in result.output
    assert "erp  bad_signature  x60" in result.output


def test_refusals_past_the_budget_get_429_but_signed_deliveries_never(any_app, slugs):
    any_app.config["WEBHOOK_REFUSAL_RATELIMIT"] = "5 per minute"
    client = any_app.test_client()
    body = generic_body("R-2")
    statuses = [client.post("/webhooks/erp", data=body, headers=bad_signature(body)).status_code
                for _ in range(5)]
    statuses.append(client.post("/webhooks/nobody", data=body,
                                headers=standard_headers(body)).status_code)
    assert statuses == [401] * 5 + [429]
    limited = client.post("/webhooks/erp", data=body, headers=bad_signature(body))
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 0 < int(limited.headers["Retry-After"]) <= 60

    # The same address, correctly signed: taken as always.
    signed = client.post("/webhooks/erp", data=body, headers=standard_headers(body))
    assert (signed.status_code, signed.json["outcome"]) == (200, "created")
    # Another address has its own budget.
    other = client.post("/webhooks/erp", data=body, headers=bad_signature(body),
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 401
    with any_app.app_context():
        counted = db.session.execute(select(RefusalTally.count)).scalars().all()
        assert sum(counted) == 6  # the 429s are not written anywhere


@pytest.fixture
def limited_server(tmp_path, redis_server):
    server = GunicornServer(tmp_path / "instance", f"sqlite:///{tmp_path / 'g.sqlite'}",
                            workers=2, extra_env={
                                "GREETINGS_REDIS_URL": redis_server.url,
                                "GREETINGS_WEBHOOK_REFUSAL_RATELIMIT": "5 per minute"}).start()
    server.cli_here("integration", "add", "erp", "--kind", "standard", "--secret", STANDARD_SECRET)
    yield server
    server.stop()


def post(server, path, body, headers):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def test_the_budget_is_shared_by_every_worker_through_redis(limited_server):
    body = generic_body("R-3")
    # Each request on its own connection: gunicorn's two workers take turns.
    statuses = [post(limited_server, "/webhooks/erp", body, bad_signature(body))
                for _ in range(12)]
    assert statuses == [401] * 5 + [429] * 7
    assert post(limited_server, "/webhooks/erp", body, standard_headers(body)) == 200

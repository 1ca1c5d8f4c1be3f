"""PostgreSQL stopped under a running app: 503 with Retry-After, nothing personal logged,
and everything back by itself once the database is (no restart of the app)."""

import logging

import pytest

from greetings.api.tokens import create_token
from greetings.extensions import db
from tests.conftest import make_app, need
from tests.feedback.conftest import make_shipment
from tests.support.servers import PostgresServer, postgres_bindir

CUSTOMER = "Zéphyrine"


@pytest.fixture(scope="module")
def own_postgres():
    """A PostgreSQL of this module's own: the tests stop and start it.

    Durable commits (fsync on): without them a crash-like stop loses the last commits.
    """
    need(postgres_bindir() is not None, "PostgreSQL server binaries (initdb) are not installed")
    server = PostgresServer(fsync=True).start()
    yield server
    server.stop()


@pytest.fixture
def world(tmp_path, own_postgres):
    url = own_postgres.create_database(f"outage_{tmp_path.name[-8:].lower()}")
    app = make_app(tmp_path, url)
    token, _, number = make_shipment(app, first_name=CUSTOMER)
    with app.app_context():
        api_token = create_token("crm")
        db.session.commit()
    yield app, token, {"Authorization": f"Bearer {api_token}"}, number
    if not (own_postgres.data_dir / "postmaster.pid").exists():
        own_postgres.resume()
    with app.app_context():
        db.engine.dispose()


def requests(client, token, bearer, number):
    """One request of each kind: an API read and write, a customer's page, readiness."""
    return {
        "api_read": client.get("/api/v1/feedback", headers=bearer),
        "api_write": client.post("/api/v1/pack", json={"order": number, "badge": "nobody"},
                                 headers=bearer),
        "page": client.get(f"/f/{token}"),
        "readyz": client.get("/readyz"),
        "healthz": client.get("/healthz"),
    }


def test_a_stopped_database_answers_503_and_comes_back_by_itself(world, own_postgres, caplog):
    app, token, bearer, number = world
    client = app.test_client()
    before = requests(client, token, bearer, number)
    assert before["api_read"].status_code == 200 and before["page"].status_code == 200

    own_postgres.halt()
    caplog.set_level(logging.DEBUG)
    during = requests(client, token, bearer, number)
    for name in ("api_read", "api_write"):
        answer = during[name]
        assert answer.status_code == 503, (name, answer.get_data(as_text=True)[:300])
        assert answer.mimetype == "application/problem+json"
        assert answer.json["status"] == 503
        assert int(answer.headers["Retry-After"]) > 0
    page = during["page"]
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "try again" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0
    assert during["readyz"].status_code == 503
    assert during["readyz"].json["checks"]["database"]["ok"] is False
    assert during["healthz"].status_code == 200

    logged = "\n".join(record.getMessage() + (caplog.text or "") for record in caplog.records)
    assert token not in logged and token.lower() not in logged
    assert CUSTOMER not in logged
    assert "parameters:" not in logged.lower()

    own_postgres.resume()
    after = requests(client, token, bearer, number)
    assert after["api_read"].status_code == 200
    assert after["page"].status_code == 200
    assert after["api_write"].status_code == 422  # unknown badge: the database answered
    assert after["readyz"].status_code == 200, after["readyz"].json


def test_a_database_restart_between_requests_costs_no_error(world, own_postgres):
    app, token, bearer, _ = world
    client = app.test_client()
    assert client.get("/api/v1/feedback", headers=bearer).status_code == 200
    # Every pooled connection dies; pool_pre_ping replaces it before a request uses it.
    own_postgres.restart()
    assert client.get("/api/v1/feedback", headers=bearer).status_code == 200
    assert client.get(f"/f/{token}").status_code == 200


def test_a_database_lost_after_the_answer_was_made_keeps_the_answer(world, own_postgres):
    app, _, bearer, _ = world

    @app.get("/_test/read-then-outage")
    def read_then_outage():
        # The request's transaction is open when the database goes away; the teardown's
        # rollback then fails on a dead connection.
        count = db.session.execute(db.text("SELECT count(*) FROM orders")).scalar_one()
        own_postgres.halt()
        return {"orders": count}

    answer = app.test_client().get("/_test/read-then-outage")
    assert answer.status_code == 200 and answer.json == {"orders": 1}
    own_postgres.resume()
    assert app.test_client().get("/api/v1/feedback", headers=bearer).status_code == 200


def test_bound_parameters_are_hidden_from_errors(app):
    with app.app_context():
        assert db.engine.hide_parameters is True
        assert db.engine.pool._pre_ping is True

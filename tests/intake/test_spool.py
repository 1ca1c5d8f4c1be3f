"""The spool: a delivery that arrives while the database is away is answered 202, kept
durably on the app server and applied (signature checked then) once the database is back.

WooCommerce disables a webhook after 5 failed deliveries and Shopify stops after 8 tries,
so a 503 during a PostgreSQL restart would lose orders for good.
"""

import json
import os
import time

import pytest
from sqlalchemy import select

from greetings.extensions import db
from greetings.intake import spool
from greetings.models import Delivery, Order, RefusalTally
from tests.conftest import make_app, make_integrations, need
from tests.support.servers import PostgresServer, postgres_bindir
from tests.support.webhooks import (
    fixture_bytes,
    generic_body,
    shopify_headers,
    standard_headers,
)
from tests.support.worker import wait_until


@pytest.fixture(scope="module")
def own_postgres():
    """A durable PostgreSQL of this module's own: the tests stop and start it."""
    need(postgres_bindir() is not None, "PostgreSQL server binaries (initdb) are not installed")
    server = PostgresServer(fsync=True).start()
    yield server
    server.stop()


@pytest.fixture
def pg_app(tmp_path, own_postgres):
    url = own_postgres.create_database(f"spool_{tmp_path.name[-8:].lower()}")
    app = make_app(tmp_path, url)
    make_integrations(app)
    yield app
    if not (own_postgres.data_dir / "postmaster.pid").exists():
        own_postgres.resume()
    with app.app_context():
        db.engine.dispose()


def orders(app):
    with app.app_context():
        return [(o.external_id, o.first_name) for o in
                db.session.execute(select(Order).order_by(Order.external_id)).scalars()]


def test_deliveries_during_an_outage_are_spooled_and_applied_once_back(pg_app, own_postgres):
    client = pg_app.test_client()
    generic = generic_body("SP-1")
    generic_headers = {**standard_headers(generic), "Cookie": "session=abc",
                       "Authorization": "Bearer nope"}
    shop = fixture_bytes("shopify_orders_create.json")

    own_postgres.halt()
    answers = [client.post("/webhooks/erp", data=generic, headers=generic_headers),
               client.post("/webhooks/shop", data=shop, headers=shopify_headers(shop))]
    for answer in answers:
        assert answer.status_code == 202, answer.get_data(as_text=True)
        assert answer.json["outcome"] == "spooled"
    where = spool.folder(pg_app)
    files = spool.pending(where)
    assert len(files) == 2
    kept = files[0].read_bytes()
    # What a later signature check and parser need; never cookies or credentials.
    assert b"webhook-signature" in kept.lower()
    assert b"session=abc" not in kept and b"nope" not in kept
    with pg_app.app_context(), pytest.raises(spool.DatabaseAway):
        spool.apply_pending(pg_app)
    assert len(spool.pending(where)) == 2  # nothing is dropped while the database is away

    own_postgres.resume()
    assert spool.apply_pending(pg_app) == 2
    assert spool.pending(where) == []
    assert [external_id for external_id, _ in orders(pg_app)] == ["6011847532201", "SP-1"]
    with pg_app.app_context():
        outcomes = db.session.execute(select(Delivery.outcome)).scalars().all()
    assert sorted(outcomes) == ["created", "created"]
    # The sender's own retry of the same delivery is a duplicate, as always.
    again = client.post("/webhooks/erp", data=generic, headers=generic_headers)
    assert again.json["outcome"] == "duplicate"
    assert len(orders(pg_app)) == 2


def test_a_full_spool_answers_503_with_retry_after(pg_app, own_postgres):
    pg_app.config["WEBHOOK_SPOOL_MAX_FILES"] = 1
    client = pg_app.test_client()
    own_postgres.halt()
    statuses = []
    for number in range(2):
        body = generic_body(f"FULL-{number}")
        answer = client.post("/webhooks/erp", data=body, headers=standard_headers(body))
        statuses.append(answer.status_code)
    assert statuses == [202, 503]
    assert answer.mimetype == "application/problem+json"
    assert int(answer.headers["Retry-After"]) > 0
    own_postgres.resume()
    assert spool.apply_pending(pg_app) == 1
    assert orders(pg_app) == [("FULL-0", "Åse")]


def write(app, slug, body, headers, received_at=None):
    with app.test_request_context():
        return spool.write(spool.Spooled(slug, spool.headers_to_keep(headers),
                                         "application/json", received_at or time.time(), body))


def test_the_signature_is_checked_when_applied_at_the_time_of_arrival(app):
    make_integrations(app)
    # Spooled an hour ago with the timestamp of then: inside the tolerance at arrival.
    then = time.time() - 3600
    old = generic_body("LATE-1")
    write(app, "erp", old, standard_headers(old, timestamp=int(then)), received_at=then)
    forged = generic_body("FORGED-1")
    write(app, "erp", forged, {**standard_headers(forged), "webhook-signature": "v1,AAAA"})
    write(app, "nobody", old, standard_headers(old))
    assert spool.apply_pending(app) == 3
    assert orders(app) == [("LATE-1", "Åse")]
    with app.app_context():
        counted = {t.outcome: t.count for t in db.session.execute(
            select(RefusalTally)).scalars()}
    assert counted == {"bad_signature": 1, "unknown_integration": 1}


def test_an_unreadable_spool_file_is_kept_aside_not_lost(app):
    make_integrations(app)
    body = generic_body("OK-1")
    write(app, "erp", body, standard_headers(body))
    broken = spool.folder(app) / "00000000000000000001-1-deadbeef.delivery"
    broken.write_bytes(json.dumps({"format": 1, "bytes": 99}).encode() + b"\nshort")
    assert spool.apply_pending(app) == 1
    assert orders(app) == [("OK-1", "Åse")]
    assert spool.pending(spool.folder(app)) == []
    assert broken.with_name(broken.name + ".failed").exists()
    assert spool.usage(spool.folder(app)) == (0, 0, 1)


def test_the_spool_size_is_a_gauge_and_a_readiness_check(app):
    make_integrations(app)
    body = generic_body("G-1")
    write(app, "erp", body, standard_headers(body))
    client = app.test_client()
    ready = client.get("/readyz").json
    assert ready["checks"]["webhook_spool"]["files"] == 1
    assert ready["checks"]["webhook_spool"]["ok"] is True


def test_the_webhook_route_starts_the_applier_thread(app):
    make_integrations(app)
    app.config["WEBHOOK_SPOOL_APPLIER"] = True
    body = generic_body("THREAD-1")
    write(app, "erp", body, standard_headers(body))
    other = generic_body("THREAD-2")
    assert app.test_client().post("/webhooks/erp", data=other,
                                  headers=standard_headers(other)).status_code == 200
    # The route's thread holds the app itself, not the request's proxy of it.
    applier = spool._appliers[(os.getpid(), id(app))]
    assert applier.app is app
    try:
        # The applier commits the order before it removes the file: wait for both.
        wait_until(lambda: len(orders(app)) == 2 and not spool.pending(spool.folder(app)),
                   timeout=60, what="the spool applied and emptied")
        assert [number for number, _ in orders(app)] == sorted(["THREAD-1", "THREAD-2"])
    finally:
        applier.stopping.set()
        applier.join(30)

"""20 senders at once against the real server process: still exactly one order."""

import http.client
import json
import threading
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from tests.support.servers import GunicornServer
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers

SENDERS = 20


@pytest.fixture
def server(tmp_path, db_url):
    server = GunicornServer(tmp_path / "instance", db_url, workers=4).start()
    server.cli_here("integration", "add", "erp", "--kind", "standard", "--secret", STANDARD_SECRET)
    yield server
    server.stop()


def post_all_at_once(server, requests):
    """Post each (body, headers) from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def send(index, body, headers):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.connect()
        barrier.wait()
        connection.request("POST", "/webhooks/erp", body=body, headers=headers)
        response = connection.getresponse()
        answers[index] = (response.status, json.loads(response.read()))
        connection.close()

    threads = [threading.Thread(target=send, args=(i, *request))
               for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def count(db_url, table):
    engine = create_engine(db_url)
    with engine.connect() as connection:
        total = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
    engine.dispose()
    return total


def test_one_delivery_sent_twenty_times_at_once(server, db_url):
    body = generic_body("RACE-1")
    headers = standard_headers(body, msg_id="msg_race")
    answers = post_all_at_once(server, [(body, headers)] * SENDERS)
    assert all(status == 200 for status, _ in answers), (answers, server.log_text())
    outcomes = Counter(answer["outcome"] for _, answer in answers)
    assert outcomes == {"created": 1, "duplicate": SENDERS - 1}
    assert {answer["order"]["number"] for _, answer in answers} == {"RACE-1"}
    assert count(db_url, "orders") == 1
    assert count(db_url, "order_items") == 1
    assert count(db_url, "deliveries") == SENDERS


def test_one_order_in_twenty_deliveries_at_once(server, db_url):
    body = generic_body("RACE-2", updated_at="2026-03-14T10:00:00Z")
    requests = [(body, standard_headers(body)) for _ in range(SENDERS)]
    answers = post_all_at_once(server, requests)
    assert all(status == 200 for status, _ in answers), (answers, server.log_text())
    outcomes = Counter(answer["outcome"] for _, answer in answers)
    assert outcomes == {"created": 1, "updated": SENDERS - 1}
    assert count(db_url, "orders") == 1
    assert count(db_url, "order_items") == 1

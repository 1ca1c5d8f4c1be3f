"""The topology helpers work together: nginx → two app servers → PostgreSQL + Redis.

A smoke run of tests/support/topology.py, with the two failures the full topology test
will inject (an app server killed, PostgreSQL restarted): deliveries through nginx keep
being taken, none is answered 500, and every server is ready again afterwards.
"""

import json
import shutil
import urllib.error
import urllib.request
from collections import Counter

import pytest

from tests.conftest import need
from tests.support.nginx import nginx_binary
from tests.support.servers import postgres_bindir
from tests.support.topology import Topology
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers


@pytest.fixture
def site(tmp_path):
    need(nginx_binary() is not None, "Debian's nginx is not installed")
    need(postgres_bindir() is not None, "PostgreSQL server binaries are not installed")
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    with Topology(tmp_path, app_servers=2, workers=1) as site:
        site.cli("integration", "add", "erp", "--kind", "standard", "--secret", STANDARD_SECRET)
        yield site


def deliver(site, order_id, attempts=5) -> int:
    """Deliver one order through nginx, retrying a 503 as an ERP does; return the status."""
    body = generic_body(order_id)
    headers = standard_headers(body, msg_id=f"msg_{order_id}")
    for _ in range(attempts):
        request = urllib.request.Request(site.base_url + "/webhooks/erp", data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            if error.code != 503:
                return error.code
    return 503


def readyz(url) -> dict:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=30) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def test_the_site_takes_orders_through_a_killed_server_and_a_database_restart(site):
    statuses = Counter(deliver(site, f"T-{number}") for number in range(5))
    site.kill_app_server(1)
    statuses.update(deliver(site, f"T-{number}") for number in range(5, 10))
    site.restart_postgres()
    statuses.update(deliver(site, f"T-{number}") for number in range(10, 15))
    assert statuses == {200: 15}
    site.restart_app_server(1)
    for server in site.app_servers:
        answer = readyz(server.base_url)
        assert answer["status"] == "ready", answer
        assert answer["checks"]["redis"] == {"ok": True}
        assert answer["checks"]["ratelimit"]["storage"] == "redis"
    orders = site.cli("integration", "log", "erp", "--limit", "100")
    assert orders.count("created") == 15

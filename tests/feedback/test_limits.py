"""Rate limits per address and per card, answered with a friendly page in the right language."""

import pytest

from tests.conftest import make_app
from tests.feedback.conftest import make_shipment


@pytest.fixture
def limited(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, RATELIMIT_ENABLED=True,
                   FEEDBACK_RATELIMIT_ADDRESS="4 per minute",
                   FEEDBACK_RATELIMIT_TOKEN="3 per minute")
    return app


def test_per_address_limit_gives_a_friendly_429(limited):
    client = limited.test_client()
    tokens = [make_shipment(limited)[0] for _ in range(5)]
    headers = {"Accept-Language": "sv-SE,sv;q=0.9"}
    for token in tokens[:4]:
        assert client.get(f"/f/{token}", headers=headers).status_code == 200
    response = client.get(f"/f/{tokens[4]}", headers=headers)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert '<html lang="sv">' in html and "Ett ögonblick" in html
    assert "Retry-After" in response.headers
    assert 'href="/static/feedback.css"' in html
    # Another address is not held back by this one.
    other = client.get(f"/f/{tokens[4]}", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


def test_per_card_limit_holds_across_addresses_and_url_case(limited):
    client = limited.test_client()
    token, _, _ = make_shipment(limited)
    paths = [f"/f/{token}", f"/F/{token}", f"/f/{token.lower()}"]
    for n, path in enumerate(paths):
        assert client.get(path, environ_base={"REMOTE_ADDR": f"10.0.1.{n}"}).status_code == 200
    response = client.post(f"/f/{token}", data={"rating": "5"},
                           environ_base={"REMOTE_ADDR": "10.0.1.9"})
    assert response.status_code == 429
    second, _, _ = make_shipment(limited)
    assert client.get(f"/f/{second}", environ_base={"REMOTE_ADDR": "10.0.1.9"}).status_code == 200


def test_limits_can_be_switched_off(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, RATELIMIT_ENABLED=False,
                   FEEDBACK_RATELIMIT_ADDRESS="1 per minute")
    client = app.test_client()
    token, _, _ = make_shipment(app)
    assert all(client.get(f"/f/{token}").status_code == 200 for _ in range(3))

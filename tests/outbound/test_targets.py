"""SSRF: endpoints are https to the internet; our own network only when allowed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greetings.extensions import db
from greetings.models import OutboundAttempt, OutboundEndpoint
from greetings.outbound import service
from greetings.outbound.delivery import deliver
from greetings.outbound.targets import TargetRefused, resolve
from tests.outbound.conftest import add_endpoint, give_feedback

PUBLIC = "93.184.216.34"  # a global address; nothing is sent to it in these tests


@pytest.mark.parametrize("url", [
    f"https://{PUBLIC}/hook",
    f"https://{PUBLIC}:8443/crm/feedback?tenant=7",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
])
def test_https_to_a_public_address_is_accepted_without_the_setting(url):
    target = resolve(url, allow_private=False)
    assert target.scheme == "https" and target.address in url


@pytest.mark.parametrize("url, why", [
    (f"http://{PUBLIC}/hook", "https://"),
    ("http://127.0.0.1:8080/hook", "private or loopback"),
    ("https://127.0.0.1/hook", "private or loopback"),
    ("https://localhost/hook", "private or loopback"),
    ("https://10.1.2.3/hook", "private or loopback"),
    ("https://192.168.1.10/hook", "private or loopback"),
    ("https://172.16.0.1/hook", "private or loopback"),
    ("https://[::1]/hook", "private or loopback"),
    ("https://[fd00::1]/hook", "private or loopback"),
    ("https://[::ffff:127.0.0.1]/hook", "private or loopback"),
    ("https://100.64.0.1/hook", "private or loopback"),
    ("https://0x7f000001/hook", ""),
    ("https://2130706433/hook", ""),
])
def test_own_network_is_refused_without_the_setting(url, why):
    with pytest.raises(TargetRefused) as refused:
        resolve(url, allow_private=False)
    assert why in refused.value.detail


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://169.254.169.254/",
    "https://[fe80::1]/hook",
    "https://224.0.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::]/hook",
    "https://255.255.255.255/hook",
])
def test_link_local_multicast_and_unspecified_are_refused_even_when_allowed(url):
    with pytest.raises(TargetRefused):
        resolve(url, allow_private=True)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost:9/hook", "https://10.0.0.5/hook",
    "http://[::1]:8080/hook",
])
def test_own_network_is_allowed_with_the_setting(url):
    assert resolve(url, allow_private=True).address


def test_plain_http_to_the_internet_stays_refused_with_the_setting():
    with pytest.raises(TargetRefused, match="https://"):
        resolve(f"http://{PUBLIC}/hook", allow_private=True)


@pytest.mark.parametrize("url, why", [
    ("ftp://example.com/x", "https://"),
    ("file:///etc/passwd", "https://"),
    ("gopher://127.0.0.1:6379/_PING", "https://"),
    ("https://user:pw@93.184.216.34/hook", "credentials"),
    (f"https://{PUBLIC}/hook#frag", "fragment"),
    ("https:///hook", "host"),
    ("https://exa mple.com/", "spaces"),
    ("https://example.com/\r\nX-Evil: 1", "control"),
    ("https://" + "a" * 2000 + ".com/", "characters"),
    ("https://[::1/hook", "not a usable URL"),
    (f"https://{PUBLIC}:99999/hook", "not a usable URL"),
    ("", "characters"),
])
def test_malformed_urls_are_refused_with_a_reason(url, why):
    with pytest.raises(TargetRefused) as refused:
        resolve(url, allow_private=True)
    assert why in refused.value.detail


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300),
                 st.builds(lambda rest: "https://" + rest, st.text(max_size=200)),
                 st.builds(lambda rest: "http://127.0.0.1" + rest, st.text(max_size=50))))
def test_any_text_is_accepted_or_refused_never_an_error(url):
    try:
        target = resolve(url, allow_private=False)
    except TargetRefused as refused:
        assert refused.detail
    else:
        assert target.scheme == "https"


def test_add_refuses_a_private_address_when_not_allowed(tmp_path, sqlite_url):
    from tests.conftest import make_app

    app = make_app(tmp_path, sqlite_url)  # OUTBOUND_ALLOW_PRIVATE off, as in production
    with app.app_context(), pytest.raises(TargetRefused):
        service.add_endpoint("http://127.0.0.1:8080/hook")
    with app.app_context():
        assert db.session.query(OutboundEndpoint).count() == 0
        db.engine.dispose()


def test_the_address_is_checked_again_when_sending(app, receiver):
    """Allowed when added; refused at send time once the setting is off: nothing sent."""
    endpoint_id, _ = add_endpoint(app, receiver.url)
    give_feedback(app)
    app.config["OUTBOUND_ALLOW_PRIVATE"] = False
    with app.app_context():
        assert deliver(1) == "failed"
        attempt = db.session.query(OutboundAttempt).one()
        assert attempt.status_code is None and "private or loopback" in attempt.error
        assert attempt.endpoint_id == endpoint_id
    assert receiver.received == []


def test_the_cli_refuses_a_loopback_target_without_the_setting(tmp_path, sqlite_url):
    from tests.conftest import make_app

    app = make_app(tmp_path, sqlite_url)
    result = app.test_cli_runner().invoke(args=["webhook", "add", "http://localhost:9/x"])
    assert result.exit_code != 0 and "private or loopback" in result.output
    with app.app_context():
        db.engine.dispose()

"""Settings a printed card depends on: refused or announced at start; https everywhere."""

import logging
import os
import subprocess
import sys

import pytest

from greetings import create_app
from greetings.extensions import db
from greetings.staff.service import create_user
from tests.conftest import make_app
from tests.support.servers import ROOT

MANAGER = ("boss@example.com", "a-long-password")


def set_up_station(app) -> list[str]:
    """Sign a manager in, set this client up as a station; return its Set-Cookie headers."""
    with app.app_context():
        create_user(*MANAGER, "manager")
        db.session.commit()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1],
                                      "csrf_token": csrf})
    response = client.post("/station/setup", data={
        "name": "Bord", "profile": "a6", "csrf_token": csrf, "print_mode": "browser",
        "idle_minutes": "10"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers.getlist("Set-Cookie")


def station_cookie(cookies):
    return next(cookie for cookie in cookies if cookie.startswith("greetings_station="))


def test_the_station_cookie_is_secure_under_an_https_base_url(tmp_path, sqlite_url):
    # The app behind a TLS-terminating proxy sees plain http; the base URL says https.
    app = make_app(tmp_path, sqlite_url, RATELIMIT_ENABLED=False)
    assert "; Secure" in station_cookie(set_up_station(app))


def test_the_station_cookie_is_not_secure_on_a_plain_http_demo(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, RATELIMIT_ENABLED=False,
                   PUBLIC_BASE_URL="http://127.0.0.1:5000")
    assert "Secure" not in station_cookie(set_up_station(app))


def test_hsts_under_an_https_base_url_only(tmp_path, sqlite_url):
    https = make_app(tmp_path / "a", sqlite_url)
    assert https.test_client().get("/healthz").headers["Strict-Transport-Security"] == (
        "max-age=31536000")
    plain = make_app(tmp_path / "b", sqlite_url, PUBLIC_BASE_URL="http://127.0.0.1:5000")
    assert "Strict-Transport-Security" not in plain.test_client().get("/healthz").headers


@pytest.mark.parametrize("url", ["", "   ", None, "greet.example.com", "ftp://greet.example"])
def test_an_empty_or_unusable_base_url_refuses_to_start(tmp_path, url):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": url})


def test_the_command_line_refuses_an_empty_base_url_with_a_clear_message(tmp_path):
    env = {**os.environ, "GREETINGS_INSTANCE_PATH": str(tmp_path),
           "GREETINGS_PUBLIC_BASE_URL": ""}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "greetings", "init-db"],
                            env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL is empty: set GREETINGS_PUBLIC_BASE_URL" in result.stderr


@pytest.mark.parametrize("url,words", [
    ("http://127.0.0.1:5000", "loopback"),
    ("https://localhost:8443", "loopback"),
    ("http://[::1]:5000", "loopback"),
    ("http://greet.example.com", "plain http"),
])
def test_a_temporary_looking_base_url_warns_at_start(tmp_path, caplog, url, words):
    caplog.set_level(logging.WARNING, logger="greetings.settings")
    create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": url, "SECRET_KEY": "x"})
    messages = [record.getMessage() for record in caplog.records]
    assert any(words in message and "PUBLIC_BASE_URL" in message and "printed" in message
               for message in messages), messages


@pytest.mark.parametrize("config", [{"TESTING": True}, {"DEMO": True}])
def test_the_demo_and_the_tests_may_use_loopback_quietly(tmp_path, caplog, config):
    caplog.set_level(logging.WARNING, logger="greetings.settings")
    create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                "SECRET_KEY": "x", **config})
    assert not [r for r in caplog.records if "PUBLIC_BASE_URL" in r.getMessage()]


def test_a_real_https_base_url_starts_quietly(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="greetings.settings")
    create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_BASE_URL": "https://greet.example.com",
                "SECRET_KEY": "x"})
    assert not [r for r in caplog.records if "PUBLIC_BASE_URL" in r.getMessage()]

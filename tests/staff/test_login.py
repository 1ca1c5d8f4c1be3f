"""Staff sign-in: hashed passwords, growing delays instead of a lockout, the rate limit,
sessions that end for real, safe redirects."""

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from greetings.extensions import db
from greetings.models import SignInFailure, User
from greetings.staff import throttle
from greetings.staff.service import create_user
from tests.conftest import make_app

EMAIL, PASSWORD = "boss@example.com", "a-long-password"
OWNER, ATTACKER = "192.0.2.10", "203.0.113.66"


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        user = create_user(EMAIL, PASSWORD, "manager")
        db.session.flush()
        # These tests try passwords by the hundred: a light hash keeps them quick, and
        # werkzeug checks it the same way (the hash names its own method).
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.commit()
    return app


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self):
        self.now = datetime(2026, 3, 1, 12, 0, 0)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def client_at(app, address):
    """A browser at a client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, password, email=EMAIL, next_url=None):
    url = "/staff/login?lang=en" + (f"&next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def signed_in(client):
    return client.get("/admin/").status_code == 200


def test_password_is_stored_hashed(app):
    with app.app_context():
        user = create_user("new@example.com", PASSWORD, "admin")
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("scrypt:")


def test_right_password_signs_in_and_wrong_one_does_not(app, clock):
    client = client_at(app, OWNER)
    response = login(client, "wrong password")
    assert response.status_code == 200
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert not signed_in(client)
    response = login(client, PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/admin/")
    assert signed_in(client)


def test_failures_make_the_next_try_wait_longer_and_longer(app, clock):
    client = client_at(app, ATTACKER)
    for _ in range(throttle.FREE_FAILURES):
        assert login(client, "wrong").status_code == 200
    waits = []
    for _ in range(6):
        refused = login(client, "wrong")
        assert refused.status_code == 429
        assert "Too many failed attempts" in refused.get_data(as_text=True)
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert login(client, "wrong").status_code == 200  # the wait is over: checked again
    assert waits == [1, 2, 4, 8, 16, 32]
    # While waiting, not even the right password is looked at: guessing gains nothing.
    assert login(client, PASSWORD).status_code == 429


def test_a_deactivated_login_loses_its_open_session(app):
    client = app.test_client()
    login(client, PASSWORD)
    assert client.get("/station/setup").status_code == 200
    with app.app_context():
        db.session.execute(select(User)).scalar_one().active = False
        db.session.commit()
    response = client.get("/station/setup")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_a_role_outside_admin_and_manager_is_refused(app):
    with app.app_context(), pytest.raises(ValueError, match="admin, manager"):
        create_user("clerk@example.com", PASSWORD, "clerk")


def test_the_wait_is_capped_and_then_the_right_password_works(app, clock):
    client = client_at(app, OWNER)
    for _ in range(40):
        clock.advance(throttle.MAX_DELAY.total_seconds())
        assert login(client, "my old password").status_code == 200
    refused = login(client, PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= throttle.MAX_DELAY.total_seconds()
    clock.advance(throttle.MAX_DELAY.total_seconds())
    assert login(client, PASSWORD).status_code == 302
    # Success clears what this client failed: the next typo is free again.
    client.post("/staff/logout")
    assert login(client, "typo").status_code == 200
    assert login(client, PASSWORD).status_code == 302


def test_an_attack_on_the_account_never_keeps_its_owner_out(app, clock):
    attacker = client_at(app, ATTACKER)
    for round_ in range(30):
        for _ in range(5):
            login(attacker, f"guess {round_}")  # many refused outright, some counted
        clock.advance(60)
        owner = client_at(app, OWNER)
        response = login(owner, PASSWORD)
        assert response.status_code == 302, (round_, response.get_data(as_text=True))
        owner.post("/staff/logout")
    with app.app_context():
        failures = throttle.failures_of(throttle.throttle_key("staff-account", EMAIL))
    assert failures > throttle.FREE_FAILURES  # the account was under real attack


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([ATTACKER, "198.51.100.1", "198.51.100.2", OWNER]),
                          st.sampled_from(["guess", PASSWORD.upper(), ""]),
                          st.integers(0, 3600)), max_size=25),
       st.integers(0, 10**6))
def test_a_client_that_has_not_failed_is_always_let_in(app, clock, attempts, address_seed):
    # Whatever anyone did before, from wherever (the owner's own address included),
    # a client whose address never failed gets the right password accepted at once.
    with app.app_context():
        db.session.execute(delete(SignInFailure))
        db.session.commit()
    for address, password, pause in attempts:
        login(client_at(app, address), password or "x")
        clock.advance(pause)
    fresh = client_at(app, f"10.{address_seed % 250}.{address_seed // 250 % 250}.7")
    assert login(fresh, PASSWORD).status_code == 302


def test_unknown_email_answers_and_slows_down_like_a_wrong_password(app, clock):
    client = client_at(app, ATTACKER)
    text = login(client, PASSWORD, email="nobody@example.com").get_data(as_text=True)
    assert "Wrong e-mail or password" in text
    for _ in range(throttle.FREE_FAILURES):
        login(client, "x", email="nobody@example.com")
    assert login(client, "x", email="nobody@example.com").status_code == 429


def test_the_counts_hold_no_address_or_email_in_clear(app, clock):
    login(client_at(app, ATTACKER), "wrong")
    with app.app_context():
        keys = db.session.execute(select(SignInFailure.key)).scalars().all()
    assert len(keys) == 3
    assert not any(ATTACKER in key or "boss" in key for key in keys)


def test_counts_are_forgotten_after_a_day(app, clock):
    client = client_at(app, ATTACKER)
    for _ in range(10):
        clock.advance(600)
        login(client, "wrong")
    clock.advance(throttle.FORGET_AFTER.total_seconds() + 1)
    login(client_at(app, "198.51.100.9"), "wrong")  # any new failure sweeps old rows
    with app.app_context():
        assert throttle.failures_of(throttle.throttle_key("staff-address", ATTACKER)) == 0
        assert len(db.session.execute(select(SignInFailure)).scalars().all()) == 3


def test_login_posts_are_rate_limited(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    answers = [login(client, "wrong password", email=f"x{i}@example.com") for i in range(11)]
    # The 11th post in a minute meets Flask-Limiter's page, whatever the delays said.
    assert answers[-1].status_code == 429
    assert "One moment, please" in answers[-1].get_data(as_text=True)


def test_sign_out_ends_every_copy_of_the_session(app, clock):
    client = client_at(app, OWNER)
    login(client, PASSWORD)
    copied = client.get_cookie("session").value
    other_browser = client_at(app, OWNER)
    login(other_browser, PASSWORD)
    assert signed_in(client) and signed_in(other_browser)
    response = client.post("/staff/logout")
    assert response.status_code == 302 and response.location.endswith("/staff/login")
    assert not signed_in(client)
    thief = client_at(app, ATTACKER)
    thief.set_cookie("session", copied)
    response = thief.get("/admin/")
    assert response.status_code == 302 and "/staff/login" in response.location
    assert not signed_in(other_browser)  # a sign-out ends the user's sessions everywhere
    assert login(client, PASSWORD).status_code == 302 and signed_in(client)


def test_a_session_without_a_version_is_no_session(app):
    client = app.test_client()
    with app.app_context():
        user_id = db.session.execute(select(User.id)).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)  # the form sessions had before versions
        session["_fresh"] = True
    assert not signed_in(client)


def test_signing_out_when_signed_out_is_harmless(app):
    response = app.test_client().post("/staff/logout")
    assert response.status_code == 302 and response.location.endswith("/staff/login")


@pytest.mark.parametrize("target,expected", [
    ("/admin/feedback", "/admin/feedback"),
    ("https://evil.example/", "/admin/"),
    ("//evil.example/", "/admin/"),
    ("/\\evil.example/", "/admin/"),
])
def test_next_never_leaves_the_site(app, clock, target, expected):
    response = login(app.test_client(), PASSWORD, next_url=target)
    assert response.location.endswith(expected)
    assert "evil" not in response.location


def test_user_add_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "add", "admin@example.com", "--role", "admin",
                                 "--password", "short"])
    assert result.exit_code != 0 and "10 characters" in result.output
    result = runner.invoke(args=["user", "add", "admin@example.com", "--role", "admin",
                                 "--password", "long enough password"])
    assert result.exit_code == 0
    again = runner.invoke(args=["user", "add", "admin@example.com", "--role", "admin",
                                "--password", "long enough password"])
    assert again.exit_code != 0 and "already" in again.output

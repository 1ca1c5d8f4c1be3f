"""Staff sign-in: hashed passwords, lockout after repeated failures, rate limit, safe redirects."""

import pytest
from sqlalchemy import select

from greetings.extensions import db
from greetings.models import User
from greetings.staff.service import create_user
from tests.conftest import make_app

EMAIL, PASSWORD = "boss@example.com", "a-long-password"


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        create_user(EMAIL, PASSWORD, "manager")
        db.session.commit()
    return app


def login(client, password, email=EMAIL, next_url=None):
    url = "/staff/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_password_is_stored_hashed(app):
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_right_password_signs_in_and_wrong_one_does_not(app):
    client = app.test_client()
    response = login(client, "wrong password")
    assert response.status_code == 200
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    response = login(client, PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/station/setup")
    assert client.get("/station/setup").status_code == 200


def test_five_failures_lock_the_account_even_for_the_right_password(app):
    client = app.test_client()
    for _ in range(5):
        login(client, "wrong password")
    response = login(client, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert client.get("/station/setup").status_code == 302


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


def test_unknown_email_answers_like_a_wrong_password(app):
    text = login(app.test_client(), PASSWORD, email="nobody@example.com").get_data(as_text=True)
    assert "Wrong e-mail or password" in text


@pytest.mark.parametrize("target,expected", [
    ("/admin/feedback", "/admin/feedback"),
    ("https://evil.example/", "/station/setup"),
    ("//evil.example/", "/station/setup"),
])
def test_next_never_leaves_the_site(app, target, expected):
    response = login(app.test_client(), PASSWORD, next_url=target)
    assert response.location.endswith(expected)
    assert "evil" not in response.location


def test_login_posts_are_rate_limited(app):
    client = app.test_client()
    statuses = [login(client, "wrong password", email=f"x{i}@example.com").status_code
                for i in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429


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

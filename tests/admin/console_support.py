"""Signed-in console clients for the Greetings, Brand, Integrations and Outbound tests.

A test module takes the fixtures with `from tests.admin.console_support import *`-style
imports of the names it uses.
"""

import pytest

from greetings.extensions import db
from greetings.staff.service import create_user

PASSWORD = "correct horse battery"


def sign_in(app, email, role):
    """Create a staff user and return a test client signed in as them (CSRF off)."""
    with app.app_context():
        create_user(email, PASSWORD, role)
        db.session.commit()
    client = app.test_client()
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def console_app(tmp_path, sqlite_url):
    from tests.conftest import make_app, serve

    yield from serve(make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False,
                              RATELIMIT_ENABLED=False, OUTBOUND_ALLOW_PRIVATE="1"))


@pytest.fixture
def manager(console_app):
    return sign_in(console_app, "manager@example.com", "manager")


@pytest.fixture
def admin(console_app):
    return sign_in(console_app, "admin@example.com", "admin")

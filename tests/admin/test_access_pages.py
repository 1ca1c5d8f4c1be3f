"""Access: API tokens with scopes (shown once) and staff users with roles (admins only)."""

import re

import pytest

from greetings.api.tokens import hash_token
from greetings.extensions import db
from greetings.models import ApiToken, User
from greetings.staff.service import create_user
from tests.conftest import make_app

PASSWORD = "correct horse battery"


def sign_in(app, email, password=PASSWORD):
    client = app.test_client()
    response = client.post("/staff/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        create_user("admin@example.com", PASSWORD, "admin")
        create_user("manager@example.com", PASSWORD, "manager")
        db.session.commit()
    return app


def test_a_token_is_made_with_its_scopes_shown_once_and_revoked(app):
    client = sign_in(app, "admin@example.com")
    response = client.post("/admin/access/tokens", data={
        "name": "WMS", "scopes": ["packers:write", "pack"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="new-token">(gr_[^<]+)<', page).group(1)
    with app.app_context():
        stored = db.session.query(ApiToken).one()
        assert stored.scopes == "pack packers:write" and stored.token_hash == hash_token(token)
    assert token not in client.get("/admin/access/tokens").get_data(as_text=True)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/packers", headers=bearer).status_code == 200
    assert api.get("/api/v1/feedback", headers=bearer).status_code == 403
    client.post(f"/admin/access/tokens/{stored.id}/revoke")
    assert api.get("/api/v1/packers", headers=bearer).status_code == 401
    assert f"token-{stored.id}" not in client.get("/admin/access/tokens").get_data(as_text=True)


def test_a_token_needs_a_name_and_a_scope(app):
    client = sign_in(app, "admin@example.com")
    response = client.post("/admin/access/tokens", data={"name": " ", "scopes": []})
    assert response.status_code == 422
    assert "Choose at least one." in response.get_data(as_text=True)
    response = client.post("/admin/access/tokens", data={"name": "x", "scopes": ["root"]})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_staff_users_are_added_changed_and_switched_off(app):
    admin = sign_in(app, "admin@example.com")
    response = admin.post("/admin/access/users", data={
        "email": "Nina@Example.com", "role": "manager", "password": "first-day-at-work"})
    assert response.status_code == 302
    nina = sign_in(app, "nina@example.com", "first-day-at-work")
    assert nina.get("/admin/people").status_code == 200
    assert nina.get("/admin/access/users").status_code == 403
    again = admin.post("/admin/access/users", data={
        "email": "nina@example.com", "role": "admin", "password": "another-password"})
    assert again.status_code == 422
    assert "already has a login" in again.get_data(as_text=True)
    with app.app_context():
        nina_id = db.session.query(User).filter_by(email="nina@example.com").one().id
    admin.post(f"/admin/access/users/{nina_id}/role", data={"role": "admin"})
    assert nina.get("/admin/access/users").status_code == 200
    admin.post(f"/admin/access/users/{nina_id}/active", data={"active": "0"})
    # Her sessions end at once: the same browser is sent to the sign-in page.
    assert nina.get("/admin/people").status_code == 302


def test_the_last_active_admin_stays_one(app):
    admin = sign_in(app, "admin@example.com")
    with app.app_context():
        admin_id = db.session.query(User).filter_by(email="admin@example.com").one().id
    response = admin.post(f"/admin/access/users/{admin_id}/role", data={"role": "manager"},
                          follow_redirects=True)
    assert "There must always be an active admin." in response.get_data(as_text=True)
    assert admin.post(f"/admin/access/users/{admin_id}/active",
                      data={"active": "0"}).status_code == 409
    with app.app_context():
        stored = db.session.get(User, admin_id)
        assert stored.role == "admin" and stored.active

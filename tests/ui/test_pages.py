"""The start page sends each visitor their way; error pages speak the visitor's language."""

import pytest

from greetings.extensions import db
from greetings.staff.service import create_user
from tests.conftest import make_app

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, "manager")
        db.session.commit()
    return app


def test_start_page_for_a_stranger_a_manager_and_a_station(app):
    client = app.test_client()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'href="/staff/login"' in html and 'href="/station/"' in html
    assert "Open the console" not in html
    client.post("/staff/login", data={"email": "manager@example.com", "password": PASSWORD})
    html = client.get("/").get_data(as_text=True)
    assert "Open the console" in html and 'href="/admin/"' in html
    assert "Signed in as manager@example.com" in html
    client.post("/station/setup", data={"name": "Bord 7", "profile": "a6",
                                        "print_mode": "browser", "idle_minutes": "10"})
    client.post("/staff/logout")
    html = client.get("/").get_data(as_text=True)
    assert "This computer is station Bord 7." in html and "Go to the station" in html


def test_start_page_in_danish(app):
    html = app.test_client().get("/?lang=da").get_data(as_text=True)
    assert '<html lang="da">' in html and "Fik du et kort med i pakken?" in html


def test_a_station_that_nobody_signed_in_at_is_offered_the_sign_in(app):
    client = app.test_client()
    client.post("/staff/login", data={"email": "manager@example.com", "password": PASSWORD})
    client.post("/station/setup", data={"name": "Bord 7", "profile": "a6",
                                        "print_mode": "browser", "idle_minutes": "10"})
    client.post("/staff/logout")
    response = client.get("/admin/feedback?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "This computer is a packing station" in html
    assert 'href="/staff/login?next=/admin/feedback"' in html


@pytest.mark.parametrize("lang,words", [("en", "Page not found"), ("de", "Seite nicht gefunden")])
def test_not_found_pages(app, lang, words):
    response = app.test_client().get(f"/nowhere?lang={lang}")
    assert response.status_code == 404 and words in response.get_data(as_text=True)


def test_a_bug_gets_a_calm_page_without_details(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom?lang=sv")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Något gick fel" in html and "secret" not in html

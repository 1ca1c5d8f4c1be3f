"""/admin/: the manager's overview counts what happened today and this week."""

from datetime import datetime

import pytest

from greetings.admin.nav import NAV, NavItem, visible_nav
from greetings.admin.overview import current_period, overview
from greetings.extensions import db
from greetings.models import Card, Delivery, ParkedApplication, Shipment
from greetings.staff.service import create_user
from tests.conftest import make_app
from tests.feedback.conftest import make_shipment, post_answer

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False,
                   BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen")
    with app.app_context():
        create_user("manager@example.com", PASSWORD, "manager")
        create_user("admin@example.com", PASSWORD, "admin")
        db.session.commit()
    return app


def signed_in(app, email="manager@example.com"):
    client = app.test_client()
    client.post("/staff/login", data={"email": email, "password": PASSWORD})
    return client


def test_today_and_this_week_begin_at_local_midnight(app):
    with app.test_request_context():
        # 23:30 UTC on Sunday 29 March 2026 is already Monday 01:30 in Copenhagen (CEST).
        period = current_period(datetime(2026, 3, 29, 23, 30))
    assert period.today == datetime(2026, 3, 29, 22, 0)
    assert period.week == datetime(2026, 3, 29, 22, 0)
    with app.test_request_context():
        period = current_period(datetime(2026, 4, 1, 12, 0))  # Wednesday
    assert period.week == datetime(2026, 3, 29, 22, 0)


def test_overview_counts_parcels_answers_and_parked_deliveries(app):
    client = app.test_client()
    tokens = [make_shipment(app)[0] for _ in range(3)]
    post_answer(client, tokens[0], "5", "Lovely", csrf=False)
    post_answer(client, tokens[1], "2", "", csrf=False)
    with app.app_context():
        old = db.session.execute(db.select(Shipment).join(Card).where(
            Card.token == tokens[2])).scalar_one()
        old.packed_at = datetime(2020, 1, 1)
        waiting = Delivery(slug="shop", status_code=202, outcome="parked", parked_body="{}")
        solved = Delivery(slug="shop", status_code=202, outcome="parked", parked_body="{}")
        db.session.add_all([waiting, solved])
        db.session.flush()
        # Applied again successfully: no longer waiting, so not counted.
        db.session.add(ParkedApplication(delivery_id=solved.id, outcome="created"))
        db.session.commit()
    with app.test_request_context():
        numbers = overview()
    assert numbers["packed_today"] == 2
    assert numbers["answers_week"] == 2 and numbers["average_week"] == pytest.approx(3.5)
    assert numbers["comments_week"] == 1 and numbers["parked"] == 1
    assert [f.rating for f in numbers["latest"]] == [2, 5]
    html = signed_in(app).get("/admin/?lang=en").get_data(as_text=True)
    assert "Parcels packed today" in html and "3.5 ★" in html and "Lovely" in html
    assert 'href="/admin/feedback"' in html
    # The parked tile leads to the parked payloads, an admin's page: no link for a manager.
    assert 'href="/admin/parked"' not in html
    admin = signed_in(app, "admin@example.com").get("/admin/?lang=en").get_data(as_text=True)
    assert 'href="/admin/parked"' in admin


def test_an_empty_deployment_shows_empty_states(app):
    html = signed_in(app).get("/admin/?lang=en").get_data(as_text=True)
    assert "No answers yet" in html and "No station yet" in html
    assert "<table" not in html


def test_the_console_speaks_each_language(app):
    client = signed_in(app)
    expected = {"en": "Overview", "da": "Overblik", "de": "Übersicht", "sv": "Översikt",
                "nb": "Oversikt"}
    for lang, word in expected.items():
        html = client.get(f"/admin/?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}"' in html and f"<h1>{word}</h1>" in html
    # The choice is remembered for the next page.
    assert "<h1>Oversikt</h1>" in client.get("/admin/").get_data(as_text=True)


def test_navigation_shows_only_pages_that_exist_and_the_role_may_open(app, monkeypatch):
    # Three real entries (a manager's two, an admin's one) beside two made up for the test.
    real = [item for item in NAV
            if item.endpoint in ("admin.overview", "admin.feedback", "admin.tokens")]
    monkeypatch.setattr("greetings.admin.nav.NAV", [
        *real, NavItem("Later", "admin.not_built_yet"), NavItem("Secret", "admin.secret")])
    from greetings.admin.routes import bp  # noqa: F401 (the view below joins the app)
    from greetings.staff.roles import Role, role_required
    app.add_url_rule("/admin/secret", "admin.secret",
                     role_required(Role.ADMIN)(lambda: "secret"))
    shown = {}
    for email in ("manager@example.com", "admin@example.com"):
        with app.test_request_context("/admin/"):
            from flask_login import login_user

            from greetings.models import User
            login_user(db.session.execute(db.select(User).filter_by(email=email)).scalar_one())
            shown[email] = [link.label for _, links in visible_nav() for link in links]
    manager, admin = shown["manager@example.com"], shown["admin@example.com"]
    assert manager[0] == "Overview" and "Feedback" in manager and "Later" not in admin
    assert "Secret" in admin and "Secret" not in manager
    assert "API tokens" in admin and "API tokens" not in manager
    assert [label for label in admin if label in manager] == manager
    html = signed_in(app).get("/admin/feedback?lang=en").get_data(as_text=True)
    assert '<a href="/admin/feedback" aria-current="page">Feedback</a>' in html
    assert "Secret" not in html and "Later" not in html

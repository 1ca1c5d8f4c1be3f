"""The console's insight pages: dashboard, CSV, worklist, pins, and the packer's own page."""

import csv
import io
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greetings.extensions import db
from greetings.models import FollowUp, Pin, utcnow
from tests.conftest import make_app
from tests.insight.conftest import make_packer, make_parcel, make_world, signed_in


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False,
                   BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen", RATELIMIT_ENABLED=False)
    make_world(app)
    return app


@pytest.fixture
def manager(app):
    return signed_in(app)


@pytest.fixture
def answers(app):
    """Åse (full name Åse Fuldnavn) with three answers this week, one of them low."""
    ase = make_packer(app, "Åse", full_name="Åse Secretsdottir")
    now = utcnow() - timedelta(minutes=5)
    ids = {
        "good": make_parcel(app, ase, now, rating=5, comment="=HYPERLINK(\"http://x\")"),
        "low": make_parcel(app, ase, now, rating=1, comment="The box was damaged"),
        "word": make_parcel(app, ase, now, station="Bord 2", rating=4,
                            comment="Fine, but one cup arrived broken"),
    }
    make_parcel(app, ase, now)  # packed, not answered
    return ase, ids


def test_dashboard_shows_totals_tables_and_the_trend_chart(app, answers):
    html = signed_in(app).get("/admin/dashboard").get_data(as_text=True)
    assert "<svg" in html and 'class="bar"' in html
    assert "Åse" in html and "Secretsdottir" not in html
    assert "Aarhus" in html and "Malmö" in html
    assert "75" in html  # 3 of 4 parcels answered


@given(params=st.dictionaries(st.sampled_from(["start", "end", "site", "lang", "status",
                                               "page", "week"]),
                              st.text(max_size=40), max_size=5))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_hostile_filters_never_break_a_page(manager, params):
    client = manager
    for path in ("/admin/dashboard", "/admin/worklist", "/admin/dashboard.csv",
                 "/admin/digest"):
        response = client.get(path, query_string=params)
        assert response.status_code == 200, (path, params)


def test_a_period_that_makes_no_sense_falls_back_with_a_message(app, answers):
    client = signed_in(app)
    html = client.get("/admin/dashboard?start=2026-05-01&end=2026-01-01").get_data(as_text=True)
    assert "could not be read" in html
    assert "Åse" in html  # the last 12 weeks instead


def test_csv_neutralises_formulas_and_carries_display_names_only(app, answers):
    response = signed_in(app).get("/admin/dashboard.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert {row["packer"] for row in rows} == {"Åse"}
    assert "Secretsdottir" not in text and "Søren" not in text
    formula = next(row for row in rows if "HYPERLINK" in row["comment"])
    assert formula["comment"].startswith("'=")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_the_worklist_holds_low_ratings_and_words_and_keeps_a_follow_up(app, answers):
    _ase, ids = answers
    client = signed_in(app)
    html = client.get("/admin/worklist").get_data(as_text=True)
    assert "The box was damaged" in html and "arrived broken" in html
    assert "HYPERLINK" not in html
    response = client.post(f"/admin/worklist/{ids['low']}",
                           data={"status": "contacted", "note": "Sent a new cup"})
    assert response.status_code == 302
    with app.app_context():
        follow_up = db.session.execute(db.select(FollowUp)).scalar_one()
        assert (follow_up.status, follow_up.note) == ("contacted", "Sent a new cup")
    assert "The box was damaged" not in client.get("/admin/worklist").get_data(as_text=True)
    contacted = client.get("/admin/worklist?status=contacted").get_data(as_text=True)
    assert "Sent a new cup" in contacted
    bad = client.post(f"/admin/worklist/{ids['low']}", data={"status": "bogus"})
    assert bad.status_code == 302
    assert client.post("/admin/worklist/999999", data={"status": "open"}).status_code == 404


def test_a_manager_pins_a_comment_from_the_moderation_page(app, answers):
    _ase, ids = answers
    client = signed_in(app)
    html = client.get("/admin/feedback").get_data(as_text=True)
    assert f"/admin/feedback/{ids['word']}/pin" in html
    assert client.post(f"/admin/feedback/{ids['word']}/pin").status_code == 302
    assert client.post(f"/admin/feedback/{ids['word']}/pin").status_code == 302  # twice: one
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Pin.id))).scalar_one() == 1
    assert f"/admin/feedback/{ids['word']}/unpin" in client.get(
        "/admin/feedback").get_data(as_text=True)
    client.post(f"/admin/feedback/{ids['word']}/unpin")
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Pin.id))).scalar_one() == 0


def test_a_hidden_comment_cannot_be_pinned(app, answers):
    _ase, ids = answers
    client = signed_in(app)
    client.post(f"/admin/feedback/{ids['low']}/hide", data={"reason": "rude"})
    html = client.post(f"/admin/feedback/{ids['low']}/pin",
                       follow_redirects=True).get_data(as_text=True)
    assert "Only a visible comment can be pinned" in html


def test_the_packer_sees_their_week_and_their_best_of_at_the_station(app, answers):
    ase, ids = answers
    manager = signed_in(app)
    manager.post(f"/admin/feedback/{ids['word']}/pin")
    manager.post(f"/admin/feedback/{ids['low']}/hide", data={"reason": "names a colleague"})
    station = signed_in(app)
    assert station.post("/station/setup", data={
        "name": "Bord 1", "profile": "a6", "print_mode": "browser",
        "idle_minutes": "10", "join": "y"}).status_code == 302  # Bord 1 exists: join it
    station.post("/staff/logout")
    assert station.get("/station/me").status_code == 302  # nobody signed in yet
    station.post("/station/badge", data={"badge": "B-Åse"})
    scan = station.get("/station/").get_data(as_text=True)
    assert 'id="my-page"' in scan
    html = station.get("/station/me").get_data(as_text=True)
    assert "Hello, Åse" in html
    assert "arrived broken" in html  # pinned, and among the comments
    assert "The box was damaged" not in html  # hidden by the manager
    best = html.split('id="best-title"')[1].split('id="comments-title"')[0]
    assert "arrived broken" in best

"""The packer's wall: latest answers, this week's thank-yous, and never a hidden comment."""

from datetime import datetime, timedelta

from flask import render_template

from greetings.extensions import db
from greetings.feedback.service import wall_for, week_start
from greetings.models import Feedback
from tests.feedback.conftest import make_shipment, post_answer


def _answer(app, client, packer_id, rating, comment, when):
    token, _, _ = make_shipment(app, packer=packer_id)
    assert post_answer(client, token, str(rating), comment).status_code == 303
    with app.app_context():
        row = db.session.execute(db.select(Feedback).order_by(Feedback.id.desc())).scalars().first()
        row.created_at = row.updated_at = when
        db.session.commit()
        return row.id


def test_wall_shows_latest_and_counts_this_iso_week(app, client):
    _, packer_id, _ = make_shipment(app)
    _, other_packer, _ = make_shipment(app, display_name="Bo")
    now = datetime(2026, 3, 18, 15, 0)  # a Wednesday
    _answer(app, client, packer_id, 2, "last week", datetime(2026, 3, 15, 23, 59))
    _answer(app, client, packer_id, 4, "monday", datetime(2026, 3, 16, 0, 0))
    _answer(app, client, packer_id, 5, "kaffen kom perfekt", datetime(2026, 3, 18, 9, 0))
    _answer(app, client, other_packer, 1, "not yours", datetime(2026, 3, 18, 10, 0))
    with app.app_context():
        wall = wall_for(packer_id, now=now)
    assert wall["thanks_this_week"] == 2
    assert wall["week"] == "2026-W12"
    assert wall["latest"] == {"rating": 5, "comment": "kaffen kom perfekt",
                              "date": datetime(2026, 3, 18).date()}
    assert [entry["comment"] for entry in wall["entries"]] == [
        "kaffen kom perfekt", "monday", "last week"]


def test_hidden_comment_never_reaches_the_packer(app, client):
    _, packer_id, _ = make_shipment(app)
    secret = "you are a <b>terrible</b> packer"
    feedback_id = _answer(app, client, packer_id, 1, secret, datetime(2026, 3, 18, 9, 0))
    with app.app_context():
        row = db.session.get(Feedback, feedback_id)
        row.hidden_at, row.hidden_reason = datetime(2026, 3, 18, 10, 0), "abusive"
        db.session.commit()
        wall = wall_for(packer_id, now=datetime(2026, 3, 18, 12, 0))
    assert wall["latest"]["rating"] == 1 and wall["latest"]["comment"] is None
    assert secret not in repr(wall) and "abusive" not in repr(wall)
    with app.test_request_context("/?lang=en"):
        html = render_template("feedback/_wall.html", wall=wall)
    assert "terrible" not in html and "abusive" not in html
    assert 'aria-label="1 star"' in html and "1 thank-you this week" in html


def test_wall_renders_in_the_station_language_and_escapes(app, client):
    _, packer_id, _ = make_shipment(app)
    _answer(app, client, packer_id, 5, "<script>x</script>\nline two", datetime.now())
    with app.app_context():
        wall = wall_for(packer_id)
    with app.test_request_context("/?lang=da"):
        html = render_template("feedback/_wall.html", wall=wall)
    assert "Det siger kunderne" in html and "1 tak i denne uge" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html


def test_empty_wall(app):
    _, packer_id, _ = make_shipment(app)
    with app.app_context():
        wall = wall_for(packer_id)
        assert wall["latest"] is None and wall["entries"] == [] and wall["thanks_this_week"] == 0
    with app.test_request_context("/?lang=en"):
        assert "No feedback yet" in render_template("feedback/_wall.html", wall=wall)


def test_week_start_is_monday():
    for day in range(16, 23):
        assert week_start(datetime(2026, 3, day).date()) == datetime(2026, 3, 16)
    assert week_start(datetime(2026, 3, 23).date()) - timedelta(days=7) == datetime(2026, 3, 16)

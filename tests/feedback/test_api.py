"""GET /api/v1/feedback?since=: Bearer, oldest change first, a cursor, problem+json errors."""

from datetime import datetime, timedelta

import pytest

from greetings.api.tokens import create_token
from greetings.extensions import db
from greetings.models import Feedback
from tests.feedback.conftest import make_shipment, post_answer


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(any_app):
    """Three answers with known times, one of them hidden; and an API token."""
    client = any_app.test_client()
    tokens = [make_shipment(any_app)[0] for _ in range(3)]
    for n, token in enumerate(tokens):
        assert post_answer(client, token, str(n + 3), f"comment {n}").status_code == 303
    base = datetime(2026, 3, 14, 9, 0, 0)
    with any_app.app_context():
        rows = db.session.execute(db.select(Feedback).order_by(Feedback.id)).scalars().all()
        for n, row in enumerate(rows):
            row.created_at = row.updated_at = base + timedelta(hours=n)
        rows[1].hidden_at, rows[1].hidden_reason = base, "rude"
        db.session.commit()
        api_token = create_token("crm")
        db.session.commit()
    return client, api_token


def test_needs_a_token(world):
    client, _ = world
    response = client.get("/api/v1/feedback")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_lists_everything_oldest_change_first(world):
    client, api_token = world
    response = client.get("/api/v1/feedback", headers=bearer(api_token))
    assert response.status_code == 200
    body = response.json
    assert body["next"] is None and body["next_url"] is None
    assert [item["rating"] for item in body["feedback"]] == [3, 4, 5]
    first = body["feedback"][0]
    assert set(first) == {"id", "shipment", "card", "packer", "rating", "comment", "hidden",
                          "language", "created_at", "updated_at"}
    assert first["packer"] == {"display_name": "Åse"}
    assert first["shipment"]["order"].isdigit()
    assert first["comment"] == "comment 0" and first["hidden"] is False
    assert first["language"] == "da"
    assert first["updated_at"] == "2026-03-14T09:00:00.000000Z"
    hidden = body["feedback"][1]
    assert hidden["hidden"] is True and hidden["comment"] == "comment 1"
    assert "rude" not in response.get_data(as_text=True)


@pytest.mark.parametrize("since, ratings", [
    ("2026-03-14T10:00:00Z", [4, 5]),             # inclusive
    ("2026-03-14T11:00:00+01:00", [4, 5]),        # = 10:00 UTC
    ("2026-03-14T11:00:00 01:00", [4, 5]),        # a "+" left unencoded in the query
    ("2026-03-14T10:00:00.000001", [5]),          # no offset: UTC
    ("2026-03-15", []),
    ("", [3, 4, 5]),
])
def test_since(world, since, ratings):
    client, api_token = world
    body = client.get("/api/v1/feedback", query_string={"since": since},
                      headers=bearer(api_token)).json
    assert [item["rating"] for item in body["feedback"]] == ratings


def test_pages_with_a_cursor(world):
    client, api_token = world
    seen, url = [], "/api/v1/feedback?since=2026-03-01T00:00:00Z&limit=2"
    while url:
        body = client.get(url, headers=bearer(api_token)).json
        assert len(body["feedback"]) <= 2
        seen += [item["rating"] for item in body["feedback"]]
        url = body["next_url"] and body["next_url"].removeprefix("https://greet.test")
        if url:
            assert "cursor=" in url and body["next"]
    assert seen == [3, 4, 5]


def test_an_update_comes_again_after_a_later_since(world, any_app):
    client, api_token = world
    with any_app.app_context():
        row = db.session.execute(db.select(Feedback).order_by(Feedback.id)).scalars().first()
        row.rating, row.updated_at = 1, datetime(2026, 3, 20)
        db.session.commit()
    body = client.get("/api/v1/feedback?since=2026-03-19T00:00:00Z",
                      headers=bearer(api_token)).json
    assert [item["rating"] for item in body["feedback"]] == [1]


@pytest.mark.parametrize("query, field", [
    ("since=yesterday", "since"), ("since=2026-13-01", "since"), ("limit=0", "limit"),
    ("limit=501", "limit"), ("limit=x", "limit"), ("limit=-1", "limit"),
    ("cursor=nope", "cursor"), ("cursor=W10", "cursor"),
    ("cursor=WyIyMDI2LTAzLTE0VDA5OjAwOjAwIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ", "cursor"),
    ("cursor=WyJ4IiwgMV0", "cursor"), ("since=%00", "since"),
])
def test_bad_parameters_are_422_problems(world, query, field):
    client, api_token = world
    response = client.get(f"/api/v1/feedback?{query}", headers=bearer(api_token))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"][0]["field"] == field

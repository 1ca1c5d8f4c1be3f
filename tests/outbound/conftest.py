"""Fixtures for outbound events: a real receiver, an app allowed to send to it, feedback."""

import uuid

import pytest

from greetings.extensions import db
from greetings.feedback.service import FeedbackIn, find_card, save_answer
from greetings.models import Feedback
from greetings.outbound import service
from tests.conftest import make_app
from tests.feedback.conftest import make_shipment
from tests.support.receiver import Receiver
from tests.support.templates import postgres_copy


@pytest.fixture
def receiver():
    """A real HTTP receiver on 127.0.0.1 that answers 200 until told otherwise."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path, sqlite_url):
    """The app on SQLite, allowed to send to loopback (as OUTBOUND_ALLOW_PRIVATE says)."""
    app = make_app(tmp_path, sqlite_url, OUTBOUND_ALLOW_PRIVATE=True,
                   OUTBOUND_RETRY_SCHEDULE=[1, 2, 3], OUTBOUND_TIMEOUT_SECONDS=1)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql+redis"])
def backend(request, tmp_path):
    """Database and queue settings, once with SQLite for both, once PostgreSQL and Redis."""
    if request.param == "sqlite":
        return {"url": f"sqlite:///{tmp_path / 'greetings.sqlite'}", "config": {}, "env": {}}
    postgres = request.getfixturevalue("postgres")
    redis = request.getfixturevalue("redis_server")
    url = postgres_copy(postgres, f"t_{uuid.uuid4().hex[:12]}")
    queue = f"t{uuid.uuid4().hex[:10]}"
    return {"url": url, "config": {"REDIS_URL": redis.url, "JOBS_QUEUE_NAME": queue},
            "env": {"GREETINGS_REDIS_URL": redis.url, "GREETINGS_JOBS_QUEUE_NAME": queue}}


def add_endpoint(app, url, events=()):
    """Add an endpoint and return (id, secret)."""
    with app.app_context():
        endpoint = service.add_endpoint(url, events)
        db.session.commit()
        return endpoint.id, endpoint.secret


def give_feedback(app, rating=5, comment="the coffee arrived perfectly", token=None):
    """Answer a (new) card's feedback through the service; return (feedback id, token)."""
    if token is None:
        token, _, _ = make_shipment(app)
    with app.app_context():
        feedback = save_answer(find_card(token), FeedbackIn(rating, comment, "da"))
        db.session.commit()  # as the feedback route does
        return feedback.id, token


def feedback_row(app, feedback_id) -> Feedback:
    with app.app_context():
        row = db.session.get(Feedback, feedback_id)
        db.session.expunge(row)
        return row

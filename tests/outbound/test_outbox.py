"""The outbox row is written in the same transaction as the feedback it tells about."""

import pytest
from sqlalchemy import select

from greetings.extensions import db
from greetings.feedback.service import (
    FeedbackIn,
    find_card,
    hide_comment,
    save_answer,
    show_comment,
)
from greetings.jobs import queue_of
from greetings.models import Feedback, OutboundEvent, User
from greetings.outbound import outbox, service
from tests.feedback.conftest import make_shipment, post_answer
from tests.outbound.conftest import add_endpoint, give_feedback


def events(app):
    with app.app_context():
        return [(e.type, e.endpoint_id, e.feedback_id) for e in db.session.execute(
            select(OutboundEvent).order_by(OutboundEvent.id)).scalars()]


def test_no_endpoint_no_outbox_row_and_no_queue(app):
    give_feedback(app)
    assert events(app) == []
    assert not queue_of(app).sqlite_path.exists()  # the queue was never even opened


def test_the_customer_page_writes_received_then_updated(app, client, receiver):
    endpoint_id, _ = add_endpoint(app, receiver.url)
    token, _, _ = make_shipment(app)
    assert post_answer(client, token, "4", "fine").status_code == 303
    assert post_answer(client, token, "5", "better").status_code == 303
    assert [kind for kind, _, _ in events(app)] == ["feedback.received", "feedback.updated"]
    with app.app_context():
        rows = db.session.execute(select(OutboundEvent)).scalars().all()
        assert len({row.webhook_id for row in rows}) == 2
        assert all(row.webhook_id.startswith("msg_") and row.endpoint_id == endpoint_id
                   for row in rows)
        # Each was handed to the worker once its transaction had committed.
        assert queue_of(app).pending() == 2


def test_a_failed_feedback_transaction_leaves_no_event(app, receiver):
    add_endpoint(app, receiver.url)
    token, _, _ = make_shipment(app)
    with app.app_context():
        card = find_card(token)
        feedback = Feedback(card_id=card.id, rating=5, language="da")
        db.session.add(feedback)
        outbox.record_feedback_event(feedback, "feedback.received")
        db.session.flush()
        db.session.rollback()
        assert db.session.query(OutboundEvent).count() == 0
        assert db.session.query(Feedback).count() == 0
    assert queue_of(app).pending() == 0


def test_each_endpoint_gets_the_events_it_chose(app, receiver):
    everything, _ = add_endpoint(app, receiver.url)
    hidden_only, _ = add_endpoint(app, receiver.url, ["feedback.hidden"])
    feedback_id, token = give_feedback(app)
    give_feedback(app, rating=2, token=token)
    with app.app_context():
        manager = User(email="m@example.com", password_hash="x", role="manager")
        db.session.add(manager)
        db.session.commit()
        hide_comment(db.session.get(Feedback, feedback_id), manager, "abusive")
        db.session.commit()
        show_comment(db.session.get(Feedback, feedback_id))
        db.session.commit()
    assert events(app) == [
        ("feedback.received", everything, feedback_id),
        ("feedback.updated", everything, feedback_id),
        ("feedback.hidden", everything, feedback_id),
        ("feedback.hidden", hidden_only, feedback_id),
        ("feedback.updated", everything, feedback_id),
    ]


def test_a_disabled_endpoint_gets_no_new_events(app, receiver):
    endpoint_id, _ = add_endpoint(app, receiver.url)
    with app.app_context():
        endpoint = service.get_endpoint(endpoint_id)
        endpoint.disabled_at, endpoint.disabled_reason = endpoint.created_at, "test"
        db.session.commit()
    give_feedback(app)
    assert events(app) == []


def test_a_queue_that_is_away_does_not_fail_the_customer(app, receiver, tmp_path):
    """The commit stands; the event waits in the outbox for the sweep."""
    add_endpoint(app, receiver.url)
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
    queue_of(app)._huey = None
    feedback_id, _ = give_feedback(app)
    assert events(app) == [("feedback.received", 1, feedback_id)]


def test_unknown_event_types_are_refused(app, receiver):
    with app.app_context(), pytest.raises(service.UnknownEventType):
        service.add_endpoint(receiver.url, ["feedback.deleted"])
    with app.app_context(), pytest.raises(ValueError):
        outbox.record_feedback_event(None, "order.created")


def test_save_answer_still_makes_one_row_per_card(app, receiver):
    add_endpoint(app, receiver.url)
    token, _, _ = make_shipment(app)
    with app.app_context():
        card = find_card(token)
        first = save_answer(card, FeedbackIn(3, None, "da"))
        second = save_answer(card, FeedbackIn(4, "ok", "da"))
        assert first.id == second.id

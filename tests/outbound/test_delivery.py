"""One delivery attempt, in-process, against a real local receiver."""

import threading
from datetime import timedelta

from sqlalchemy import select, update

from greetings.extensions import db
from greetings.models import Feedback, OutboundAttempt, OutboundEndpoint, OutboundEvent, utcnow
from greetings.outbound import service
from greetings.outbound.delivery import deliver, retry_delay, sweep
from tests.outbound.conftest import add_endpoint, give_feedback
from tests.system.test_observability import sample


def event_row(app, event_id=1) -> OutboundEvent:
    with app.app_context():
        row = db.session.get(OutboundEvent, event_id)
        db.session.expunge(row)
        return row


def make_due(app, event_id=1):
    with app.app_context():
        db.session.execute(update(OutboundEvent).where(OutboundEvent.id == event_id)
                           .values(due_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_a_delivery_is_signed_and_carries_the_feedback(app, receiver):
    _, secret = add_endpoint(app, receiver.url)
    feedback_id, _ = give_feedback(app, 4, "Kaffen kom fint frem 👍")
    with app.app_context():
        assert deliver(1) == "delivered"
        assert deliver(1) is None  # delivered: nothing more to do
    request, = receiver.received
    event = event_row(app)
    assert request.webhook_id == event.webhook_id and request.verifies(secret)
    assert not request.verifies(service.new_endpoint_secret())
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["type"] == "feedback.received" and body["timestamp"].endswith("Z")
    feedback = body["data"]["feedback"]
    assert feedback["id"] == feedback_id and feedback["rating"] == 4
    assert feedback["comment"] == "Kaffen kom fint frem 👍" and feedback["language"] == "da"
    assert feedback["submitted_at"].endswith("Z") and feedback["updated_at"].endswith("Z")
    assert set(body["data"]["shipment"]) == {"id", "order", "packed_at"}
    assert body["data"]["packer"] == {"display_name": "Åse"}
    assert event.delivered_at is not None and event.attempts == 1 and event.last_status == 200


def test_the_body_is_built_when_sent_a_hidden_comment_never_leaves(app, receiver):
    add_endpoint(app, receiver.url)
    feedback_id, _ = give_feedback(app, 1, "an abusive comment")
    with app.app_context():
        db.session.get(Feedback, feedback_id).hidden_at = utcnow()
        db.session.commit()
        deliver(1)
    assert receiver.received[0].json["data"]["feedback"]["comment"] is None
    assert b"abusive" not in receiver.received[0].body


def test_a_comment_purged_meanwhile_is_not_sent(app, receiver):
    add_endpoint(app, receiver.url)
    feedback_id, _ = give_feedback(app, 3, "Søren from Aarhus says hi")
    with app.app_context():
        db.session.get(Feedback, feedback_id).comment = None  # what the retention purge does
        db.session.commit()
        deliver(1)
    assert receiver.received[0].json["data"]["feedback"]["comment"] is None


def test_a_failure_is_retried_later_with_the_same_id(app, receiver):
    add_endpoint(app, receiver.url)
    give_feedback(app)
    receiver.behaviour = lambda request: (503, 0)
    with app.app_context():
        assert deliver(1) == "failed"
        assert deliver(1) is None  # not due yet: the schedule says 1 s
    event = event_row(app)
    assert event.attempts == 1 and event.last_status == 503 and event.delivered_at is None
    assert timedelta(seconds=0.5) < event.due_at - utcnow() <= timedelta(seconds=1)
    receiver.behaviour = lambda request: (204, 0)
    make_due(app)
    with app.app_context():
        assert deliver(1) == "delivered"
        outcomes = [a.outcome for a in service.delivery_log(1)]
    assert outcomes == ["delivered", "failed"]
    assert len(receiver.ids()) == 1 and len(receiver.received) == 2


def test_the_retry_schedule_grows_and_its_last_step_repeats():
    schedule = [10, 60, 300]
    assert [retry_delay(n, schedule) for n in (1, 2, 3, 4, 9)] == [10, 60, 300, 300, 300]
    assert retry_delay(2, "5, 7 9") == 7


def test_redirects_are_not_followed(app, receiver):
    add_endpoint(app, receiver.url)
    give_feedback(app)
    receiver.behaviour = lambda request: (307, 0)
    with app.app_context():
        assert deliver(1) == "failed"
        attempt = db.session.execute(select(OutboundAttempt)).scalar_one()
    assert attempt.status_code == 307 and "not followed" in attempt.error
    assert len(receiver.received) == 1


def test_an_answer_slower_than_the_timeout_is_a_failure(app, receiver):
    """OUTBOUND_TIMEOUT_SECONDS is 1 in this app (10 by default), so 1.5 s is too slow."""
    add_endpoint(app, receiver.url)
    give_feedback(app)
    receiver.behaviour = lambda request: (200, 1.5)
    with app.app_context():
        assert deliver(1) == "failed"
        attempt = db.session.execute(select(OutboundAttempt)).scalar_one()
    assert attempt.status_code is None and attempt.error == "no answer within 1 s"
    assert 900 <= attempt.duration_ms < 1500


def test_a_closed_port_is_a_failure(app, receiver):
    add_endpoint(app, receiver.url)
    give_feedback(app)
    receiver.stop()
    with app.app_context():
        assert deliver(1) == "failed"
    assert event_row(app).last_error == "connection refused"


def test_410_disables_the_endpoint_and_its_other_events_go_dead(app, receiver):
    endpoint_id, _ = add_endpoint(app, receiver.url)
    give_feedback(app)
    give_feedback(app)
    receiver.behaviour = lambda request: (410, 0)
    with app.app_context():
        assert deliver(1) == "gone"
        endpoint = db.session.get(OutboundEndpoint, endpoint_id)
        assert not endpoint.active and "410" in endpoint.disabled_reason
        assert deliver(2) == "dead"
    assert len(receiver.received) == 1  # nothing more was sent
    assert event_row(app, 2).last_error.startswith("endpoint disabled")
    give_feedback(app)
    with app.app_context():
        assert db.session.query(OutboundEvent).count() == 2  # no new events for it


def test_dead_after_the_window_then_sent_again_with_the_same_id(app, receiver):
    app.config["OUTBOUND_DEAD_AFTER_SECONDS"] = 0
    add_endpoint(app, receiver.url)
    give_feedback(app, 5, "first words")
    receiver.behaviour = lambda request: (500, 0)
    with app.app_context():
        assert deliver(1) == "dead"
        dead, = service.dead_letters()
        webhook_id = dead.webhook_id
        db.session.execute(update(Feedback).values(comment="changed words"))
        service.resend(webhook_id)
        db.session.commit()
    receiver.behaviour = lambda request: (200, 0)
    with app.app_context():
        assert deliver(1) == "delivered"
    assert [r.webhook_id for r in receiver.received] == [webhook_id, webhook_id]
    # Built when sent: the second attempt carries today's words.
    assert receiver.received[1].json["data"]["feedback"]["comment"] == "changed words"


def test_resend_refuses_what_is_not_dead(app, receiver):
    add_endpoint(app, receiver.url)
    give_feedback(app)
    with app.app_context():
        try:
            service.resend(1)
        except service.NotDead as refused:
            assert "pending" in refused.detail
        else:
            raise AssertionError("a pending event was resent")


def test_two_workers_at_one_event_send_it_once(app, receiver):
    add_endpoint(app, receiver.url)
    give_feedback(app)
    receiver.behaviour = lambda request: (200, 0.3)
    outcomes = []

    def attempt():
        with app.app_context():
            outcomes.append(deliver(1))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("delivered") == 1 and outcomes.count(None) == 3
    assert len(receiver.received) == 1


def test_the_sweep_finds_due_unsent_unclaimed_events(app, receiver):
    add_endpoint(app, receiver.url)
    for _ in range(3):
        give_feedback(app)
    with app.app_context():
        past = utcnow() - timedelta(minutes=5)
        db.session.execute(update(OutboundEvent).values(due_at=past))
        db.session.execute(update(OutboundEvent).where(OutboundEvent.id == 2)
                           .values(claimed_until=utcnow() + timedelta(minutes=1)))
        db.session.execute(update(OutboundEvent).where(OutboundEvent.id == 3)
                           .values(delivered_at=utcnow()))
        db.session.commit()
        app.extensions["jobs"].flush()
        assert sweep() == 1
        assert app.extensions["jobs"].pending() == 1


def test_a_body_that_cannot_be_built_is_a_logged_failure_not_a_stuck_claim(app, receiver,
                                                                           monkeypatch):
    add_endpoint(app, receiver.url)
    give_feedback(app)

    def broken(event):
        raise KeyError("shipment")

    monkeypatch.setattr("greetings.outbound.delivery.build_body", broken)
    with app.app_context():
        assert deliver(1) == "failed"
    event = event_row(app)
    assert event.claimed_until is None and "could not build" in event.last_error
    assert receiver.received == []


def test_the_backlog_and_the_job_latency_are_on_metrics(app, receiver):
    app.config["METRICS_TOKEN"] = "t"
    client = app.test_client()

    def metrics():
        return client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(
            as_text=True)

    add_endpoint(app, receiver.url)
    give_feedback(app, 5, "Fint")
    before = metrics()
    assert sample(before, "greetings_outbox_backlog", state="due") == 1
    assert sample(before, "greetings_outbox_backlog", state="dead") == 0
    delivered = sample(before, "greetings_job_latency_seconds_count", task="outbound.deliver")
    with app.app_context():
        assert deliver(1) == "delivered"
    after = metrics()
    assert sample(after, "greetings_outbox_backlog", state="due") == 0
    assert sample(after, "greetings_job_latency_seconds_count",
                  task="outbound.deliver") == delivered + 1

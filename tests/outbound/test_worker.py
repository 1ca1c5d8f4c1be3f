"""The real worker process delivering to a real receiver that misbehaves in every way.

Each test runs `flask --app greetings worker` as a child process on the test's database
(SQLite with the SQLite queue, and PostgreSQL with a real redis-server) with settings that
make the schedule fit a test: retries after 0.5, 1 and 1.5 s, the sweep every second, and
OUTBOUND_TIMEOUT_SECONDS lowered from 10 to 1 (or 3) so that a "slow" receiver is one that
takes 2 s (or 6 s) rather than more than 10.
"""

import threading

import pytest
from sqlalchemy import select

from greetings.extensions import db
from greetings.models import OutboundEndpoint, OutboundEvent
from greetings.outbound import service
from tests.conftest import make_app
from tests.outbound.conftest import add_endpoint, give_feedback
from tests.support.worker import WorkerProcess, wait_until


@pytest.fixture
def world(tmp_path, backend):
    """The app (as the web server has it), and a way to start workers on the same data."""
    app = make_app(tmp_path, backend["url"], OUTBOUND_ALLOW_PRIVATE=True, **backend["config"])
    workers = []

    def start_worker(timeout=1, **env):
        env = {"GREETINGS_OUTBOUND_TIMEOUT_SECONDS": str(timeout), **backend["env"], **env}
        worker = WorkerProcess(tmp_path, backend["url"], env, name=f"worker{len(workers)}")
        workers.append(worker.start())
        return worker

    yield app, start_worker
    for worker in workers:
        worker.stop()
    with app.app_context():
        db.engine.dispose()


def outbox(app):
    with app.app_context():
        rows = db.session.execute(select(OutboundEvent).order_by(OutboundEvent.id)).scalars()
        found = list(rows)
        db.session.expunge_all()
        return found


def all_delivered(app, count):
    rows = outbox(app)
    return len(rows) == count and all(row.delivered_at is not None for row in rows)


def test_every_event_arrives_signed_through_failures_a_closed_port_and_slow_answers(
        world, receiver):
    app, start_worker = world
    _, secret = add_endpoint(app, receiver.url)

    def rough(request):
        seen = receiver.count(request.webhook_id)
        if seen == 1:
            return 500, 0  # the first attempt fails
        if seen == 2:
            return 200, 2.0  # the second answers after the 1 s timeout: a failure too
        return 200, 0

    receiver.behaviour = rough
    worker = start_worker(timeout=1)
    for rating in (5, 4, 3):
        give_feedback(app, rating)
    receiver.wait_for(lambda: len(receiver.ids()) == 3, 60, "the first three events")
    receiver.stop()  # down for a while: the port is closed
    for rating in (2, 1):
        give_feedback(app, rating)
    wait_until(lambda: sum(row.attempts for row in outbox(app)[3:]) >= 4, 60,
               "attempts against the closed port")
    receiver.start()
    wait_until(lambda: all_delivered(app, 5), 90, "every event delivered")
    assert worker.alive(), worker.log_text()

    rows = outbox(app)
    assert receiver.accepted_ids() == {row.webhook_id for row in rows}
    assert all(request.verifies(secret) for request in receiver.received)
    for row in rows:
        copies = [r.json for r in receiver.received if r.webhook_id == row.webhook_id]
        assert len(copies) >= 3  # 500, too slow, 200: the same id every time
        assert all(copy == copies[0] for copy in copies)
        assert copies[0]["data"]["feedback"]["id"] == row.feedback_id
    with app.app_context():
        errors = [attempt.error for attempt in service.delivery_log(1, limit=500)]
    assert "connection refused" in errors and "no answer within 1 s" in errors
    assert "answered 500 Internal Server Error" in errors


def test_a_worker_killed_mid_delivery_loses_nothing(world, receiver):
    app, start_worker = world
    _, secret = add_endpoint(app, receiver.url)
    release = threading.Event()

    def hold_the_first(request):
        if len(receiver.received) == 1:
            release.wait(30)  # the worker is killed while it waits for this answer
        return 200, 0

    receiver.behaviour = hold_the_first
    first = start_worker(timeout=3, GREETINGS_WORKER_THREADS="1")
    for rating in (5, 4, 3, 2):
        give_feedback(app, rating)
    receiver.wait_for(lambda: len(receiver.received) >= 1, 60, "the first delivery")
    first.kill()  # kill -9 mid-delivery: no clean-up at all
    release.set()
    held = receiver.received[0].webhook_id
    assert not outbox(app)[0].delivered_at

    start_worker(timeout=3)
    wait_until(lambda: all_delivered(app, 4), 90, "every event delivered after the kill")
    rows = outbox(app)
    assert receiver.accepted_ids() == {row.webhook_id for row in rows}
    assert receiver.count(held) == 2  # at least once: the cut-off send was made again
    assert all(request.verifies(secret) for request in receiver.received)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_410_disables_and_dead_letters_are_sent_again(world, receiver, tmp_path):
    app, start_worker = world
    gone = type(receiver)().start()
    try:
        gone.behaviour = lambda request: (410, 0)
        gone_id, _ = add_endpoint(app, gone.url)
        failing_id, _ = add_endpoint(app, receiver.url)
        receiver.behaviour = lambda request: (500, 0)
        start_worker(GREETINGS_OUTBOUND_DEAD_AFTER_SECONDS="2")
        give_feedback(app)
        wait_until(lambda: len(outbox(app)) == 2 and all(row.dead_at for row in outbox(app)),
                   60, "both first events dead")

        def gone_is_disabled():
            with app.app_context():
                return not db.session.get(OutboundEndpoint, gone_id).active

        assert gone_is_disabled()
        give_feedback(app)  # a disabled endpoint gets no new events
        wait_until(lambda: len(outbox(app)) == 3 and all(row.dead_at for row in outbox(app)),
                   60, "all events dead")
        assert len(gone.received) == 1 and gone_is_disabled()
        receiver.behaviour = lambda request: (200, 0)
        result = app.test_cli_runner().invoke(args=["webhook", "resend", "--endpoint",
                                                    str(failing_id)])
        assert result.exit_code == 0, result.output
        wait_until(lambda: sum(1 for row in outbox(app) if row.delivered_at) == 2, 60,
                   "the dead letters delivered")
        assert len(receiver.accepted_ids()) == 2
    finally:
        gone.stop()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sigterm_lets_the_delivery_at_hand_finish(world, receiver):
    app, start_worker = world
    add_endpoint(app, receiver.url)
    receiver.behaviour = lambda request: (200, 1.5)
    worker = start_worker(timeout=5)
    give_feedback(app)
    receiver.wait_for(lambda: receiver.received, 60, "the delivery")
    assert worker.terminate() == 0, worker.log_text()
    row, = outbox(app)
    assert row.delivered_at is not None and row.attempts == 1
    assert receiver.accepted_ids() == {row.webhook_id}


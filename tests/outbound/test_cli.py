"""`flask --app greetings webhook …`: the outbound endpoints from the command line."""

import re

from sqlalchemy import update

from greetings.extensions import db
from greetings.intake.signatures import is_valid_standard_secret
from greetings.models import OutboundEndpoint, OutboundEvent, utcnow
from greetings.outbound.delivery import deliver
from tests.outbound.conftest import give_feedback


def webhook(app, *args):
    result = app.test_cli_runner().invoke(args=["webhook", *args])
    return result.exit_code, result.output


def test_add_prints_the_id_and_a_secret_once_and_list_shows_it(app, receiver):
    code, output = webhook(app, "add", receiver.url, "--event", "feedback.received",
                           "--event", "feedback.hidden")
    assert code == 0, output
    assert re.search(r"^endpoint 1: http://127\.0\.0\.1:\d+/hook$", output, re.M)
    secret = re.search(r"^secret: (whsec_\S+)$", output, re.M).group(1)
    assert is_valid_standard_secret(secret)
    code, output = webhook(app, "list")
    assert code == 0 and "feedback.received,feedback.hidden" in output and "active" in output
    assert secret not in output  # shown once, at add


def test_log_dead_resend_enable_and_remove(app, receiver):
    webhook(app, "add", receiver.url)
    give_feedback(app)
    assert webhook(app, "log", "1")[1].startswith("no deliveries")
    receiver.behaviour = lambda request: (410, 0)
    with app.app_context():
        deliver(1)
        webhook_id = db.session.get(OutboundEvent, 1).webhook_id
    code, output = webhook(app, "log", "1")
    assert code == 0 and webhook_id in output and "gone" in output and "410" in output
    assert "disabled (the receiver answered 410 Gone)" in webhook(app, "list")[1]
    code, output = webhook(app, "dead")
    assert code == 0 and webhook_id in output
    assert webhook(app, "enable", "1")[0] == 0
    code, output = webhook(app, "resend", webhook_id)
    assert code == 0 and webhook_id in output
    receiver.behaviour = lambda request: (200, 0)
    with app.app_context():
        assert deliver(1) == "delivered"
    assert "delivered 1, dead 0" in webhook(app, "list")[1]
    code, output = webhook(app, "resend", webhook_id)
    assert code != 0 and "delivered" in output
    assert webhook(app, "remove", "1") == (0, "endpoint 1 removed\n")
    with app.app_context():
        assert db.session.query(OutboundEndpoint).count() == 0
        assert db.session.query(OutboundEvent).count() == 0


def test_resend_of_every_dead_letter_of_an_endpoint(app, receiver):
    webhook(app, "add", receiver.url)
    give_feedback(app)
    give_feedback(app)
    with app.app_context():
        db.session.execute(update(OutboundEvent).values(dead_at=utcnow()))
        db.session.commit()
    code, output = webhook(app, "resend", "--endpoint", "1")
    assert code == 0 and "2 dead letter(s) of endpoint 1" in output
    assert webhook(app, "dead")[1] == "no dead letters\n"


def test_clear_errors_for_what_does_not_exist_or_is_refused(app):
    assert webhook(app, "remove", "7") == (1, "Error: no outbound endpoint has the id 7\n")
    assert "no outbound event msg_nope" in webhook(app, "resend", "msg_nope")[1]
    assert webhook(app, "resend")[0] != 0
    code, output = webhook(app, "add", "https://169.254.169.254/latest")
    assert code == 1 and "link-local" in output
    code, output = webhook(app, "add", "https://10.0.0.1/x", "--event", "order.created")
    assert code == 2 and "order.created" in output
    assert "no outbound endpoints" in webhook(app, "list")[1]

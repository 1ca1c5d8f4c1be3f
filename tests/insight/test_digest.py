"""The weekly recognition digest: the printable page, the PDF, and the e-mail through a
real local SMTP server (aiosmtpd), sent by the job in-process and by a real worker."""

import email
import email.policy
from datetime import datetime, timedelta

import pytest

from greetings.extensions import db
from greetings.insight.digest import send_last_week
from greetings.jobs.queue import queue_of
from greetings.models import Pin, utcnow
from greetings.tasks import periodic_job
from tests.conftest import make_app, require
from tests.insight.conftest import make_packer, make_parcel, make_world, signed_in
from tests.support.pdf import page_text, pdf_pages, qpdf_check
from tests.support.servers import free_port
from tests.support.worker import WorkerProcess, wait_until


class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 and a free port, for this test only."""
    controller_module = require("aiosmtpd.controller")
    inbox = Inbox()
    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


def last_week(hours=0):
    return utcnow() - timedelta(days=7, hours=hours)


def stock(app):
    """Åse packed three parcels last week; one comment pinned, one hidden."""
    make_world(app)
    ase = make_packer(app, "Åse", full_name="Åse Secretsdottir")
    make_parcel(app, ase, last_week(), rating=5, comment="Kaffen kom frem perfekt")
    pinned = make_parcel(app, ase, last_week(1), rating=4, comment="Smukt pakket")
    make_parcel(app, ase, last_week(2))
    with app.app_context():
        db.session.add(Pin(feedback_id=pinned))
        db.session.commit()
    return ase


@pytest.fixture
def app(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                   BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen")
    stock(app)
    return app


def test_the_digest_page_shows_each_packer_by_display_name(app):
    html = signed_in(app).get("/admin/digest").get_data(as_text=True)
    assert "Thank you, Åse!" in html
    assert "Kaffen kom frem perfekt" in html and "Smukt pakket" in html
    best = html.split("Best of, chosen by your manager")[1].split("What customers said")[0]
    assert "Smukt pakket" in best and "Kaffen" not in best
    assert "Secretsdottir" not in html and "Søren" not in html


def test_the_digest_pdf_is_valid_and_readable(app, tmp_path):
    response = signed_in(app).get("/admin/digest.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    qpdf_check(pdf, tmp_path)
    text = page_text(pdf)
    assert "Thank you, Åse!" in text and "Parcels packed: 3" in text
    assert "Smukt pakket" in text and "Secretsdottir" not in text
    assert len(pdf_pages(pdf)) == 1


def test_the_digest_goes_to_the_managers_through_smtp(app, smtp):
    inbox, url = smtp
    app.config["SMTP_URL"] = url
    with app.app_context():
        assert send_last_week() == 1
    [(sender, recipients, message)] = inbox.messages
    assert recipients == ["manager@example.com"] and sender == "greetings@localhost"
    assert message["Subject"].startswith("Recognition digest, week ")
    body = message.get_body(("plain",)).get_content()
    assert "Åse" in body and "Secretsdottir" not in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Thank you, Åse!" in page_text(attachment.get_content())


def test_without_an_smtp_url_nothing_is_sent(app, smtp):
    inbox, _url = smtp
    with app.app_context():
        assert send_last_week() == 0
    assert inbox.messages == []


def test_the_digest_is_a_weekly_job_on_monday_morning(app):
    job = periodic_job("weekly-digest")
    assert job.slot(datetime(2026, 3, 2, 6, 0), app.config) is not None  # a Monday
    assert job.slot(datetime(2026, 3, 2, 7, 0), app.config) is None
    assert job.slot(datetime(2026, 3, 3, 6, 0), app.config) is None


def test_a_real_worker_sends_the_digest(tmp_path, smtp):
    inbox, url = smtp
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'greetings.sqlite'}",
                   BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen")
    stock(app)
    worker = WorkerProcess(tmp_path, f"sqlite:///{tmp_path / 'greetings.sqlite'}",
                           {"GREETINGS_SMTP_URL": url,
                            "GREETINGS_BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen"}).start()
    try:
        with app.app_context():
            queue_of(app).enqueue("insight.digest")
        wait_until(lambda: inbox.messages, timeout=120, what="the digest e-mail")
    finally:
        worker.stop()
    [(_sender, recipients, message)] = inbox.messages
    assert recipients == ["manager@example.com"]
    assert "Åse" in message.get_body(("plain",)).get_content()

"""The Outbound endpoints pages over greetings.outbound: add, log, dead letters, send again."""
# ruff: noqa: F811 (pytest fixtures imported from tests/admin/console_support.py)

import re

from greetings.extensions import db
from greetings.models import OutboundEndpoint, OutboundEvent
from greetings.outbound.delivery import deliver
from tests.admin.console_support import admin, console_app, manager  # noqa: F401
from tests.outbound.conftest import give_feedback, receiver  # noqa: F401


def test_add_shows_the_secret_once_then_log_dead_letters_and_send_again(
        console_app, admin, receiver):
    response = admin.post("/admin/endpoints", data={"url": receiver.url,
                                                    "events": ["feedback.received"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 201, page
    secret = re.search(r'<code class="secret" id="new-secret">([^<]+)</code>', page).group(1)
    with console_app.app_context():
        endpoint = db.session.scalars(db.select(OutboundEndpoint)).one()
        endpoint_id = endpoint.id
        assert endpoint.secret == secret and endpoint.events == ["feedback.received"]
    shown = admin.get(f"/admin/endpoints/{endpoint_id}").get_data(as_text=True)
    assert secret not in shown and "Nothing sent yet" in shown
    assert receiver.url in admin.get("/admin/endpoints").get_data(as_text=True)

    give_feedback(console_app)
    receiver.behaviour = lambda request: (410, 0)
    with console_app.app_context():
        event = db.session.scalars(db.select(OutboundEvent)).one()
        event_id, webhook_id = event.id, event.webhook_id
        deliver(event_id)
    page = admin.get(f"/admin/endpoints/{endpoint_id}").get_data(as_text=True)
    assert webhook_id in page and 'id="attempt-' in page and f'id="dead-{event_id}"' in page
    assert "Disabled" in page
    admin.post(f"/admin/endpoints/{endpoint_id}/enable")
    admin.post(f"/admin/endpoints/{endpoint_id}/events/{event_id}/resend")
    receiver.behaviour = lambda request: (200, 0)
    with console_app.app_context():
        assert db.session.get(OutboundEvent, event_id).dead_at is None
        assert deliver(event_id) == "delivered"
    assert receiver.received[-1].headers["webhook-id"] == webhook_id

    admin.post(f"/admin/endpoints/{endpoint_id}/disable")
    with console_app.app_context():
        assert db.session.get(OutboundEndpoint, endpoint_id).disabled_at is not None
    admin.post(f"/admin/endpoints/{endpoint_id}/remove")
    with console_app.app_context():
        assert db.session.scalars(db.select(OutboundEndpoint)).all() == []
    assert admin.get(f"/admin/endpoints/{endpoint_id}").status_code == 302


def test_an_address_that_may_not_receive_events_is_refused(console_app, admin):
    console_app.config["OUTBOUND_ALLOW_PRIVATE"] = False
    for url in ("http://127.0.0.1:9/x", "ftp://example.com/", "https://10.0.0.1/hook"):
        response = admin.post("/admin/endpoints", data={"url": url})
        assert response.status_code == 422, url
        assert 'id="url-error"' in response.get_data(as_text=True)
    with console_app.app_context():
        assert db.session.scalars(db.select(OutboundEndpoint)).all() == []


def test_managers_may_not_reach_the_endpoints(manager):
    assert manager.get("/admin/endpoints").status_code == 403

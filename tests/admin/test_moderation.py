"""/admin/feedback: managers list feedback and hide a comment from the packer, reason kept."""

import re

import pytest

from greetings.extensions import db
from greetings.feedback.service import wall_for
from greetings.models import Feedback
from greetings.staff.service import create_user
from tests.feedback.conftest import csrf_token, make_shipment, post_answer

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def answered(app):
    """One answer with an abusive comment; returns (feedback id, packer id)."""
    client = app.test_client()
    token, packer_id, _ = make_shipment(app)
    assert post_answer(client, token, "1", "<b>rude</b> words").status_code == 303
    with app.app_context():
        return db.session.execute(db.select(Feedback.id)).scalar_one(), packer_id


def signed_in(app, role="manager"):
    with app.app_context():
        create_user(f"{role}@example.com", "correct horse battery", role)
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/login", data={"email": f"{role}@example.com",
                                                 "password": "correct horse battery",
                                                 "csrf_token": token})
    assert response.status_code == 302
    return client


def test_needs_a_sign_in(client, answered):
    response = client.get("/admin/feedback")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.post(f"/admin/feedback/{answered[0]}/hide").status_code in (302, 400)


def test_manager_hides_a_comment_with_a_reason(app, answered):
    feedback_id, packer_id = answered
    client = signed_in(app)
    page = client.get("/admin/feedback?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;b&gt;rude&lt;/b&gt; words" in html and "<b>rude</b>" not in html
    token = CSRF_RE.search(html).group(1)
    response = client.post(f"/admin/feedback/{feedback_id}/hide",
                           data={"reason": "abusive", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Feedback, feedback_id)
        assert row.hidden_at and row.hidden_reason == "abusive" and row.hidden_by_id
        assert wall_for(packer_id)["latest"]["comment"] is None
    html = client.get("/admin/feedback?show=hidden&lang=en").get_data(as_text=True)
    assert "Hidden from the packer on" in html and "manager@example.com: abusive" in html
    response = client.post(f"/admin/feedback/{feedback_id}/show", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Feedback, feedback_id)
        assert row.hidden_at is None and row.hidden_reason == "abusive"
        assert wall_for(packer_id)["latest"]["comment"] == "<b>rude</b> words"


def test_hiding_needs_a_reason_and_csrf(app, answered):
    feedback_id, _ = answered
    client = signed_in(app)
    token = CSRF_RE.search(client.get("/admin/feedback").get_data(as_text=True)).group(1)
    client.post(f"/admin/feedback/{feedback_id}/hide", data={"reason": " ", "csrf_token": token})
    assert client.post(f"/admin/feedback/{feedback_id}/hide",
                       data={"reason": "x"}).status_code == 400
    assert client.post(f"/admin/feedback/{feedback_id}/hide",
                       data={"reason": "x" * 501, "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Feedback, feedback_id).hidden_at is None
    assert client.post("/admin/feedback/999/hide",
                       data={"reason": "x", "csrf_token": token}).status_code == 404


@pytest.mark.parametrize("which", ["all", "comments", "hidden", "bogus"])
def test_filters(app, answered, which):
    client = signed_in(app)
    assert client.get(f"/admin/feedback?show={which}&page=3").status_code == 200

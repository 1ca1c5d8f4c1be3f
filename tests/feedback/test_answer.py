"""Posting an answer: stored once, changed within 30 days, refused when wrong, escaped."""

from datetime import timedelta

import pytest

from greetings.extensions import db
from greetings.models import Feedback
from tests.conftest import make_app
from tests.feedback.conftest import csrf_token, make_shipment, post_answer


def stored(app):
    with app.app_context():
        return db.session.execute(db.select(Feedback)).scalars().all()


def test_answer_is_stored_and_thanked_in_the_packers_name(any_app):
    client = any_app.test_client()
    token, _, _ = make_shipment(any_app)
    response = post_answer(client, token, "5", "Kaffen kom helt perfekt frem\r\n", lang="da")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/f/{token}/thanks?lang=da"
    [feedback] = stored(any_app)
    assert (feedback.rating, feedback.comment, feedback.language) == (
        5, "Kaffen kom helt perfekt frem", "da")
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tak, Søren!" in thanks
    assert "<strong>Åse</strong> ser dit svar ved pakkestationen" in thanks
    assert "Du gav 5 stjerner." in thanks


def test_a_second_answer_updates_the_first(any_app):
    client = any_app.test_client()
    token, _, _ = make_shipment(any_app)
    assert post_answer(client, token, "2", "late").status_code == 303
    page = client.get(f"/f/{token}?lang=en").get_data(as_text=True)
    assert "You can change your answer until" in page
    assert 'value="2" required checked' in page and ">late</textarea>" in page
    assert post_answer(client, token, "4", "").status_code == 303
    [feedback] = stored(any_app)
    assert (feedback.rating, feedback.comment) == (4, None)
    assert feedback.updated_at >= feedback.created_at


def test_after_thirty_days_the_answer_is_read_only(app, client, shipment):
    token = shipment["token"]
    assert post_answer(client, token, "3", "ok").status_code == 303
    with app.app_context():
        feedback = db.session.execute(db.select(Feedback)).scalar_one()
        feedback.created_at -= timedelta(days=31)
        db.session.commit()
    page = client.get(f"/f/{token}?lang=en")
    html = page.get_data(as_text=True)
    assert "can no longer be changed" in html and "<form" not in html
    assert "You gave Åse 3 stars on" in html
    # A post the page no longer offers (an old tab) changes nothing.
    late = client.post(f"/f/{token}", data={"rating": "1", "comment": "changed",
                                            "csrf_token": csrf_token(
                                                client.get("/staff/login").get_data(
                                                    as_text=True))})
    assert late.status_code == 409
    [feedback] = stored(app)
    assert (feedback.rating, feedback.comment) == (3, "ok")
    assert "Change your answer" not in client.get(f"/f/{token}/thanks?lang=en").get_data(
        as_text=True)


@pytest.mark.parametrize("rating", ["", "0", "6", "-1", "five", "3.5", "٣", "1e1", "99999999"])
def test_bad_rating_shows_the_form_again_and_stores_nothing(app, client, shipment, rating):
    response = post_answer(client, shipment["token"], rating, "kept text", lang="en")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose from one to five stars." in html
    assert ">kept text</textarea>" in html
    assert stored(app) == []


def test_missing_rating_field(app, client, shipment):
    path = f"/f/{shipment['token']}"
    token = csrf_token(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 422
    assert stored(app) == []


def test_over_long_comment_is_refused(app, client, shipment):
    response = post_answer(client, shipment["token"], "4", "x" * 1001, lang="de")
    assert response.status_code == 422
    assert "höchstens 1000 Zeichen" in response.get_data(as_text=True)
    assert stored(app) == []
    # Exactly 1000 is fine, and a Windows line end counts as one character.
    assert post_answer(client, shipment["token"], "4", "x" * 998 + "\r\ny").status_code == 303


def test_comment_is_stored_as_text_and_escaped_everywhere(app, client, shipment):
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&'
    assert post_answer(client, shipment["token"], "1", attack).status_code == 303
    assert stored(app)[0].comment == attack
    for path in (f"/f/{shipment['token']}", f"/f/{shipment['token']}/thanks"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_names_are_escaped(app, client):
    token, _, _ = make_shipment(app, first_name="<b>Bo</b>", display_name="<i>Ib</i>")
    html = client.get(f"/f/{token}").get_data(as_text=True)
    assert "<b>Bo</b>" not in html and "<i>Ib</i>" not in html
    assert "&lt;b&gt;Bo&lt;/b&gt;" in html and "&lt;i&gt;Ib&lt;/i&gt;" in html


def test_control_characters_are_dropped(app, client, shipment):
    assert post_answer(client, shipment["token"], "5", "a\x00b\x07c\td").status_code == 303
    assert stored(app)[0].comment == "abc d"  # a tab is a space in text people read


def test_missing_csrf_token_is_refused_with_the_form(app, client, shipment):
    # TESTING does not switch CSRF off: this app checks it as production does.
    assert app.config.get("WTF_CSRF_ENABLED", True)
    response = post_answer(client, shipment["token"], "5", "hi", csrf=False, lang="en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please send your answer again." in html
    assert 'name="csrf_token"' in html  # a fresh one, so the second tap works
    bad = client.post(f"/f/{shipment['token']}", data={"rating": "5", "csrf_token": "forged"})
    assert bad.status_code == 400
    assert stored(app) == []


def test_csrf_token_from_another_session_is_refused(app, shipment):
    mallory, victim = app.test_client(), app.test_client()
    stolen = csrf_token(mallory.get(f"/f/{shipment['token']}").get_data(as_text=True))
    response = victim.post(f"/f/{shipment['token']}", data={"rating": "1",
                                                            "csrf_token": stolen})
    assert response.status_code == 400
    assert stored(app) == []


def test_thanks_before_answering_leads_to_the_form(client, shipment):
    response = client.get(f"/f/{shipment['token']}/thanks")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/f/{shipment['token']}")


@pytest.mark.parametrize("rating", ["1", "5"])
def test_review_link_is_offered_to_everyone_alike(tmp_path, sqlite_url, rating):
    app = make_app(tmp_path, sqlite_url, REVIEW_URL="https://reviews.example/acme")
    client = app.test_client()
    token, _, _ = make_shipment(app)
    assert post_answer(client, token, rating).status_code == 303
    html = client.get(f"/f/{token}/thanks").get_data(as_text=True)
    assert 'href="https://reviews.example/acme"' in html


def test_no_review_link_by_default(client, shipment):
    post_answer(client, shipment["token"], "5")
    assert "review" not in client.get(f"/f/{shipment['token']}/thanks?lang=en").get_data(
        as_text=True).lower()

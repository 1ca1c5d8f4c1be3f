"""Hypothesis over the form fields: whatever a client sends, never a 5xx."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greetings.extensions import db
from greetings.models import Feedback
from tests.conftest import make_app
from tests.feedback.conftest import make_shipment
from tests.support.templates import postgres_copy

text = st.text(st.characters(codec="utf-8"), max_size=1200)
ratings = st.one_of(st.sampled_from(["1", "3", "5", "0", "6", " 5 ", "5\x00"]), text)
fields = st.dictionaries(st.sampled_from(["rating", "comment", "csrf_token", "lang", "extra"]),
                         text, max_size=5)


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzz_app(request, tmp_path):
    """The app without CSRF and rate limits, so every example reaches validation."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fuzz.sqlite'}"
    else:
        url = postgres_copy(request.getfixturevalue("postgres"), f"fuzz_{uuid.uuid4().hex[:12]}")
    app = make_app(tmp_path, url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_answers_never_fail(fuzz_app):
    client = fuzz_app.test_client()
    token, _, _ = make_shipment(fuzz_app)

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rating=ratings, comment=text, extra=fields)
    def check(rating, comment, extra):
        data = {**extra, "rating": rating, "comment": comment}
        response = client.post(f"/f/{token}", data=data,
                               query_string={"lang": extra.get("lang", "")})
        assert response.status_code in (303, 409, 422), response.status_code
        if response.status_code == 303:
            with fuzz_app.app_context():
                stored = db.session.execute(db.select(Feedback)).scalar_one()
                assert stored.rating in range(1, 6)
                assert stored.comment is None or len(stored.comment) <= 1000
                assert "\x00" not in (stored.comment or "")

    check()


def test_paths_and_queries_never_fail(fuzz_app):
    client = fuzz_app.test_client()
    make_shipment(fuzz_app)

    @settings(max_examples=100, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(token=st.text(st.characters(codec="ascii", exclude_characters="/?#%"),
                         max_size=40),
           lang=text, upper=st.booleans())
    def check(token, lang, upper):
        prefix = "/F/" if upper else "/f/"
        for path in (prefix + token, f"/f/{token}/thanks", f"/f/{token}/signature.png"):
            response = client.get(path, query_string={"lang": lang})
            assert response.status_code < 500, (path, response.status_code)

    check()


def test_with_csrf_on_a_wrong_token_is_always_a_400(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, RATELIMIT_ENABLED=False)
    client = app.test_client()
    token, _, _ = make_shipment(app)
    client.get(f"/f/{token}")

    @settings(max_examples=60, deadline=None)
    @given(data=fields)
    def check(data):
        assert client.post(f"/f/{token}", data=data).status_code == 400

    check()
    with app.app_context():
        assert db.session.execute(db.select(Feedback)).first() is None

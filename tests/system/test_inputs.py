"""Hostile input every route shares: huge ids, far-off times, deep JSON, endless bodies."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app

from greetings.api.tokens import create_token
from greetings.extensions import db
from tests.conftest import make_integrations
from tests.support.webhooks import generic_body, standard_headers

FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
# PostgreSQL's integer ends at 2**31 - 1, SQLite's at 2**63 - 1.
HUGE_IDS = [str(2**31), str(2**63), str(2**64 + 7), "9" * 30, "9" * 5000]


@pytest.fixture
def bearer(any_app):
    with any_app.app_context():
        token = create_token("fuzz")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}


def int_rules(app):
    """Every route with an <int:…> part, as a path template and its methods."""
    for rule in app.url_map.iter_rules():
        names = [name for name, converter in rule._converters.items()
                 if type(converter).__name__.endswith("IntConverter")
                 or converter.regex.startswith(("\\d", "[0-9]"))]
        if names:
            yield rule, names


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status


def test_every_int_route_answers_404_to_an_id_past_the_database(any_app, bearer):
    rules = list(int_rules(any_app))
    assert len(rules) >= 4  # the API's and the station's cards, the admin's hide/show
    client = any_app.test_client()
    # Where one path has a GET page and a POST form as two rules, Werkzeug answers the
    # POST of an id past the database 405 (the GET rule matched the path); the page's
    # GET answers 404, and that is the one asked here.
    methods = {}
    for rule, _ in rules:
        methods.setdefault(rule.rule, set()).update(rule.methods)
    for rule, names in rules:
        method = next(m for m in ("GET", "POST", "PATCH", "PUT", "DELETE")
                      if m in methods[rule.rule])
        for huge in HUGE_IDS:
            path = rule.rule
            for name in names:
                path = path.replace(f"<int:{name}>", huge)
            response = client.open(path, method=method, headers=bearer)
            assert response.status_code == 404, (path[:80], response.status_code)


def test_unicode_digits_are_not_ids(app):
    # Arabic-Indic digits: Werkzeug's converter read them as 3.
    assert app.test_client().get("/api/v1/shipments/٣/insert.pdf").status_code == 404


@FUZZ
@given(shipment_id=st.integers(min_value=0, max_value=2**70))
def test_fuzzed_ids_on_the_api_are_404_never_500(any_app, bearer, shipment_id):
    response = any_app.test_client().get(f"/api/v1/shipments/{shipment_id}/insert.pdf",
                                         headers=bearer)
    assert_problem(response, 404)


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_since_past_the_calendar_is_422(any_app, bearer, since):
    response = any_app.test_client().get("/api/v1/feedback", query_string={"since": since},
                                         headers=bearer)
    assert_problem(response, 422)
    assert response.json["errors"][0]["field"] == "since"




def offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(offset)
times = st.builds(lambda stamp, offset: stamp.isoformat() + offset, st.datetimes(), offsets)


@FUZZ
@given(since=times | st.text(max_size=40))
def test_fuzzed_since_is_answered_never_500(any_app, bearer, since):
    response = any_app.test_client().get("/api/v1/feedback", query_string={"since": since},
                                         headers=bearer)
    assert response.status_code in {200, 422}, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"order": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
])
def test_deeply_nested_json_is_400(app, body):
    with app.app_context():
        headers = {"Authorization": f"Bearer {create_token('deep')}",
                   "Content-Type": "application/json"}
        db.session.commit()
    response = app.test_client().post("/api/v1/pack", data=body, headers=headers)
    assert_problem(response, 400)


def test_json_nested_within_the_limit_still_parses(app):
    with app.app_context():
        assert app.json.loads("[" * 32 + "]" * 32) is not None
        assert app.json.loads('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {"a": "[" * 36}
        with pytest.raises(ValueError):
            app.json.loads("[" * 33 + "]" * 33)


@FUZZ
@given(prefix=st.text("[{\"\\:,1a ]}", max_size=60), nest=st.integers(0, 3000))
def test_fuzzed_pack_bodies_are_answered_never_500(app, prefix, nest):
    with app.app_context():
        headers = {"Authorization": f"Bearer {create_token('fuzz')}",
                   "Content-Type": "application/json"}
        db.session.commit()
    body = (prefix + "[" * nest + "]" * nest).encode()
    response = app.test_client().post("/api/v1/pack", data=body, headers=headers)
    assert response.status_code in {400, 404, 422}, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"


def chunked(app, path, body, headers):
    """POST `body` as gunicorn hands a chunked one to the app: no Content-Length, and
    `wsgi.input_terminated` (Werkzeug's test client always adds a Content-Length)."""
    environ = EnvironBuilder(path=path, method="POST", input_stream=io.BytesIO(body),
                             headers={"Transfer-Encoding": "chunked", **headers}).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    return app.response_class(b"".join(app_iter), status=status, headers=response_headers)


def test_a_chunked_webhook_over_the_limit_is_413_not_401(app):
    make_integrations(app)
    limit = app.config["WEBHOOK_MAX_BYTES"]
    body = generic_body("BIG", note="x" * limit)
    response = chunked(app, "/webhooks/erp", body, standard_headers(body))
    assert_problem(response, 413)


def test_a_chunked_body_past_every_limit_is_413_before_any_route(app):
    body = b"x" * (app.config["REQUEST_MAX_BYTES"] + 1)
    response = chunked(app, "/api/v1/pack", body,
                       {"Content-Type": "application/json"})
    assert_problem(response, 413)


def test_a_chunked_webhook_within_the_limit_is_taken_whole(app):
    make_integrations(app)
    body = generic_body("CHUNKED", note="y" * 200_000)
    response = chunked(app, "/webhooks/erp", body, standard_headers(body))
    assert response.status_code == 200, response.json
    assert response.json["order"]["number"] == "CHUNKED"

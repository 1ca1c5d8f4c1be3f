"""/api/openapi.json: every JSON API route is in it, and schemathesis finds no 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from greetings.api.spec import ROUTE_ARGUMENT
from tests.conftest import make_app

ALL_SCOPES = ["pack", "feedback:read", "packers:read", "packers:write"]


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("openapi")
    app = make_app(path, f"sqlite:///{path / 'g.sqlite'}", RATELIMIT_ENABLED=False)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="module")
def bearer(api_app):
    from greetings.api.tokens import create_token
    from greetings.extensions import db

    with api_app.app_context():
        token = create_token("schemathesis", ALL_SCOPES)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)


def test_every_api_route_is_in_the_document(api_app):
    document = api_app.test_client().get("/api/openapi.json").json
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, operations in document["paths"].items()
                  for method in operations}
    routes = {(ROUTE_ARGUMENT.sub(r"{\1}", rule.rule), method)
              for rule in api_app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes and routes == documented
    assert {"/api/v1/packers", "/api/v1/packers/{packer_id}",
            "/api/v1/packers/{packer_id}/signature"} <= set(document["paths"])
    add = document["paths"]["/api/v1/packers"]["post"]
    assert add["security"] == [{"bearer": ["packers:write"]}]
    body = add["requestBody"]["content"]["application/json"]["schema"]
    model = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"full_name", "display_name", "badge"} <= set(model["required"])


def test_no_input_makes_the_api_fail(api_schema, bearer):
    # Each operation's own hypothesis strategy (schemathesis), positive and negative data;
    # called in-process through the WSGI app the schema was loaded from.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    modes = list(GenerationMode)
    for operation in operations:
        @given(case=st.one_of([operation.as_strategy(mode) for mode in modes]))
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def call(case):
            response = case.call(headers=bearer)
            assert response.status_code < 500, (case.method, case.formatted_path,
                                                response.text[:500])

        call()

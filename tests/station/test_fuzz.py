"""Hostile input at the packing API and the station: never a 5xx, nothing stored lost."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_token
from tests.station.conftest import as_packer

FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
codes = st.text(max_size=300) | st.sampled_from(
    ["#", "##7001", " 7001 ", "7001\x00", "%", "_", "' OR 1=1 --", "7" * 200, "\ud800"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | codes,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=12)


@pytest.fixture
def token(app):
    return make_token(app, "fuzz")


@FUZZ
@given(body=st.fixed_dictionaries({}, optional={"order": json_values, "badge": json_values,
                                                 "station": json_values}) | json_values)
def test_pack_api_bodies(app, token, body):
    response = app.test_client().post(
        "/api/v1/pack", data=json.dumps(body), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in {200, 400, 404, 409, 422}, response.get_data(as_text=True)
    assert response.mimetype in {"application/json", "application/problem+json"}


@FUZZ
@given(raw=st.binary(max_size=500))
def test_pack_api_raw_bytes(app, token, raw):
    response = app.test_client().post("/api/v1/pack", data=raw, content_type="application/json",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in {400, 404, 409, 422}


# A browser cannot send a lone surrogate in a form; everything else it can.
form_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


@FUZZ
@given(code=form_text | st.sampled_from(["#", "##7001", " 7001 ", "7001\x00", "%", "_"]),
       action=st.sampled_from(["", "reprint", "repack", "delete", "\x00"]))
def test_station_scans(app, code, action):
    client = as_packer(app)
    response = client.post("/station/scan", data={"code": code, "action": action},
                           headers={"Accept": "application/json"})
    assert response.status_code in {200, 404, 409, 422}, response.get_data(as_text=True)
    response = client.post("/station/wave", data={"source": "list", "numbers": code})
    assert response.status_code in {200, 422}
    # The fixture's order is still there to be packed.
    assert client.post("/station/scan", data={"code": "7001"},
                       headers={"Accept": "application/json"}).status_code == 200

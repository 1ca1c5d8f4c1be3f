"""The packing API: Bearer tokens, pack → shipment, reprint, and the card behind insert_url."""

import pytest
from click.testing import Result

from tests.conftest import make_integrations, make_token, require
from tests.support.webhooks import generic_body, standard_headers


@pytest.fixture
def token(app):
    return make_token(app, "warehouse")


@pytest.fixture
def packed_world(app, client, runner):
    make_integrations(app)
    for order_id, first in (("1042", "Søren"), ("1043", None)):
        customer = {"first_name": first, "locale": "da-DK"} if first else {}
        body = generic_body(order_id, number=f"#{order_id}"[1:], customer=customer)
        assert client.post("/webhooks/erp", data=body,
                           headers=standard_headers(body)).status_code == 200
    result: Result = runner.invoke(args=["packer", "add", "Åse Marie Nygaard",
                                         "--display-name", "Åse", "--badge", "B-001"])
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_pack_needs_a_token(client, packed_world):
    response = client.post("/api/v1/pack", json={"order": "1042", "badge": "B-001"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.post("/api/v1/pack", json={"order": "1042", "badge": "B-001"},
                           headers=bearer("gr_wrong"))
    assert response.status_code == 401


def test_pack_answers_the_shipment_and_a_reprint_is_the_same(client, packed_world, token):
    first = client.post("/api/v1/pack", json={"order": "#1042", "badge": " b-001 "},
                        headers=bearer(token))
    assert first.status_code == 200, first.json
    shipment = first.json["shipment"]
    assert shipment["order"] == "1042"
    assert shipment["packer"] == {"display_name": "Åse"}
    assert shipment["feedback_url"].startswith("https://greet.test/f/")
    token_part = shipment["feedback_url"].rsplit("/", 1)[1]
    assert len(token_part) == 26 and token_part.isupper()
    again = client.post("/api/v1/pack", json={"order": "1042", "badge": "B-001"},
                        headers=bearer(token))
    assert again.json["shipment"] == shipment


@pytest.mark.parametrize("body,status", [
    ({"order": "9999", "badge": "B-001"}, 404),
    ({"order": "1042", "badge": "NOPE"}, 422),
    ({"order": "1042"}, 422),
    ({"order": 1042, "badge": "B-001"}, 422),
    ({"order": "1042", "badge": "B-001", "extra": 1}, 422),
    ("not an object", 422),
])
def test_pack_errors_are_problems(client, packed_world, token, body, status):
    response = client.post("/api/v1/pack", json=body, headers=bearer(token))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_pack_unreadable_json(client, packed_world, token):
    response = client.post("/api/v1/pack", data=b"{", headers=bearer(token),
                           content_type="application/json")
    assert response.status_code == 400


def test_insert_url_serves_the_card(client, packed_world, token):
    shipment = client.post("/api/v1/pack", json={"order": "1042", "badge": "B-001"},
                           headers=bearer(token)).json["shipment"]
    path = shipment["insert_url"].removeprefix("https://greet.test")
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert client.get(path).status_code == 401
    assert client.get(path + "?profile=nope", headers=bearer(token)).status_code == 422
    pdfium = require("pypdfium2")
    document = pdfium.PdfDocument(response.data)
    text = document[0].get_textpage().get_text_range()
    assert "Søren" in text and "Åse" in text


def test_render_cli_writes_the_card(runner, client, packed_world, token, tmp_path):
    out = tmp_path / "card.pdf"
    result = runner.invoke(args=["render", "1042", "--out", str(out)])
    assert result.exit_code != 0 and "not been packed" in result.output
    client.post("/api/v1/pack", json={"order": "1042", "badge": "B-001"}, headers=bearer(token))
    result = runner.invoke(args=["render", "1042", "--out", str(out), "--profile", "thermal4x6"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")

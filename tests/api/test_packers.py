"""The Packers API: scopes, list/add/change, the signature upload, and its refusals."""

import pytest

from greetings.api.tokens import create_token
from greetings.extensions import db
from greetings.models import ConsentRecord, Packer
from tests.cards.samples import make_png_bomb, make_signature_photo


def token_with(app, *scopes):
    with app.app_context():
        token = create_token("hr", list(scopes))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def writer(any_app):
    return token_with(any_app, "packers:write")


NEW = {"full_name": "Åse Nygaard", "display_name": "Åse", "badge": "B-1",
       "lines": {"da": "Pakket med omhu"}, "consent": True}


def test_scopes_decide_who_may_read_and_write(app, client):
    packer_reader = token_with(app, "packers:read")
    packing = token_with(app, "pack")
    assert client.get("/api/v1/packers", headers=packer_reader).status_code == 200
    refused = client.get("/api/v1/packers", headers=packing)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert 'scope="packers:read"' in refused.headers["WWW-Authenticate"]
    assert client.post("/api/v1/packers", json=NEW, headers=packer_reader).status_code == 403
    assert client.get("/api/v1/packers").status_code == 401
    # packers:write includes reading.
    writer = token_with(app, "packers:write")
    assert client.get("/api/v1/packers", headers=writer).status_code == 200


def test_add_list_change_on_each_database(any_app, writer):
    client = any_app.test_client()
    response = client.post("/api/v1/packers", json=NEW, headers=writer)
    assert response.status_code == 201, response.json
    packer = response.json["packer"]
    assert packer["display_name"] == "Åse" and packer["lines"] == {"da": "Pakket med omhu"}
    assert packer["consent"]["given"] and packer["consent"]["recorded_by"] == "API token hr"
    assert "badge" not in packer and packer["pin"] is False
    again = client.post("/api/v1/packers", json={**NEW, "badge": " b-1 "}, headers=writer)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    changed = client.patch(f"/api/v1/packers/{packer['id']}", headers=writer, json={
        "display_name": "Åse N.", "lines": {"da": None, "sv": "Packat med omsorg"},
        "active": False})
    assert changed.status_code == 200, changed.json
    assert changed.json["packer"]["lines"] == {"sv": "Packat med omsorg"}
    assert changed.json["packer"]["active"] is False
    listed = client.get("/api/v1/packers?active=false", headers=writer).json["packers"]
    assert [item["display_name"] for item in listed] == ["Åse N."]
    assert client.get("/api/v1/packers?active=true", headers=writer).json["packers"] == []
    assert client.patch("/api/v1/packers/999999", json={}, headers=writer).status_code == 404


@pytest.mark.parametrize("body", [
    {}, {"full_name": "x"}, {**NEW, "lines": {"fr": "Bonjour"}}, {**NEW, "full_name": 7},
    {**NEW, "display_name": "x" * 61}, {**NEW, "unknown": 1}, {**NEW, "active": "yes"},
    {**NEW, "badge": "\x00\x01"},
])
def test_invalid_bodies_are_422_naming_the_field(app, client, body):
    response = client.post("/api/v1/packers", json=body, headers=token_with(app, "packers:write"))
    assert response.status_code == 422, response.json
    assert response.json["errors"] and all("field" in error for error in response.json["errors"])
    with app.app_context():
        assert db.session.query(Packer).count() == 0


def test_signature_upload_cleans_up_and_refuses_clearly(app, client):
    writer = token_with(app, "packers:write")
    packer_id = client.post("/api/v1/packers", json=NEW, headers=writer).json["packer"]["id"]
    url = f"/api/v1/packers/{packer_id}/signature"
    response = client.put(url, data=make_signature_photo(),
                          headers={**writer, "Content-Type": "image/jpeg"})
    assert response.status_code == 200, response.json
    assert response.json["packer"]["signature"] is True
    for raw, status in ((b"GIF89a" + b"\0" * 50, 415), (make_png_bomb(49_000_000, 1), 422),
                        (b"", 422), (b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024), 413)):
        refused = client.put(url, data=raw, headers={**writer, "Content-Type": "image/png"})
        assert refused.status_code == status, (status, refused.json)
        assert refused.mimetype == "application/problem+json" and refused.json["detail"]
    with app.app_context():
        assert db.session.query(ConsentRecord).count() == 1
        assert db.session.get(Packer, packer_id).signature_png is not None

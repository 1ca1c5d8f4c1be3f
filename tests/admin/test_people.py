"""The People pages: list, search, add, edit, PIN, unlock, deactivate, offboard, signature."""

import io
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greetings.extensions import db
from greetings.models import ConsentRecord, Packer, utcnow
from greetings.people.service import badge_hash
from greetings.staff.service import create_user
from tests.cards.samples import make_png_bomb, make_signature_photo
from tests.conftest import make_app

PASSWORD = "correct horse battery"


@pytest.fixture
def console(tmp_path, sqlite_url):
    """An app (CSRF off: the forms' tokens are tested in test_access) and a manager."""
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, "manager")
        db.session.commit()
    client = app.test_client()
    response = client.post("/staff/login", data={"email": "manager@example.com",
                                                  "password": PASSWORD})
    assert response.status_code == 302
    return app, client


def add(client, **fields):
    data = {"full_name": "Åse Nygaard", "display_name": "Åse", "badge": "B-1", "pin": "",
            "active": "y", "line_da": "Pakket med omhu", **fields}
    return client.post("/admin/people/new", data=data)


def packer_of(app, display_name="Åse") -> Packer:
    with app.app_context():
        packer = db.session.query(Packer).filter_by(display_name=display_name).one()
        packer.signature_png  # noqa: B018  (a deferred column, loaded before detaching)
        db.session.expunge(packer)
        return packer


def test_add_list_search_and_edit(console):
    app, client = console
    assert "No packers yet." in client.get("/admin/people").get_data(as_text=True)
    response = add(client, pin="4321")
    packer = packer_of(app)
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/people/{packer.id}/signature")
    assert packer.full_name == "Åse Nygaard" and packer.badge_hash == badge_hash("B-1")
    assert packer.pin_hash and packer.active
    add(client, full_name="Søren Holm", display_name="Søren", badge="B-2", line_da="")
    listing = client.get("/admin/people").get_data(as_text=True)
    assert "Åse" in listing and "Søren" in listing
    found = client.get("/admin/people?q=holm").get_data(as_text=True)
    assert "Søren" in found and "Åse Nygaard" not in found
    assert f"packer-{packer.id}" in client.get("/admin/people?q=b-1").get_data(as_text=True)
    assert f"packer-{packer.id}" in client.get("/admin/people?q=Åse").get_data(as_text=True)
    edit = client.get(f"/admin/people/{packer.id}").get_data(as_text=True)
    assert 'value="Pakket med omhu"' in edit and "card.png" in edit
    response = client.post(f"/admin/people/{packer.id}", data={
        "full_name": "Åse Nygaard Lind", "display_name": "Åse L.", "badge": "",
        "line_da": "", "line_de": "Mit Sorgfalt gepackt", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        changed = db.session.get(Packer, packer.id)
        assert changed.full_name == "Åse Nygaard Lind" and changed.display_name == "Åse L."
        assert {line.language: line.text for line in changed.lines} == {
            "de": "Mit Sorgfalt gepackt"}
        assert changed.badge_hash == badge_hash("B-1")


def test_a_taken_badge_and_empty_names_are_said_on_the_form(console):
    app, client = console
    add(client)
    response = add(client, full_name="Other", display_name="Other")
    assert response.status_code == 422
    assert "Another packer has this badge." in response.get_data(as_text=True)
    response = add(client, full_name=" ", display_name="", badge="B-3", pin="12")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the packer's full name." in page and "A PIN is 4 to 8 digits." in page
    with app.app_context():
        assert db.session.query(Packer).count() == 1


def test_pin_unlock_deactivate_and_offboard(console):
    app, client = console
    add(client)
    packer = packer_of(app)
    with app.app_context():
        stored = db.session.get(Packer, packer.id)
        stored.failed_sign_ins, stored.locked_until = 5, utcnow() + timedelta(minutes=5)
        db.session.commit()
    assert "Locked" in client.get(f"/admin/people/{packer.id}").get_data(as_text=True)
    client.post(f"/admin/people/{packer.id}/unlock")
    assert packer_of(app).locked_until is None and packer_of(app).failed_sign_ins == 0
    client.post(f"/admin/people/{packer.id}/pin", data={"pin": "abc"})
    assert packer_of(app).pin_hash is None
    client.post(f"/admin/people/{packer.id}/pin", data={"pin": "908172"})
    assert packer_of(app).pin_hash is not None
    client.post(f"/admin/people/{packer.id}/active", data={"active": "0"})
    assert packer_of(app).active is False
    assert "packer-" not in client.get("/admin/people").get_data(as_text=True)
    assert f"packer-{packer.id}" in client.get("/admin/people?show=inactive").get_data(as_text=True)
    client.post(f"/admin/people/{packer.id}/offboard")
    gone = packer_of(app)
    assert gone.offboarded_at and gone.full_name is None and gone.badge_hash is None
    assert gone.display_name == "Åse"
    page = client.get(f"/admin/people/{packer.id}").get_data(as_text=True)
    assert "Offboarded on" in page
    assert client.get(f"/admin/people/{packer.id}/signature").status_code == 409


def preview(client, packer_id, raw, field="upload", name="signature.jpg"):
    return client.post(f"/admin/people/{packer_id}/signature/preview",
                       data={field: (io.BytesIO(raw), name)},
                       content_type="multipart/form-data")


def test_upload_preview_save_and_consent(console):
    app, client = console
    add(client)
    packer = packer_of(app)
    response = preview(client, packer.id, make_signature_photo())
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'id="preview-a6" src="data:image/png;base64,' in page
    assert 'id="preview-thermal" src="data:image/png;base64,' in page
    assert not packer_of(app).signature_consent
    token = re.search(r'name="preview" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/people/{packer.id}/signature",
                           data={"preview": token, "consent": "y"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Packer, packer.id)
        assert saved.signature_png and saved.signature_1bit and saved.signature_consent
        record = db.session.query(ConsentRecord).one()
        assert record.given and record.recorded_by == "manager@example.com"
    page = client.get(f"/admin/people/{packer.id}/signature").get_data(as_text=True)
    assert "manager@example.com" in page
    card = client.get(f"/admin/people/{packer.id}/card.png")
    assert card.status_code == 200 and card.data.startswith(b"\x89PNG")
    client.post(f"/admin/people/{packer.id}/consent", data={"given": "0"})
    assert packer_of(app).signature_consent is False
    # A preview token is for its packer only, and a forged one is refused.
    add(client, full_name="Other", display_name="Other", badge="B-9")
    other = packer_of(app, "Other")
    client.post(f"/admin/people/{other.id}/signature", data={"preview": token})
    client.post(f"/admin/people/{other.id}/signature", data={"preview": "forged"})
    with app.app_context():
        assert db.session.get(Packer, other.id).signature_png is None


@pytest.mark.parametrize("raw, words", [
    (b"", "Draw the signature above, or choose a file to upload."),
    (b"GIF89a" + b"\0" * 100, "not a PNG or JPEG"),
    (b"%PDF-1.7\n" + b"x" * 100, "not a PNG or JPEG"),
    (make_png_bomb(49_000_000, 1), "too long and thin"),
    (make_png_bomb(20_000, 20_000, depth=1), "too many pixels"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "damaged or incomplete"),
    (b"\xff\xd8\xff" + b"\0" * 64, "damaged or incomplete"),
])
def test_refused_uploads_get_a_clear_message(console, raw, words):
    app, client = console
    add(client)
    packer = packer_of(app)
    response = preview(client, packer.id, raw)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert packer_of(app).signature_png is None


def test_an_upload_over_ten_megabytes_is_refused_in_words(console):
    app, client = console
    add(client)
    packer = packer_of(app)
    response = preview(client, packer.id, b"\xff\xd8\xff" + b"\0" * (12 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 10 MB" in response.get_data(as_text=True)


def test_the_upload_route_takes_more_than_the_app_wide_limit(console):
    # 3 MB is over the app-wide 1 MiB but within the signature route's 10 MB.
    app, client = console
    add(client)
    packer = packer_of(app)
    raw = make_signature_photo() + b"\0" * (3 * 1024 * 1024)
    assert preview(client, packer.id, raw).status_code in (200, 422)
    big = client.post("/admin/people/new", data={"full_name": "x" * (2 * 1024 * 1024)})
    assert big.status_code == 413


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2048) | st.builds(
    lambda head, tail: head + tail,
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]), st.binary(max_size=2048)))
def test_fuzzed_uploads_never_fail_the_server(console, raw):
    app, client = console
    with app.app_context():
        packer = db.session.query(Packer).first()
        if packer is None:
            add(client)
            packer = db.session.query(Packer).first()
        packer_id = packer.id
    response = preview(client, packer_id, raw)
    assert response.status_code in (200, 413, 415, 422)

"""The Greetings pages: list, editor with variables, live preview, refusal of bad texts."""
# ruff: noqa: F811 (pytest fixtures imported from tests/admin/console_support.py)

import io

from PIL import Image

from greetings.extensions import db
from greetings.models import GreetingText
from tests.admin.console_support import admin, console_app, manager  # noqa: F401
from tests.cards.test_greetings import AASE_BOMB, NESTED


def _png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(data))


def test_the_list_shows_every_language(manager):
    page = manager.get("/admin/greetings").get_data(as_text=True)
    for language in ("da", "en", "de", "sv", "nb"):
        assert f'id="greeting-{language}"' in page
    assert "Default text" in page


def test_the_editor_lists_the_variables_and_previews_the_card(manager):
    page = manager.get("/admin/greetings/da").get_data(as_text=True)
    for name in ("first_name", "packer", "brand", "order_number", "item_count"):
        assert "{{ " + name + " }}" in page
    assert 'src="/admin/greetings/da/preview.png' in page
    image = _png(manager.get("/admin/greetings/da/preview.png").data)
    assert image.width > 300 and image.height > image.width   # an A6 portrait card


def test_a_draft_previews_without_being_saved(console_app, manager):
    response = manager.post("/admin/greetings/en", data={
        "template": "Hello {{ first_name }}, from {{ packer }}!", "action": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'src="data:image/png;base64,' in page
    with console_app.app_context():
        assert db.session.scalars(db.select(GreetingText)).all() == []
    live = manager.post("/admin/greetings/en/try", data={"template": "Hi {{ packer }}"})
    assert live.status_code == 200 and live.json["image"].startswith("data:image/png")


def test_saving_stores_the_text_and_the_cards_carry_it(console_app, manager):
    response = manager.post("/admin/greetings/sv", data={
        "template": "Hej {{ first_name or 'du' }}! Packat av {{ packer }}.", "action": "save"},
        follow_redirects=True)
    assert response.status_code == 200 and "saved" in response.get_data(as_text=True)
    with console_app.app_context():
        stored = db.session.scalars(db.select(GreetingText)).one()
        assert stored.language == "sv" and stored.template.startswith("Hej")
    assert "Your own text" in manager.get("/admin/greetings").get_data(as_text=True)
    manager.post("/admin/greetings/sv/reset")
    with console_app.app_context():
        assert db.session.scalars(db.select(GreetingText)).all() == []


def test_a_text_that_fails_or_runs_long_for_some_order_is_refused(console_app, manager):
    for bad in (AASE_BOMB, NESTED, "{{ 1 / (item_count - 3) }}", "{{ email }}", "{% if %}"):
        response = manager.post("/admin/greetings/de", data={"template": bad,
                                                             "action": "save"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert "was not saved" in page and 'id="problems"' in page
    live = manager.post("/admin/greetings/de/try", data={"template": AASE_BOMB})
    assert live.status_code == 422 and "range()" in " ".join(live.json["problems"])
    with console_app.app_context():
        assert db.session.scalars(db.select(GreetingText)).all() == []


def test_an_unknown_language_is_404(manager):
    assert manager.get("/admin/greetings/xx").status_code == 404
    assert manager.get("/admin/greetings/xx/preview.png").status_code == 404


def test_the_pages_speak_the_managers_language(manager):
    page = manager.get("/admin/greetings/da?lang=de").get_data(as_text=True)
    assert "Vorschau" in page

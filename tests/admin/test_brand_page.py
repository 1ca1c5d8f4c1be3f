"""The Brand page: settings in the database over the configuration, on every app server."""
# ruff: noqa: F811 (pytest fixtures imported from tests/admin/console_support.py)

import io
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from greetings.cards.brand import current_brand
from tests.admin.console_support import PASSWORD, admin, console_app, manager, sign_in  # noqa: F401
from tests.cards.samples import make_logo, make_png_bomb
from tests.conftest import make_app, serve


def _form(**values):
    base = {"name": "", "accent": "", "theme": "classic", "review_url": ""}
    return {**base, **values}


def test_saved_settings_win_over_the_configuration_and_reach_the_pages(console_app, manager):
    response = manager.post("/admin/brand", data=_form(
        name="Nordlys Kaffe", accent="#C05", review_url="https://reviews.example/nordlys"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with console_app.test_request_context():
        brand = current_brand()
        assert (brand.name, brand.accent, brand.review_url) == (
            "Nordlys Kaffe", "#cc0055", "https://reviews.example/nordlys")
    page = manager.get("/admin/brand").get_data(as_text=True)
    assert 'value="Nordlys Kaffe"' in page
    assert "--brand:#cc0055" in manager.get("/brand.css").get_data(as_text=True)
    # Emptied fields go back to the configuration's defaults.
    manager.post("/admin/brand", data=_form())
    with console_app.test_request_context():
        assert current_brand().name == console_app.config["BRAND_NAME"]


@pytest.mark.parametrize("field, value", [
    ("accent", "red; } body { x: y"), ("review_url", "javascript:alert(1)"),
    ("review_url", "http://reviews.example/"), ("name", "N" * 81), ("theme", "gothic")])
def test_bad_values_are_refused_on_their_field(console_app, manager, field, value):
    response = manager.post("/admin/brand", data=_form(**{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with console_app.test_request_context():
        assert current_brand().from_console == frozenset()


def test_a_logo_upload_reaches_the_card_preview_and_the_pages(console_app, manager):
    before = manager.get("/admin/brand/preview.png").data
    logo = make_logo()
    response = manager.post("/admin/brand", data=_form(logo=(io.BytesIO(logo), "logo.png")),
                            content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with console_app.test_request_context():
        assert current_brand().logo_sha256
    after = manager.get("/admin/brand/preview.png").data
    assert after != before and Image.open(io.BytesIO(after)).width > 300
    page = manager.get("/admin/brand").get_data(as_text=True)
    assert 'src="/brand/logo.png?v=' in page
    assert manager.get("/brand/logo.png").mimetype == "image/png"
    manager.post("/admin/brand", data=_form(remove_logo="y"))
    with console_app.test_request_context():
        assert current_brand().logo_sha256 is None


def test_a_large_photo_logo_passes_the_app_wide_body_limit(console_app, manager):
    photo = io.BytesIO()
    Image.effect_noise((1800, 1200), 80).convert("RGB").save(photo, "JPEG", quality=98)
    assert photo.tell() > console_app.config["MAX_CONTENT_LENGTH"]   # over 1 MiB
    photo.seek(0)
    response = manager.post("/admin/brand", data=_form(logo=(photo, "photo.jpg")),
                            content_type="multipart/form-data")
    assert response.status_code == 302


@pytest.mark.parametrize("name, raw", [
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>"),
    ("strip.png", make_png_bomb(1, 49_000_000)),
    ("empty.png", b""),
    ("fake.png", b"\x89PNG\r\n\x1a\nnot really"),
])
def test_hostile_logos_get_a_clear_message(console_app, manager, name, raw):
    response = manager.post("/admin/brand", data=_form(logo=(io.BytesIO(raw), name)),
                            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="logo-error"' in page
    with console_app.test_request_context():
        assert current_brand().logo_sha256 is None


def test_managers_change_the_brand_and_every_app_server_shows_it_at_once(tmp_path, sqlite_url):
    """Two app instances on one database: a change on one shows on the other's next request."""
    first = make_app(tmp_path / "a", sqlite_url, WTF_CSRF_ENABLED=False)
    second = make_app(tmp_path / "b", sqlite_url, WTF_CSRF_ENABLED=False)
    try:
        client = sign_in(first, "manager@example.com", "manager")
        other = second.test_client()
        assert "Greetings" in other.get("/staff/login").get_data(as_text=True)
        other.get("/brand.css")   # warm whatever the second server might keep
        client.post("/admin/brand", data=_form(name="Kaffebutikken", accent="#123456"))
        assert "Kaffebutikken" in other.get("/staff/login").get_data(as_text=True)
        assert "--brand:#123456" in other.get("/brand.css").get_data(as_text=True)
        client.post("/admin/brand", data=_form(name="Teehaus"))
        assert "Teehaus" in other.get("/staff/login").get_data(as_text=True)
    finally:
        for app in (first, second):
            list(serve(app))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600), st.text(max_size=12), st.text(max_size=600))
def test_any_brand_text_is_cleaned_or_refused_clearly(name, accent, review_url):
    from greetings.cards.brand import BrandRefused, clean_accent, clean_name, clean_review_url

    for clean, value in ((clean_name, name), (clean_accent, accent),
                         (clean_review_url, review_url)):
        try:
            cleaned = clean(value)
        except BrandRefused as refused:
            assert refused.errors and refused.errors[0]["field"]
        else:
            # One line without control characters (what a page or a card can show).
            assert cleaned is None or not any(
                unicodedata.category(char) == "Cc" for char in cleaned)

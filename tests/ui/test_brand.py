"""The brand's accent reaches every page through /brand.css, readable whatever colour it is."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greetings.ui import SURFACES, brand_palette, contrast
from tests.conftest import make_app


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
def test_every_accent_gets_readable_shades(accent):
    palette = brand_palette(accent)
    assert palette["--brand"] == accent
    for surface in SURFACES:
        assert contrast(palette["--brand-strong"], surface) >= 4.5
    assert contrast(palette["--brand-ink"], accent) >= 4.5
    assert contrast(palette["--brand-button"], palette["--brand-button-ink"]) >= 4.5


def test_brand_css_follows_the_configuration_and_caches_by_content(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, BRAND_ACCENT="#ffcc00", BRAND_NAME="Kaffebutikken")
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    assert "Kaffebutikken" in page
    href = re.search(r'<link rel="stylesheet" href="(/brand\.css\?v=\w+)">', page).group(1)
    response = client.get(href)
    assert response.mimetype == "text/css"
    assert "--brand:#ffcc00" in response.get_data(as_text=True)
    assert "immutable" in response.headers["Cache-Control"]
    assert "immutable" not in client.get("/brand.css").headers["Cache-Control"]
    assert client.get(href, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("accent", ["red", "#12345", "#12345g;}body{x:y", None])
def test_a_bad_accent_falls_back_to_the_default(tmp_path, sqlite_url, accent):
    app = make_app(tmp_path, sqlite_url, BRAND_ACCENT=accent)
    css = app.test_client().get("/brand.css").get_data(as_text=True)
    assert css.startswith(":root{--brand:#0b57a4;") and "body" not in css


def test_pages_carry_no_inline_style_or_script(client):
    # The CSP forbids both; the brand arrives as a stylesheet instead.
    for path in ("/", "/staff/login", "/station/", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path

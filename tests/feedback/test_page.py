"""The feedback page: language, names, the upper-case URL, the signature, and nothing more."""

import re

import pytest

from greetings.extensions import db
from greetings.models import Packer
from tests.feedback.conftest import make_shipment


def test_page_greets_in_the_orders_language(client, shipment):
    response = client.get(f"/f/{shipment['token']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Hej Søren!" in html
    assert "<strong>Åse</strong>" in html
    assert "Hvordan gjorde vi det?" in html
    for n in range(1, 6):
        assert f'<input type="radio" name="rating" id="rating-{n}" value="{n}" required>' in html
        assert f'<label for="rating-{n}">' in html
    assert 'maxlength="1000"' in html and '<label for="comment">' in html
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("lang, hello", [("en", "Hello Søren!"), ("de", "Hallo Søren!"),
                                         ("sv", "Hej Søren!"), ("nb", "Hei Søren!"),
                                         ("xx", "Hej Søren!")])
def test_language_switch(client, shipment, lang, hello):
    html = client.get(f"/f/{shipment['token']}?lang={lang}").get_data(as_text=True)
    assert hello in html
    assert f'action="/f/{shipment["token"]}?lang=' in html
    for code in ("da", "en", "de", "sv", "nb"):
        assert f'href="/f/{shipment["token"]}?lang={code}"' in html


@pytest.mark.parametrize("language, expected", [("nb-NO", "Hei"), ("no", "Hei"), ("fr-FR", "Hello"),
                                                ("de_AT", "Hallo")])
def test_order_language_maps_to_ours_with_english_fallback(app, client, language, expected):
    token, _, _ = make_shipment(app, language=language)
    assert f"{expected} Søren!" in client.get(f"/f/{token}").get_data(as_text=True)


def test_neutral_greeting_without_a_first_name(app, client):
    token, _, _ = make_shipment(app, first_name=None, language="en")
    html = client.get(f"/f/{token}").get_data(as_text=True)
    assert "<h1>Hello!</h1>" in html


def test_upper_case_url_and_lower_case_token_answer(client, shipment):
    token = shipment["token"]
    assert client.get(f"/F/{token}").status_code == 200
    assert client.get(f"/f/{token.lower()}").status_code == 200
    assert client.get(f"/F/{token.lower()}").status_code == 200


@pytest.mark.parametrize("path", ["/f/AAAAAAAAAAAAAAAAAAAAAAAAAA", "/F/AAAAAAAAAAAAAAAAAAAAAAAAAA",
                                  "/f/short", "/f/" + "A" * 27, "/f/AAAAAAAAAAAAAAAAAAAAAAAAA1",
                                  "/f/%00", "/f/AAAAAAAAAAAAAAAAAAAAAAAAAA/thanks",
                                  "/f/AAAAAAAAAAAAAAAAAAAAAAAAAA/signature.png"])
def test_unknown_token_is_a_404_that_reveals_nothing(client, shipment, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    for secret in ("Søren", "Åse", shipment["number"], "AAAAAAAAAA", "short"):
        assert secret not in html
    # Same page whatever was asked: nothing to tell a real token's shape from a wrong one.
    assert html == client.get("/f/BBBBBBBBBBBBBBBBBBBBBBBBBB").get_data(as_text=True)


def test_page_shows_nothing_else_of_the_order(client, shipment):
    html = client.get(f"/f/{shipment['token']}").get_data(as_text=True)
    # The random token in the page's own links may hold "DK" or the order's digits.
    html = html.replace(shipment["token"], "")
    for private in ("Lærkegård", "Nygaard", shipment["number"], "DK", "@"):
        assert private not in html


def test_security_headers_and_no_third_parties(client, shipment):
    response = client.get(f"/f/{shipment['token']}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    assert "<style" not in html and " style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=\"/static/)", html) == []
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []


def test_signature_only_with_consent(app, client):
    token, packer_id, _ = make_shipment(app, consent=True)
    html = client.get(f"/f/{token}").get_data(as_text=True)
    assert f'src="/f/{token}/signature.png"' in html
    assert 'width="300" height="90"' in html and 'alt="Åses underskrift"' in html
    assert "data:image" not in html
    image = client.get(f"/f/{token}/signature.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert client.get(f"/f/{token}/signature.png",
                      headers={"If-None-Match": image.headers["ETag"]}).status_code == 304
    with app.app_context():
        db.session.get(Packer, packer_id).signature_consent = False
        db.session.commit()
    assert "signature.png" not in client.get(f"/f/{token}").get_data(as_text=True)
    assert client.get(f"/f/{token}/signature.png").status_code == 404


def test_no_signature_without_consent(client, shipment):
    html = client.get(f"/f/{shipment['token']}").get_data(as_text=True)
    assert "<img" not in html
    assert client.get(f"/f/{shipment['token']}/signature.png").status_code == 404

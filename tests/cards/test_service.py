"""The card's words come from the gettext catalogs, resolved by Flask-Babel in the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from greetings.cards.service import card_words, words_from
from tests.cards.samples import words
from tests.support.pdf import flat, page_text
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers

TRANSLATIONS = Path(__file__).resolve().parents[2] / "greetings" / "translations"
LANGS = ["da", "de", "nb", "sv"]


def _card_msgids() -> list[tuple[str, str]]:
    """(context, msgid) of every word a card prints, as the service asks for them."""
    asked = []

    def pgettext(context: str, message: str) -> str:
        asked.append((context, message))
        return message

    words_from(pgettext)
    return asked


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)s", text))


@pytest.mark.parametrize("lang", LANGS)
def test_every_card_word_is_translated_in_the_catalog(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for context, msgid in _card_msgids():
        entry = catalog.get(msgid, context=context)
        assert entry is not None, f"{lang}: {msgid!r} missing"
        assert entry.string and not entry.fuzzy, f"{lang}: {msgid!r} untranslated"
        assert _placeholders(entry.string) == _placeholders(msgid)


def test_flask_babel_gives_the_catalogs_words_whatever_the_request_locale(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        for lang in ["en", *LANGS]:
            assert card_words(lang) == words(lang)
        assert card_words("da").salutation == "Kære %(name)s,"
        assert card_words("sv").quote == "”%(line)s”"
        assert card_words("en").caption == "Tell %(packer)s how we did"
    app.extensions.pop("greetings.card_words")  # look up again, now without a request
    with app.app_context():                     # (the CLI renders so)
        assert card_words("nb").signoff == "Pakket av %(packer)s"
        assert card_words("nb-NO") is card_words("nb")  # kept per card language


def _pack_danish_order(client, runner, number: str) -> tuple[dict, bytes]:
    """Set up a shop, Åse and a token through the CLI, pack Søren's Danish order through the
    API; return the shipment as the API gave it and its card's PDF."""

    def cli(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output.strip()

    cli("integration", "add", "erp", "--kind", "standard", "--secret", STANDARD_SECRET)
    cli("packer", "add", "Åse Marie Nygaard", "--display-name", "Åse", "--badge", "B-001")
    token = cli("token", "add", "warehouse").split()[-1]
    body = generic_body(number, customer={"first_name": "Søren", "locale": "da-DK"})
    assert client.post("/webhooks/erp", data=body,
                       headers=standard_headers(body)).status_code == 200
    auth = {"Authorization": f"Bearer {token}"}
    packed = client.post("/api/v1/pack", json={"order": number, "badge": "B-001"}, headers=auth)
    assert packed.status_code == 200, packed.json
    shipment = packed.json["shipment"]
    url = shipment["insert_url"].removeprefix("https://greet.test")
    return shipment, client.get(url, headers=auth).data


def test_a_packed_danish_order_prints_the_danish_words(app, client, runner):
    _, pdf = _pack_danish_order(client, runner, "1042")
    text = flat(page_text(pdf))
    for expected in ("Kære Søren,", "Fortæl Åse, hvad du synes →", "Pakket af Åse"):
        assert flat(expected) in text


def test_the_card_takes_theme_accent_and_short_address_from_the_settings(app, client, runner):
    from greetings.cards.tokens import normalise
    from tests.cards.test_render import _content

    app.config.update(CARD_THEME="minimal", BRAND_ACCENT="#1f6f5c", BRAND_NAME="Nordlys")
    shipment, pdf = _pack_danish_order(client, runner, "1043")
    feedback = shipment["feedback_url"]
    text = flat(page_text(pdf))
    # The short address: no scheme, the token in groups, typed back to the same token.
    printed = re.search(r"greet\.test/f/([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})+)", text)
    assert printed and "https://" not in text
    assert normalise(printed.group(1)) == feedback.rsplit("/", 1)[1].upper()
    assert "0.122 0.435 0.361 rg" in _content(pdf)        # the brand's accent on its name
    assert b"DejaVuSans-Bold" in pdf                      # the minimal theme's face

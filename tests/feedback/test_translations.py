"""The catalogs: every string of the feedback, admin and error pages translated, intact."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from greetings.extensions import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["da", "de", "sv", "nb"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
# The parts of the tree whose strings this work owns: they must all be translated.
OWNED = [("greetings/feedback", "python", "**.py"), ("greetings/admin", "python", "**.py"),
         ("templates/feedback", "jinja2", "**.html"), ("templates/admin", "jinja2", "**.html"),
         ("templates/errors", "jinja2", "**.html")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def catalog(lang):
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=lang)


def owned_msgids():
    found = set()
    for folder, method, pattern in OWNED:
        for _, _, message, _, _ in extract_from_dir(
                ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_owned_string_is_translated(lang):
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(lang) if m.id}
    missing = [msgid for msgid in owned_msgids()
               if msgid not in messages or not all(_strings(messages[msgid]))
               or messages[msgid].fuzzy]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang):
    for message in catalog(lang):
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(_ids(message)[-1]))
        for text in _strings(message):
            if text:
                assert set(PLACEHOLDER.findall(text)) <= wanted | {"%(num)d"}, message.id
                assert set(PLACEHOLDER.findall(text)) >= wanted - {"%(num)d"}, message.id


def _ids(message):
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _strings(message):
    return [message.string] if isinstance(message.string, str) else list(message.string)

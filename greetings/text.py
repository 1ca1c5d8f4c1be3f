"""Languages and text clean-up: the one place that knows both.

Pure (standard library only), so the card renderer, the intake, the station and the
feedback page all use the same rules: which languages a card speaks, how a locale maps
onto one of them, and what outside text loses before it is stored or drawn.
"""

import re
import unicodedata

# The languages cards, pages and greeting texts exist in; English is the fallback.
LANGUAGES = ("en", "da", "de", "sv", "nb")
FALLBACK_LANGUAGE = "en"

# C0 controls (tab and newline are handled apart), DEL, C1 controls, the soft hyphen (an
# invisible hint that some fonts draw as "-"), line/paragraph separators and the BOM.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u2028\u2029\ufeff]")
_PRIMARY_SUBTAG = re.compile(r"[a-z]{2,3}")


def language_tag(value: str | None) -> str | None:
    """Reduce a locale (`da-DK`, `de_AT`, `no`) to its language, or None if it names none.

    Norwegian arrives as `no`, `nb` or `nn`; our texts are in Bokmål.
    """
    if not value or not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if not _PRIMARY_SUBTAG.fullmatch(primary):
        return None
    return "nb" if primary in {"no", "nn"} else primary


def card_language(value: str | None) -> str:
    """Return the language of LANGUAGES a card for this locale is written in."""
    tag = language_tag(value)
    return tag if tag in LANGUAGES else FALLBACK_LANGUAGE


def drop_surrogates(text: str) -> str:
    """Remove lone surrogates, which no encoder or database accepts."""
    return "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)


def clean_line(text: str | None) -> str:
    """Return one line of outside text as it should be stored or drawn.

    NFC-normalised; control characters, soft hyphens and lone surrogates removed; tabs
    and line breaks become spaces; runs of spaces collapse; trimmed.
    """
    text = drop_surrogates(unicodedata.normalize("NFC", text or ""))
    text = _INVISIBLE.sub("", text.replace("\t", " ").replace("\r", " ").replace("\n", " "))
    return re.sub(" {2,}", " ", text).strip()


def clean_paragraphs(text: str | None) -> str:
    """Return text a person typed (a comment, a greeting) with its line breaks kept.

    As `clean_line`, but `\\r\\n` and `\\r` become `\\n` and newlines stay; tabs become spaces.
    """
    text = drop_surrogates(unicodedata.normalize("NFC", text or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _INVISIBLE.sub("", text).strip()


def is_printable_code(text: str) -> bool:
    """Tell whether a scanned or sent code (barcode, badge, id) holds only printable text."""
    return text.isprintable() and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)

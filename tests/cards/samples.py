"""Sample inputs made on the fly: a phone photo of a signature, a logo, a CardData factory."""

from __future__ import annotations

import datetime
import io
import random
from pathlib import Path

import jinja2
from babel.support import Translations
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from greetings.cards.renderer import CardData, CardWords, prepare_signature
from greetings.cards.service import words_from
from greetings.text import card_language

FONTS = Path(__file__).resolve().parents[2] / "fonts"
BASE_URL = "HTTPS://GREET.EXAMPLE.COM/F/"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "cards"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "greetings" / "translations"


def words(lang: str) -> CardWords:
    """The card's words in a language, from the app's compiled catalogs (no app needed).

    The same msgids as the app (cards.service.words_from), read with Babel directly
    from the .mo files `make install` compiles; English is the msgids themselves.
    """
    code = card_language(lang)
    if code != "en" and not (TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo").is_file():
        raise RuntimeError("compile the catalogs first: make install (pybabel compile)")
    return words_from(Translations.load(str(TRANSLATIONS), [code]).pgettext)


def greeting(lang: str, packer: str = "Åse", brand: str = "Nordlys Kaffe", items: int = 3,
             order: str = "#1043", first_name: str | None = "Søren") -> str:
    """Render the default greeting template of a language, as the app would."""
    # Plain-text templates drawn as text on the card, never HTML: escaping would print "&amp;".
    loader = jinja2.FileSystemLoader(str(TEMPLATES))
    env = jinja2.Environment(loader=loader, autoescape=False)  # noqa: S701
    name = lang if (TEMPLATES / f"{lang}.txt.j2").is_file() else "en"
    return env.get_template(f"{name}.txt.j2").render(
        first_name=first_name, packer=packer, brand=brand, order_number=order, item_count=items)


def make_signature_photo(text: str = "Åse Lind", rotate_exif: bool = False,
                         seed: int = 7) -> bytes:
    """Return a JPEG that looks like a phone photo of a signature on paper."""
    rnd = random.Random(seed)
    w, h = 1800, 800
    paper = Image.linear_gradient("L").resize((w, h)).point(lambda v: 236 - v // 12)
    photo = Image.merge("RGB", (paper, paper, paper.point(lambda v: v - 8)))
    draw = ImageDraw.Draw(photo)
    font = ImageFont.truetype(str(FONTS / "Kristi.ttf"), 300)
    draw.text((160, 120), text, font=font, fill=(28, 36, 92), stroke_width=3,
              stroke_fill=(28, 36, 92))
    photo = photo.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.effect_noise((w, h), 10).convert("RGB")
    photo = Image.blend(photo, noise, 0.05)
    out = io.BytesIO()
    if rotate_exif:
        # Stored turned a quarter to the left; EXIF orientation 6 says "rotate 90 cw to view".
        photo = photo.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = 6
        photo.save(out, "JPEG", quality=85, exif=exif)
    else:
        photo.save(out, "JPEG", quality=85 - rnd.randint(0, 5))
    return out.getvalue()


def make_logo(name: str = "Nordlys Kaffe") -> bytes:
    """Return a small RGBA PNG logo: an emblem with aurora waves and a wordmark."""
    w, h = 640, 160
    logo = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    teal, gold = (22, 78, 86, 255), (201, 152, 64, 255)
    draw.ellipse((8, 8, 152, 152), fill=teal)
    for i, y in enumerate((62, 84, 106)):
        draw.arc((28, y - 40, 132, y + 40), 200, 340, fill=gold if i == 1 else (230, 240, 236, 255),
                 width=7)
    font = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 62)
    draw.text((178, 44), name, font=font, fill=teal, stroke_width=1, stroke_fill=teal)
    return _png(logo.crop(logo.getbbox()))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


_SIGNATURES: dict[str, tuple[bytes, bytes]] = {}


def signature(text: str = "Åse Lind") -> tuple[bytes, bytes]:
    """Return the prepared (PNG, 1-bit PNG) of a sample signature, made once per text."""
    if text not in _SIGNATURES:
        _SIGNATURES[text] = prepare_signature(make_signature_photo(text))
    return _SIGNATURES[text]


def make_card(**overrides) -> CardData:
    """Build a CardData for tests and previews; keyword arguments override fields.

    The words are the card language's, from the catalogs, as the app would give them.
    """
    lang = overrides.get("language", "da")
    brand = overrides.get("brand_name", "Nordlys Kaffe")
    sig, sig1 = signature(overrides.pop("signer", "Åse Lind"))
    fields = dict(
        brand_name=brand, logo=make_logo(brand), first_name="Søren", language=lang,
        greeting_text=greeting(lang, brand=brand), words=words(lang),
        packer_display_name="Åse",
        packer_line="Jeg har pakket kaffen ekstra godt ind, så den holder sig frisk.",
        signature_png=sig, signature_1bit=sig1, date=datetime.date(2026, 3, 14),
        feedback_url=BASE_URL + "MZXW6YTBOI4DKNRXGQ2TEMZQGA",
    )
    fields.update(overrides)
    return CardData(**fields)

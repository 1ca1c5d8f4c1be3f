"""Sample inputs made on the fly: a phone photo of a signature, a logo, a CardData factory."""

from __future__ import annotations

import datetime
import io
import random
import struct
import zlib
from pathlib import Path

import jinja2
from babel.support import Translations
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

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


PEN = (25, 35, 95)
PENCIL = (150, 148, 142)    # graphite: some 80 levels darker than the paper, and grainy


def make_paper_photo(text: str = "Åse Lind", *, angle: float = 12.0, table: str = "wood",
                     shadow: bool = True, lined: bool = False, pencil: bool = False,
                     whole_sheet: bool = False, exif_rotated: bool = False,
                     underline: bool = False, size: tuple[int, int] = (1600, 1200),
                     seed: int = 7) -> bytes:
    """Return a JPEG like a phone photo of a signed sheet lying askew on a table.

    angle: the sheet's rotation in the frame (the signature turns with it); table:
    "wood" (dark, grained), "grey" or "white" (a light desk: the sheet's edge is faint);
    shadow: a gradient across the frame and the soft
    shadow of the phone over part of the signature; lined: blue rules and a red margin;
    pencil: a faint grainy stroke instead of a pen; whole_sheet: all four edges of the
    sheet are in the frame (else it runs off two sides); exif_rotated: stored a quarter
    turn off with EXIF orientation 6, as phones do.
    """
    rnd = random.Random(seed)
    w, h = size
    photo = _table(size, table, rnd)
    sheet = _sheet(text, (int(w * (0.78 if whole_sheet else 1.08)),
                          int(h * (0.74 if whole_sheet else 0.98))), lined, pencil, rnd,
                   underline=underline)
    sheet = sheet.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    at = ((w - sheet.width) // 2 + rnd.randint(-w // 40, w // 40),
          (h - sheet.height) // 2 + rnd.randint(-h // 40, h // 40))
    # The sheet lifts a little off the table: a soft dark rim on the table around it.
    rim = sheet.getchannel("A").filter(ImageFilter.GaussianBlur(w / 150))
    photo.paste((20, 16, 12), (at[0] + w // 300, at[1] + w // 200), rim.point(lambda v: v // 3))
    photo.paste(sheet, at, sheet)
    if shadow:
        photo = _shadows(photo, rnd)
    photo = photo.filter(ImageFilter.GaussianBlur(w / 2000))
    photo = Image.blend(photo, Image.effect_noise(size, 40).convert("RGB"), 0.04)
    out = io.BytesIO()
    if exif_rotated:
        exif = Image.Exif()
        exif[0x0112] = 6       # "rotate 90 degrees clockwise to view"
        photo.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=88, exif=exif)
    else:
        photo.save(out, "JPEG", quality=88)
    return out.getvalue()


def make_signature_scan(text: str = "Åse Lind", *, angle: float = 0.0, pencil: bool = False,
                        underline: bool = False, ink: tuple[int, int, int] = PEN,
                        size: tuple[int, int] = (1600, 1200)) -> bytes:
    """Return a PNG like a flatbed scan of the same signature: white paper, even light."""
    sheet = _sheet(text, size, lined=False, pencil=pencil, rnd=random.Random(1), paper=255,
                   underline=underline, ink=ink)
    sheet = sheet.rotate(angle, Image.Resampling.BICUBIC, fillcolor=(255, 255, 255, 255))
    return _png(sheet.convert("RGB"))


def _table(size: tuple[int, int], kind: str, rnd: random.Random) -> Image.Image:
    """A wooden table (long dark grain), or a grey or white one (fine mottling)."""
    w, h = size
    if kind == "wood":
        grain = Image.effect_noise((max(8, w // 16), max(8, h // 2)), 60)
        grain = grain.resize((w, h), Image.Resampling.BICUBIC).rotate(90 + rnd.uniform(-3, 3))
        return ImageOps.colorize(grain, (70, 42, 22), (150, 100, 58))
    mottle = Image.effect_noise((max(8, w // 8), max(8, h // 8)), 30)
    low, high = ((92, 94, 98), (140, 142, 146)) if kind == "grey" else ((196, 196, 190),
                                                                         (214, 214, 208))
    return ImageOps.colorize(mottle.resize((w, h), Image.Resampling.BICUBIC), low, high)


def _sheet(text: str, size: tuple[int, int], lined: bool, pencil: bool, rnd: random.Random,
           paper: int = 238, underline: bool = False, ink: tuple[int, int, int] = PEN
           ) -> Image.Image:
    """An RGBA sheet of paper with the signature across its middle (on a rule if lined)."""
    w, h = size
    sheet = Image.new("RGBA", size, (paper, paper - 2, paper - 8, 255))
    draw = ImageDraw.Draw(sheet)
    pitch = h // 16
    if lined:
        for y in range(pitch * 2, h, pitch):
            draw.line((0, y, w, y), fill=(150, 178, 222, 255), width=max(2, w // 900))
        draw.line((w // 9, 0, w // 9, h), fill=(226, 140, 140, 255), width=max(2, w // 900))
    font = ImageFont.truetype(str(FONTS / "Kristi.ttf"), int(w * 0.16))
    box = draw.textbbox((0, 0), text, font=font)
    if box[2] - box[0] > w * 0.6:   # a long name is written smaller, as people do
        font = font.font_variant(size=int(w * 0.16 * w * 0.6 / (box[2] - box[0])))
        box = draw.textbbox((0, 0), text, font=font)
    x = (w - (box[2] - box[0])) // 2 + rnd.randint(-w // 30, w // 30)
    y = pitch * 8 - box[3] + pitch // 3 if lined else (h - (box[3] - box[1])) // 2 - box[1]
    strokes = Image.new("L", size, 0)
    pen = ImageDraw.Draw(strokes)
    pen.text((x, y), text, font=font, fill=255,
             stroke_width=max(1, w // (1200 if pencil else 500)), stroke_fill=255)
    if underline:
        base = y + box[3] + pitch // 4
        pen.line((x, base, x + box[2] - box[0], base - pitch // 6), fill=255,
                 width=max(2, w // 300))
    if pencil:  # graphite leaves a broken, grainy line
        grain = Image.effect_noise(size, 90).point(lambda v: min(255, v + 90))
        strokes = ImageChops.multiply(strokes, grain)
    sheet.paste((PENCIL if pencil else ink) + (255,), (0, 0), strokes)
    return sheet


def _shadows(photo: Image.Image, rnd: random.Random) -> Image.Image:
    """Darken the frame by a gradient (lamp on one side) and the phone's soft shadow."""
    w, h = photo.size
    # The middle of a turned gradient, so that no corner of it shows.
    light = Image.linear_gradient("L").rotate(rnd.uniform(20, 70), Image.Resampling.BILINEAR)
    light = light.crop((64, 64, 192, 192)).resize((w, h), Image.Resampling.BILINEAR)
    light = light.point(lambda v: 255 - v * 105 // 255)          # 100% down to ~60%
    phone = Image.new("L", (w, h), 255)
    ImageDraw.Draw(phone).ellipse((int(w * 0.55), int(h * 0.35), int(w * 1.2), int(h * 1.3)),
                                  fill=175)
    light = ImageChops.multiply(light, phone.filter(ImageFilter.GaussianBlur(w / 40)))
    return ImageChops.multiply(photo, Image.merge("RGB", (light, light, light)))


def make_png_bomb(width: int, height: int, depth: int = 8, colour: int = 0) -> bytes:
    """Return a valid PNG of the given size, all zeros: tiny, however large it says it is.

    colour is the PNG colour type (0 grey, 2 RGB, 6 RGBA). Rows of zeros deflate about
    1000:1, so 1 x 49,000,000 grey pixels make 95 KB; the rows are compressed a few MB
    at a time, so making it never holds the whole image either.
    """
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row = bytes(1 + (width * depth * channels + 7) // 8)
    per_block = max(1, (4 << 20) // len(row))
    deflate, parts, left = zlib.compressobj(9), [], height
    while left > 0:
        parts.append(deflate.compress(row * min(left, per_block)))
        left -= per_block
    parts.append(deflate.flush())
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


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

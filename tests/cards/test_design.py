"""The card as designed (issue 12): names never wrong, images on the printer's dots,
right-to-left lines in order, themes and sheets, the foot aligned with the code."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from reportlab.lib.units import mm

from greetings.cards.renderer import THEMES, flow, fonts, pdf, qr, render_card, render_wave
from greetings.cards.renderer.elements import encode_dots
from greetings.cards.renderer.layouts import PROFILES, THERMAL_DOT_MM, Box
from greetings.cards.renderer.render import prepare
from tests.cards.samples import make_card, make_logo
from tests.conftest import need
from tests.support.pdf import decode_qr, flat, page_text, pdf_pages, qpdf_check, raster

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "greet.example.com/f/MZXW-6YTB-OI4D-KNRX-GQ2T-EMZQ-GA"
DOT_PT = THERMAL_DOT_MM * mm


def _drawn_text(monkeypatch) -> list[tuple[list, float, float]]:
    """Record every Page.text call as (runs, slant, size)."""
    calls = []
    real = pdf.Page.text

    def record(self, x, y, parts, size, char_space=0.0, slant=0.0):
        calls.append((list(parts), slant, size))
        return real(self, x, y, parts, size, char_space, slant)

    monkeypatch.setattr(pdf.Page, "text", record)
    return calls


# --- names -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["🎉🎉", "ሰላም"])
def test_an_undrawable_packer_name_gives_neutral_wording(name):
    assert fonts.drawable_name(name) is None
    card = make_card(language="de", packer_display_name=name, signature_png=None,
                     signature_1bit=None)
    text = flat(page_text(render_card(card)))
    assert flat("Sag uns, wie es dir gefällt →") in text
    assert flat("Mit Sorgfalt gepackt") in text
    assert "Sag," not in text and "Gepackt von" not in text and name not in text


def test_the_default_texts_read_well_without_a_packer_name(app):
    from greetings.cards.greeting_texts import default_template, render_greeting

    with app.app_context():
        for lang, start in (("de", "Ich habe"), ("en", "I packed"), ("da", "Jeg har pakket"),
                            ("sv", "Jag packade"), ("nb", "Jeg pakket")):
            text = render_greeting(default_template(lang), dict(
                packer="", first_name="", brand="B", order_number="1", item_count=2))
            assert start in text and "  " not in text and " ," not in text


@pytest.mark.parametrize("name", ["Łukasz", "Jiří Dvořák", "Şükrü Ağaoğlu", "Nguyễn Văn",
                                  "Œdipe", "Åse"])
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_a_script_name_is_drawn_whole_in_one_face(monkeypatch, name, theme):
    calls = _drawn_text(monkeypatch)
    render_card(make_card(packer_display_name=name, signature_png=None, signature_1bit=None,
                          theme=theme))
    drawn = [(parts, slant) for parts, slant, _size in calls
             if "".join(t for t, _f in parts) == name]
    assert drawn, f"{name} not drawn on its own"
    parts, slant = drawn[0]
    assert len({font for _t, font in parts}) == 1            # never mixed mid-name
    if fonts.covers(fonts.SCRIPT, name):
        assert parts[0][1] == fonts.SCRIPT
    else:
        assert parts[0][1] != fonts.SCRIPT and slant > 0    # the theme's italic


def test_soft_hyphen_and_nul_never_print():
    card = make_card(language="en", first_name="Sø\u00adren", packer_line="Wrapped\x00well",
                     greeting_text="Thank\u00adyou for\x00your order.")
    text = page_text(render_card(card))
    assert "Dear Søren," in text and "“Wrappedwell”" in text
    assert "Thankyou foryour order." in text
    assert "-" not in text.split("\n")[0] and "\x00" not in text


# --- right to left -------------------------------------------------------------------


def _poppler_text(data: bytes, tmp_path) -> str:
    """The text pdftotext reads, without the bidi embedding marks it adds around RTL runs."""
    need(shutil.which("pdftotext") is not None, "pdftotext is not installed (poppler-utils)")
    path = tmp_path / "card.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    return "".join(ch for ch in text if not "\u202a" <= ch <= "\u202e")


def test_an_arabic_packer_name_keeps_the_quotes_and_words_in_place(tmp_path):
    card = make_card(language="de", packer_display_name="محمد", packer_line="Gut verpackt",
                     signature_png=None, signature_1bit=None)
    text = flat(unicodedata.normalize("NFKC", _poppler_text(render_card(card), tmp_path)))
    assert flat("Sag محمد, wie es dir gefällt →") in text
    assert flat("Gepackt von محمد") in text
    assert flat("„Gut verpackt“") in text


def test_right_to_left_paragraphs_wrap_in_reading_order(tmp_path):
    words = "שלום רב לך ולכל המשפחה שלך אנחנו מקווים שתיהנה מההזמנה שלך ותחזור אלינו בקרוב"
    box = Box("greeting", 0, 0, 40, 100, size=10, min_size=10)
    text = fonts.drawable_text(words, box.faces)
    lines = fonts.wrap(text, 10, 40 * mm, box.faces)
    assert len(lines) >= 3
    assert " ".join(lines).split() == words.split()          # broken in reading order
    size, drawn = fonts.fit_lines(words, box)
    for (parts, _width), line in zip(drawn, lines, strict=True):
        assert "".join(t for t, _f in parts) == fonts.visual_line(line)   # reordered per line
        assert fonts.visual_line(line) == line[::-1]
    # What a reader gets back is the paragraph as typed, line after line.
    data = render_card(make_card(language="en", greeting_text=words))
    assert flat(words) in flat(_poppler_text(data, tmp_path))
    assert flat(words) in flat(page_text(data))


# --- thermal images ------------------------------------------------------------------


def _images(monkeypatch) -> list:
    calls = []
    real = pdf.Page.image

    def record(self, image, x, y, w, h):
        calls.append((image, x, y, w, h))
        return real(self, image, x, y, w, h)

    monkeypatch.setattr(pdf.Page, "image", record)
    return calls


def test_thermal_images_sit_on_whole_printer_dots(monkeypatch):
    calls = _images(monkeypatch)
    render_card(make_card(profile="thermal4x6"))
    assert len(calls) == 2                              # logo and signature
    for image, x, y, w, h in calls:
        assert image.stencil
        for value in (x, y, w, h):
            assert value / DOT_PT == pytest.approx(round(value / DOT_PT), abs=0.01)
        assert (image.width, image.height) == (round(w / DOT_PT), round(h / DOT_PT))


def _isolated(bits: Image.Image) -> float:
    """Share of pixels unlike all four neighbours: a dither's checkerboard."""
    grey = bits.convert("L")
    unlike = None
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        moved = ImageChops.offset(grey, dx, dy)
        diff = ImageChops.difference(grey, moved)
        unlike = diff if unlike is None else ImageChops.darker(unlike, diff)
    return sum(unlike.histogram()[128:]) / (grey.width * grey.height)


def test_thermal_line_art_is_thresholded_not_dithered():
    logo = make_logo()
    image = encode_dots(logo, 300, 75)
    import zlib

    bits = Image.frombytes("1", (image.width, image.height), zlib.decompress(image.data))
    assert _isolated(bits) < 0.002
    dithered = Image.open(io.BytesIO(logo)).convert("RGBA").resize((300, 75))
    flat_logo = Image.new("L", dithered.size, 255)
    flat_logo.paste(dithered.convert("L"), mask=dithered.getchannel("A"))
    assert _isolated(flat_logo.convert("1")) > 5 * _isolated(bits)   # what a dither gives


# --- layout ----------------------------------------------------------------------------


def _arranged(**overrides):
    card = prepare(make_card(printed_url=ADDRESS, **overrides))
    return card, flow.arrange(card, card.profile, card.profile.cells[0])


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_address_sits_on_the_codes_bottom_modules(theme, profile):
    card, boxes = _arranged(theme=theme, profile=profile)
    code, url = (next(b for b in boxes if b.kind == kind) for kind in ("qr", "qr_url"))
    cell = code.w / (card.qr[0] + 2 * qr.QUIET)
    modules_bottom = code.y + code.h - qr.QUIET * cell
    lines = url.text.count("\n") + 1
    last_baseline = url.y + (fonts.ASCENT + (lines - 1) * url.leading) * url.size / mm
    assert last_baseline == pytest.approx(modules_bottom, abs=0.01)
    assert url.x + url.w <= code.x + 0.01                     # beside the code, not under it
    assert url.size >= (8 if profile == "thermal4x6" else 5.5)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_empty_slots_close_up_and_the_stack_stays_balanced(theme):
    full = _arranged(theme=theme)[1]
    bare = _arranged(theme=theme, logo=None, packer_line=None)[1]
    kinds = [b.kind for b in bare]
    assert "logo" not in kinds and "packer_line" not in kinds and "brand" in kinds
    for boxes in (full, bare):
        stack = [b for b in boxes if b.kind not in ("qr", "qr_caption", "qr_url")]
        for above, below in zip(stack, stack[1:], strict=False):
            gap = below.y - (above.y + above.h)
            assert -0.01 <= gap <= 8.0, (above.kind, below.kind, gap)   # no hole
        top_space = stack[0].y - 10
        foot = min(b.y for b in boxes if b.kind in ("qr", "qr_caption"))
        bottom_space = foot - flow.FOOT_GAP - (stack[-1].y + stack[-1].h)
        assert top_space == pytest.approx(bottom_space * flow.ABOVE / (1 - flow.ABOVE), abs=0.1)


def test_the_short_address_is_printed_and_the_qr_holds_the_url():
    card = make_card(printed_url=ADDRESS)
    data = render_card(card)
    assert flat(ADDRESS) in flat(page_text(data))
    assert decode_qr(raster(data, 150)) == [card.feedback_url]


# --- themes on every profile --------------------------------------------------------


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_theme_prints_on_every_profile(theme, profile, tmp_path):
    card = make_card(theme=theme, profile=profile, accent="#1f6f5c", printed_url=ADDRESS)
    data = render_card(card)
    qpdf_check(data, tmp_path)
    for dpi in (203, 150):
        assert decode_qr(raster(data, dpi)) == [card.feedback_url], dpi
    text = _poppler_text(data, tmp_path)
    for expected in ("Kære Søren,", "hvad du synes", "Pakket af Åse", "14. marts 2026"):
        assert flat(expected) in flat(text), (expected, text)


def test_the_accent_colour_is_the_brands_and_black_on_thermal():
    from tests.cards.test_render import _content

    accent = "0.122 0.435 0.361"            # #1f6f5c
    for theme in THEMES:
        # Minimal has the accent on the brand's name only (a logo brings its own colours).
        laser = _content(render_card(make_card(theme=theme, accent="#1f6f5c", logo=None)))
        assert accent in laser
        thermal = _content(render_card(make_card(theme=theme, accent="#1f6f5c", logo=None,
                                                 profile="thermal4x6")))
        assert accent not in thermal
        colours = {op for op in thermal.split("\n") if op.endswith(" rg")}
        assert colours <= {"0 0 0 rg"}, colours


# --- sheets ----------------------------------------------------------------------------


def _salutation_boxes(data: bytes, index: int = 0) -> list[tuple[float, float]]:
    """The (left, top) in mm of each "Kære" on the page."""
    page = pdf_pages(data)[index]
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    spots, start = [], 0
    height = page.get_size()[1]
    while (found := text.find("Kære", start)) >= 0:
        left, _bottom, _right, top = textpage.get_charbox(found)
        spots.append((left / mm, (height - top) / mm))
        start = found + 1
    return spots


@pytest.mark.parametrize("profile,cell", [("a4", (105.0, 148.5)), ("letter", (107.95, 139.7))])
def test_a_sheet_holds_four_cards_in_order_with_cut_marks(profile, cell, tmp_path):
    items = [make_card(profile=profile, feedback_url=f"HTTPS://G.EXAMPLE.COM/F/{i:026d}")
             for i in range(6)]
    wave = render_wave(items)
    qpdf_check(wave, tmp_path)
    assert len(pdf_pages(wave)) == 2
    spots = _salutation_boxes(wave)
    assert len(spots) == 4 and len(_salutation_boxes(wave, 1)) == 2
    cells = [(int(x // cell[0]), int(y // cell[1])) for x, y in spots]
    assert cells == [(0, 0), (1, 0), (0, 1), (1, 1)]          # reading order
    image = raster(wave, 100).convert("L")
    for x_mm, y_mm in ((cell[0], 6.5), (cell[0], 2 * cell[1] - 6.5), (6.5, cell[1])):
        px = image.getpixel((round(x_mm / 25.4 * 100), round(y_mm / 25.4 * 100)))
        assert px < 160, (x_mm, y_mm)                          # a cut mark on the quarter line
    for index in range(2):
        codes = sorted(decode_qr(raster(wave, 203, index)))
        assert len(codes) == (4 if index == 0 else 2)


def test_a_half_used_sheet_starts_at_the_given_cell():
    data = render_card(make_card(profile="a4"), start=3)
    spots = _salutation_boxes(data)
    assert len(spots) == 1 and spots[0][0] < 105 < spots[0][1]     # bottom left
    wave = render_wave([make_card(profile="a4")] * 3, start=4)
    assert [len(_salutation_boxes(wave, i)) for i in range(2)] == [1, 2]


def test_render_cli_prints_in_the_given_cell(app, runner, tmp_path):
    runner.invoke(args=["demo"])
    out = tmp_path / "card.pdf"
    result = runner.invoke(args=["render", "1001", "--out", str(out), "--profile", "a4",
                                 "--start", "2"])
    assert result.exit_code == 0, result.output
    spots = _salutation_boxes(out.read_bytes())
    assert len(spots) == 1 and spots[0][0] > 105 and spots[0][1] < 148.5   # top right


# --- CJK ---------------------------------------------------------------------------------


def test_cjk_names_are_drawn_and_the_face_loads_only_when_needed():
    need(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf").is_file()
         or fonts._find_cjk() is not None,
         "no CJK TrueType font (apt-get install fonts-droid-fallback)")
    script = (
        "import sys; sys.path[:0] = ['.', 'tests/cards']\n"
        "from samples import make_card\n"
        "from greetings.cards.renderer import fonts, render_card\n"
        "latin = render_card(make_card())\n"
        "print(fonts.cjk_loaded())\n"
        "cjk = render_card(make_card(first_name='さくら', packer_display_name='李雷',"
        " signature_png=None, signature_1bit=None))\n"
        "print(fonts.cjk_loaded(), len(latin), len(cjk))\n"
        "sys.stdout.flush(); sys.stdout.buffer.write(cjk)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr.decode()
    head, _, pdf_bytes = done.stdout.partition(b"%PDF")
    before, after = head.decode().split("\n")[:2]
    assert before == "False" and after.startswith("True")
    text = page_text(b"%PDF" + pdf_bytes)
    assert "さくら" in text and "李雷" in text

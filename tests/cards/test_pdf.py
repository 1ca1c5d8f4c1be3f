"""The own PDF writer: valid for qpdf on every profile, subsets named apart, an /ID per file."""

from __future__ import annotations

import re
import zlib

import pytest

from greetings.cards.renderer import fonts, pdf, render_card, render_wave
from greetings.cards.renderer.layouts import PROFILES
from tests.cards.samples import make_card
from tests.support.pdf import page_text, pdf_pages, qpdf_check, raster

# A greeting that needs a second 8-bit subset of the text face (more than ~250 characters).
MANY_CHARACTERS = " ".join(
    "αβγδεζηθικλμνξοπρστυφχψω ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ абвгдежзийклмнопрстуфхцчшщъыьэюя "
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķ"
    "ĸĹĺĻļĽľĿŀŁłŃńŅņŇňŉŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž"[i: i + 9]
    for i in range(0, 330, 9))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_passes_qpdf_check(profile, tmp_path):
    qpdf_check(render_card(make_card(profile=profile)), tmp_path)
    without_images = make_card(profile=profile, logo=None, signature_png=None,
                               signature_1bit=None, language="de", first_name=None)
    qpdf_check(render_card(without_images), tmp_path)


def test_a_wave_passes_qpdf_check(tmp_path):
    items = [make_card(profile=profile, first_name=f"Kunde {i}",
                       feedback_url=f"HTTPS://G.EXAMPLE.COM/F/{i:026d}")
             for i, profile in enumerate(sorted(PROFILES) * 3)]
    items.append(make_card(greeting_text=MANY_CHARACTERS))
    wave = render_wave(items)
    qpdf_check(wave, tmp_path)
    assert len(pdf_pages(wave)) == len(items)


def _base_fonts(data: bytes) -> list[tuple[str, str]]:
    return re.findall(rb"/Type /Font /Subtype /TrueType /BaseFont /([A-Z]{6})\+([^\s/]+)", data)


def test_each_font_subset_has_its_own_tag():
    wave = render_wave([make_card(greeting_text=MANY_CHARACTERS),
                        make_card(signature_png=None, signature_1bit=None)])
    names = _base_fonts(wave)
    fonts_used = {name for _tag, name in names}
    assert {b"DejaVuSerif", b"Kristi"} <= fonts_used
    assert sum(name == b"DejaVuSerif" for _tag, name in names) >= 2   # two subsets of one face
    tags = [tag for tag, _name in names]
    assert len(set(tags)) == len(tags)
    # Descriptors name the same subsets as the fonts that use them.
    descriptors = re.findall(rb"/FontDescriptor /FontName /([A-Z]{6})\+", wave)
    assert sorted(descriptors) == sorted(tags)


def test_tags_follow_the_glyphs_not_the_position():
    one = dict((name, tag) for tag, name in _base_fonts(render_card(make_card(language="en"))))
    other = dict((name, tag) for tag, name in _base_fonts(render_card(make_card(language="de"))))
    assert one[b"DejaVuSerif"] != other[b"DejaVuSerif"]   # different glyphs, different tag


def _trailer_id(data: bytes) -> tuple[bytes, bytes]:
    match = re.search(rb"trailer\n<<.*/ID \[<([0-9a-f]{32})> <([0-9a-f]{32})>\]>>\nstartxref", data)
    assert match, data[-300:]
    return match.group(1), match.group(2)


def test_the_file_has_an_id_made_from_its_content():
    card = make_card()
    first, again = render_card(card), render_card(card)
    assert first == again                                     # the same card, the same bytes
    assert _trailer_id(first)[0] == _trailer_id(first)[1]
    other = render_card(make_card(first_name="Birthe"))
    assert _trailer_id(other) != _trailer_id(first)


def _streams(data: bytes) -> list[str]:
    out = []
    for raw in re.findall(rb"stream\n(.*?)\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except (zlib.error, UnicodeDecodeError):
            continue
    return out


def test_page_keeps_state_balanced_and_drops_a_failed_block(tmp_path):
    fonts.register_fonts()
    doc = pdf.Document("Page test")
    page = pdf.Page(doc, 200, 200)
    with page.saved():
        page.fill_colour((0.2, 0.4, 0.6))
        page.text(10, 150, [("Kept", fonts.TEXT)], 12)
    mark = page.checkpoint()
    with pytest.raises(RuntimeError), page.saved():
        page.fill_colour((1, 0, 0))
        page.text(10, 120, [("Dropped", fonts.TEXT)], 12)
        raise RuntimeError("element failed")
    page.rollback(mark)
    page.line(10, 100, 190, 100, 0.5, (0, 0, 0))
    page.fill_runs(10, 20, 2.5, [(0, 0, 3), (2, 1, 1)])
    doc.add(page)
    data = doc.finish()
    qpdf_check(data, tmp_path)
    text = page_text(data)
    assert "Kept" in text and "Dropped" not in text
    content = next(s for s in _streams(data) if "BT" in s)
    assert "1 0 0 rg" not in content
    # Runs are read like a matrix from the grid's top-left corner (10, 20) pt, 2.5 pt cells;
    # raster rows count down from the page's top (200 pt), here at 4 px per pt.
    image = raster(data, 288).convert("L")
    assert image.getpixel((4 * 11, 4 * (200 - 19))) < 64        # row 0, columns 0-2
    assert image.getpixel((4 * 16, 4 * (200 - 19))) < 64
    assert image.getpixel((4 * 14, 4 * (200 - 14))) < 64        # row 2, column 1
    assert image.getpixel((4 * 11, 4 * (200 - 16))) > 192       # row 1 stays light
    operators = re.findall(r"(?:^|\s)([qQ])(?=\s|$)", content)
    assert operators.count("q") == operators.count("Q") >= 2


def test_page_internals_stay_inside_the_writer():
    page = pdf.Page(pdf.Document("x"), 10, 10)
    public = {name for name in vars(page) if not name.startswith("_")}
    assert public == {"doc", "width", "height"}

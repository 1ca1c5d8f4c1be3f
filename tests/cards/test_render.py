"""The insert as a reader, a phone and a printer see it: text, QR, images, page sizes."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import zlib

import pytest

from greetings.cards.renderer import CardData, fonts, render_card, render_wave
from greetings.cards.renderer.layouts import PROFILES
from tests.cards.samples import make_card, words
from tests.support.pdf import decode_qr, flat, page_text, pdf_pages, raster

LANGS = ["da", "en", "de", "sv", "nb"]
# What the catalogs say (greetings/translations), written out here as a reader expects them.
SALUTATION = {"en": ("Dear {},", "Dear customer,"), "da": ("Kære {},", "Kære kunde,"),
              "de": ("Hallo {},", "Hallo,"), "sv": ("Hej {},", "Hej,"),
              "nb": ("Kjære {},", "Kjære kunde,")}
CAPTION = {"en": "Tell Åse how we did →", "da": "Fortæl Åse, hvad du synes →",
           "de": "Sag Åse, wie es dir gefällt →", "sv": "Berätta för Åse vad du tycker →",
           "nb": "Fortell Åse hva du synes →"}
SIGNOFF = {"en": "Packed by Åse", "da": "Pakket af Åse", "de": "Gepackt von Åse",
           "sv": "Packad av Åse", "nb": "Pakket av Åse"}
QUOTE = {"en": "“{}”", "da": "»{}«", "de": "„{}“", "sv": "”{}”", "nb": "«{}»"}
NAMES = ["Søren Kjærgård", "Jürgen Weißmüller",
         "Ingeborg Kristine Marie-Louise Aabakken-Sødergren Bjørnstad-Ødegård"]


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("lang", LANGS)
def test_page_size_and_names(profile, lang):
    for name in NAMES:
        pdf = render_card(make_card(profile=profile, language=lang, first_name=name))
        page = pdf_pages(pdf)[0]
        assert page.get_size() == pytest.approx(PROFILES[profile].pagesize, abs=0.01)
        text = page_text(pdf)
        assert flat(SALUTATION[lang][0].format(name)) in flat(text)
        assert "Åse" in text


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_long_name_shrinks_inside_the_card(profile):
    pdf = render_card(make_card(profile=profile, first_name=NAMES[2]))
    doc = pdf_pages(pdf)
    page = doc[0]
    width, height = page.get_size()
    textpage = page.get_textpage()
    margin = 5 * 72 / 25.4
    for i in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(i)
        if right > left:  # spaces and line breaks have no box
            assert margin <= left and right <= width - margin
            assert margin <= bottom and top <= height - margin


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_qr_decodes_at_203_dpi(profile):
    data = make_card(profile=profile)
    assert decode_qr(raster(render_card(data), 203)) == [data.feedback_url]


def test_qr_decodes_at_150_dpi_on_a6_and_lowercase_url():
    url = "https://greet.example.com/f/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"
    data = make_card(feedback_url=url)
    assert decode_qr(raster(render_card(data), 150)) == [url]
    assert url in flat(page_text(render_card(data)))   # broken after "/f/" to fit


def _content(pdf: bytes) -> str:
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    out = []
    for raw in streams:
        with contextlib.suppress(zlib.error):  # image streams are not all text
            out.append(zlib.decompress(raw).decode("latin-1"))
    return "\n".join(out)


def _qr_cell(pdf: bytes) -> float:
    """The QR module size in pt: the scale of the one filled grid on the page."""
    return float(re.search(r"q 0 g ([\d.]+) 0 0 -\1 [\d.]+ [\d.]+ cm\n", _content(pdf)).group(1))


def test_thermal_qr_modules_are_whole_printer_dots_and_big_enough():
    pdf = render_card(make_card(profile="thermal4x6"))
    cell = _qr_cell(pdf)
    dots = cell / (72 / 203)
    assert dots == pytest.approx(round(dots), abs=0.01) and round(dots) >= 4


def test_a6_qr_is_at_least_20_mm():
    pdf = render_card(make_card())
    cell = _qr_cell(pdf)
    assert cell * 29 / 72 * 25.4 >= 20


def _images(pdf: bytes) -> int:
    import pypdfium2 as pdfium  # a runtime dependency (the console's previews)
    page = pdf_pages(pdf)[0]
    return sum(1 for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)


def test_signature_image_on_the_page():
    assert _images(render_card(make_card())) == 2          # logo and signature
    without = make_card(signature_png=None, signature_1bit=None)
    assert _images(render_card(without)) == 1
    assert "Åse" in page_text(render_card(without))           # the name, in the script face


def test_thermal_is_black_on_white_only():
    image = raster(render_card(make_card(profile="thermal4x6")), 100).convert("RGB")
    r, g, b = image.split()
    from PIL import ImageChops
    assert ImageChops.difference(r, g).getextrema()[1] <= 2
    assert ImageChops.difference(g, b).getextrema()[1] <= 2


@pytest.mark.parametrize("name", ["<b>Bo</b>", "Tom & Jerry", "<font size=80>Eve</font>",
                                  "Ann]]><x>&amp;"])
def test_markup_in_names_prints_literally(name):
    pdf = render_card(make_card(language="en", first_name=name, packer_line=name,
                                    packer_display_name=name))
    assert flat(f"Dear {name},") in flat(page_text(pdf))


def test_arabic_and_hebrew_names_are_shaped_and_ordered():
    for name in ("أحمد", "שרה"):
        pdf = render_card(make_card(language="en", first_name=name))
        # Drawn in visual order (right to left reversed), Arabic in its joined forms, so
        # that a reader (pdfium here) reads it back as typed.
        assert fonts.visual(name) != name
        text = page_text(pdf)
        assert f"Dear {name}," in text
        assert "Dear customer" not in text


def test_chinese_name_drawn_only_with_a_cjk_font(caplog):
    caplog.set_level(logging.INFO)
    pdf = render_card(make_card(language="en", first_name="李雷"))
    text = page_text(pdf)
    if fonts.cjk_available():
        assert "李雷" in text
    else:
        assert "Dear customer," in text and "李雷" not in text
        assert "李雷" not in caplog.text and "neutral salutation" in caplog.text


def test_emoji_are_dropped_and_an_emoji_only_name_is_neutral(caplog):
    caplog.set_level(logging.INFO)
    text = page_text(render_card(make_card(language="da", first_name="Søren 🎉🇩🇰")))
    assert "Kære Søren," in text and "🎉" not in text
    text = page_text(render_card(make_card(language="da", first_name="🎉🎉")))
    assert "Kære kunde," in text


def test_undrawable_script_is_neutral_and_not_logged(caplog):
    caplog.set_level(logging.INFO)
    text = page_text(render_card(make_card(language="de", first_name="สมชาย")))
    assert "Hallo," in text and "สมชาย" not in text
    assert "สมชาย" not in caplog.text


def test_no_name_gives_the_neutral_salutation_in_each_language():
    for lang in LANGS:
        text = page_text(render_card(make_card(language=lang, first_name=None)))
        assert SALUTATION[lang][1] in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_cards_words_are_the_catalogs_in_its_language(lang):
    text = flat(page_text(render_card(make_card(language=lang, packer_line="Godt pakket"))))
    assert flat(CAPTION[lang]) in text
    assert flat(SIGNOFF[lang]) in text
    assert flat(QUOTE[lang].format("Godt pakket")) in text


def test_words_are_filled_only_where_their_placeholder_is():
    odd = dataclasses.replace(words("en"), salutation="100%% for %(name)s, %(packer)s, %d,",
                              caption="Ask %(packer)s (%(packer)s) %s")
    text = page_text(render_card(make_card(language="en", words=odd, first_name="Eve")))
    assert flat("100% for Eve, %(packer)s, %d,") in flat(text)
    assert flat("Ask Åse (Åse) %s →") in flat(text)


def test_date_in_the_customers_locale():
    assert "14. marts 2026" in page_text(render_card(make_card(language="da-DK")))
    assert "14. März 2026" in page_text(render_card(make_card(language="de")))


def test_failing_element_leaves_its_slot_empty(monkeypatch, caplog):
    from greetings.cards.renderer import elements

    def broken(page, box, card):
        with page.saved():
            page.fill_colour((1, 0, 0))
            page.text(40, 200, [("Half drawn", fonts.TEXT)], 12)
            raise RuntimeError("Søren")

    monkeypatch.setattr(elements, "draw_greeting", broken)
    pdf = render_card(make_card())
    text = page_text(pdf)
    assert "Kære Søren," in text and "Half drawn" not in text
    assert "Tak for din ordre" not in text  # the greeting's slot is empty
    assert "greeting failed" in caplog.text and "Søren" not in caplog.text
    assert "1 0 0 rg" not in _content(pdf)


def test_broken_logo_is_skipped():
    pdf = render_card(make_card(logo=b"not a png"))
    assert _images(pdf) == 1


def test_wave_has_one_page_per_insert_and_embeds_images_once():
    items = [make_card(first_name=f"Kunde {i}", feedback_url=f"HTTPS://G.EXAMPLE.COM/F/{i:026d}")
             for i in range(12)]
    one, wave = render_card(items[0]), render_wave(items)
    assert len(pdf_pages(wave)) == 12
    assert wave.count(b"/Subtype /Image") == one.count(b"/Subtype /Image") == 4
    assert wave.count(b"/FontFile2") == one.count(b"/FontFile2")
    per_page = (len(wave) - len(one)) / 11
    assert per_page < 3000 < len(items[0].signature_png)


def test_insert_data_is_plain_and_frozen():
    data = make_card()
    assert isinstance(data, CardData)
    with pytest.raises(AttributeError):
        data.first_name = "x"


def test_wave_with_more_than_256_characters_uses_a_second_font_subset():
    # One document's font codes are 8-bit: past ~250 distinct characters a second subset
    # starts. Every page must still extract as the text it was given (ToUnicode per subset).
    alphabets = ["αβγδεζηθικλμνξοπρστυφχψω ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
                 "абвгдежзийклмнопрстуфхцчшщъыьэюя АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
                 "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿŀŁł",
                 "ŃńŅņŇňŉŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž",
                 "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ"]
    texts = [" ".join(alphabet[i: i + 8] for i in range(0, len(alphabet), 8))
             for alphabet in alphabets]
    assert len(set("".join(texts))) > 256
    wave = render_wave([make_card(greeting_text=text) for text in texts])
    assert b"/F0.1 " in wave                       # the second subset of the text face
    for index, text in enumerate(texts):
        assert flat(text) in flat(page_text(wave, index))

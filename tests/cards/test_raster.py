"""The card as a browser station prints it: its PDF rasterised at the printer's dots."""

import io

import pytest
from PIL import Image

from greetings.cards.raster import LASER_DPI, THERMAL_DPI, print_image
from greetings.cards.renderer import render_card
from tests.cards.samples import make_card
from tests.support.pdf import decode_qr, pdf_pages


@pytest.mark.parametrize(("profile", "dpi", "mimetype", "mode"), [
    ("a6", LASER_DPI, "image/jpeg", "RGB"),
    ("a5", LASER_DPI, "image/jpeg", "RGB"),
    ("thermal4x6", THERMAL_DPI, "image/png", "L"),
])
def test_the_printed_image_is_the_pdf_at_the_printers_resolution(profile, dpi, mimetype, mode):
    card = make_card(profile=profile)
    pdf = render_card(card)
    printed = print_image(pdf, profile)
    assert printed.mimetype == mimetype and printed.paper == profile
    image = Image.open(io.BytesIO(printed.data))
    assert image.format == mimetype.split("/")[1].upper() and image.mode == mode
    width_pt, height_pt = pdf_pages(pdf)[0].get_size()
    # The paper the page is printed on is the PDF's page, and the pixels are its dots.
    assert abs(printed.width_mm / 25.4 * 72 - width_pt) < 0.5
    assert abs(printed.height_mm / 25.4 * 72 - height_pt) < 0.5
    assert abs(image.width - width_pt / 72 * dpi) <= 1
    assert abs(image.height - height_pt / 72 * dpi) <= 1
    # The QR code survives rasterising and encoding, as a phone reads it off the paper.
    assert decode_qr(image) == [card.feedback_url]


def test_the_laser_card_keeps_its_colours():
    printed = print_image(render_card(make_card(profile="a6", accent="#cc1a1a")), "a6")
    image = Image.open(io.BytesIO(printed.data)).convert("RGB").reduce(4)
    colours = image.getcolors(image.width * image.height)
    reddish = [rgb for _, rgb in colours if rgb[0] > 150 and rgb[0] - max(rgb[1:]) > 60]
    assert reddish, "the accent colour is gone"


def test_an_unknown_paper_prints_as_a6_like_the_renderer_draws_it():
    printed = print_image(render_card(make_card()), "no-such-paper")
    assert (printed.paper, printed.width_mm, printed.height_mm) == ("a6", 105.0, 148.0)

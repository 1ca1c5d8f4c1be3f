"""The card as a browser station prints it: its PDF rasterised at the printer's dots."""

import io

import pytest
from PIL import Image

from greetings.cards.raster import (
    CSS_PX_PER_INCH,
    LASER_DPI,
    STRIP_PIXELS,
    THERMAL_DPI,
    print_image,
    strip_bounds,
)
from greetings.cards.renderer import render_card
from tests.cards.samples import make_card
from tests.support.pdf import decode_qr, pdf_pages


def whole(printed) -> Image.Image:
    """A printed card image's strips put together at their rows."""
    pieces = [(Image.open(io.BytesIO(strip.data)), strip.top) for strip in printed.strips]
    image = Image.new(pieces[0][0].mode, (printed.width_px, printed.height_px), "white")
    for piece, top in pieces:
        image.paste(piece, (0, top))
    return image


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
    for strip in printed.strips:
        image = Image.open(io.BytesIO(strip.data))
        assert image.format == mimetype.split("/")[1].upper() and image.mode == mode
        assert image.size == (printed.width_px, strip.rows)
    width_pt, height_pt = pdf_pages(pdf)[0].get_size()
    # The paper the page is printed on is the PDF's page, and the pixels are its dots.
    assert abs(printed.width_mm / 25.4 * 72 - width_pt) < 0.5
    assert abs(printed.height_mm / 25.4 * 72 - height_pt) < 0.5
    assert abs(printed.width_px - width_pt / 72 * dpi) <= 1
    assert abs(printed.height_px - height_pt / 72 * dpi) <= 1
    # The QR code survives rasterising, encoding and cutting, as a phone reads it.
    assert decode_qr(whole(printed)) == [card.feedback_url]


@pytest.mark.parametrize(("width", "height", "dpi"), [
    (1241, 1749, 300), (813, 1219, 203), (1748, 2480, 300), (2480, 3508, 300),
    (1241, 20, 300), (10, 10, 300), (4000, 1, 300), (1241, 1601, 300)])
def test_strips_cover_the_image_each_on_whole_css_pixels(width, height, dpi):
    bounds = strip_bounds(width, height, dpi)
    assert bounds[0][0] == 0 and sum(bounds[-1]) == height
    for (top, rows), (next_top, _) in zip(bounds, bounds[1:], strict=False):
        assert top + rows == next_top  # no gap, no overlap
        # Chromium prints images at whole CSS pixels (96 per inch): a strip that starts
        # on one lands on its own rows.
        assert (next_top * CSS_PX_PER_INCH) % dpi == 0
        # Small enough to decode fast, and not smaller than need be.
        assert STRIP_PIXELS / 2 < width * rows <= STRIP_PIXELS
    assert bounds[-1][1] > 0


def test_the_laser_card_keeps_its_colours():
    printed = print_image(render_card(make_card(profile="a6", accent="#cc1a1a")), "a6")
    image = whole(printed).convert("RGB").reduce(4)
    colours = image.getcolors(image.width * image.height)
    reddish = [rgb for _, rgb in colours if rgb[0] > 150 and rgb[0] - max(rgb[1:]) > 60]
    assert reddish, "the accent colour is gone"


def test_an_unknown_paper_prints_as_a6_like_the_renderer_draws_it():
    printed = print_image(render_card(make_card()), "no-such-paper")
    assert (printed.paper, printed.width_mm, printed.height_mm) == ("a6", 105.0, 148.0)

"""The station in Debian's Chromium: set up, badge, scan, print, errors, idle, PIN lockout."""

import base64
import io

import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.station.conftest import (
    BADGE,
    printed_card_page,
    query,
    scan,
    scan_printing,
    set_up_station,
    sign_in_by_badge,
)
from tests.support.pdf import decode_qr, page_text, pdf_pages, raster


def assert_focus_in_scan_field(page):
    # The page puts it back within a moment of any answer, click or load.
    expect(page.locator("#code")).to_be_focused(timeout=3000)


def test_manager_sets_up_a_station_and_a_packer_prints_a_card(page, world):
    set_up_station(page, world)
    assert "Pakkebord 1" in page.locator("nav").inner_text()
    sign_in_by_badge(page)
    assert page.locator("#packer-name").inner_text() == "Åse"
    assert_focus_in_scan_field(page)

    result, pdf = scan_printing(page, "#5001")
    assert "result-printed" in result.get_attribute("class")
    assert "Søren" in page_text(pdf)
    (token,) = query(world, "SELECT token FROM cards")[0]
    expected = f"{world.base_url}/f/{token}"
    assert decode_qr(raster(pdf, 203)) == [expected.upper()]
    assert page.locator("#recent li .order").first.inner_text() == "5001"
    assert page.evaluate("window.greetingsPrinted") == 1
    assert_focus_in_scan_field(page)


def frame_strips(page, dpi: int) -> list[tuple[Image.Image, int]]:
    """The strips of the card in the station's print frame, each with its top row."""
    strips = page.frame_locator(".print-frame.card-frame").locator(".card img").evaluate_all(
        "(images) => images.map((img) => [img.src, parseFloat(img.style.top)])")
    return [(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))),
             round(top_px / 96 * dpi)) for src, top_px in strips]


def frame_card(page, dpi: int) -> Image.Image:
    """The card in the station's print frame, its strips put together where they are."""
    pieces = frame_strips(page, dpi)
    width, height = pieces[0][0].width, pieces[-1][1] + pieces[-1][0].height
    whole = Image.new(pieces[0][0].mode, (width, height), "white")
    for piece, top in pieces:
        whole.paste(piece, (0, top))
    return whole


def image_boxes(pdf_page) -> list[tuple[float, float, float, float]]:
    """The boxes (left, bottom, right, top in points) of a PDF page's images, top first."""
    boxes = [image.get_bounds() for image in
             pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    return sorted(boxes, key=lambda box: -box[3])


@pytest.mark.parametrize(("profile", "dpi", "kind"), [("a6", 300, "image/jpeg"),
                                                     ("thermal4x6", 203, "image/png")])
def test_the_card_prints_as_its_image_at_the_cards_size(page, world, profile, dpi, kind):
    """The print frame holds the card's PDF rasterised at the printer's resolution, in
    strips; printed, its page is the card's paper, with no seam between the strips, and
    its QR code still opens the card's feedback page."""
    set_up_station(page, world, profile=profile)
    sign_in_by_badge(page)
    _, pdf = scan_printing(page, "5001")
    expect(page.locator("#station")).to_have_attribute("data-printed", "1")
    (token,) = query(world, "SELECT token FROM cards")[0]
    expected = f"{world.base_url}/f/{token}".upper()
    card_width, card_height = pdf_pages(pdf)[0].get_size()  # points

    # The frame's own image: the card at the printer's dots, colour unless thermal.
    assert page.evaluate("window.greetingsPrintedImages") == [True], "printed before loaded"
    assert page.locator(".print-frame.card-frame").count() == 1
    shown = frame_card(page, dpi)
    assert abs(shown.width / (card_width / 72) - dpi) < 2, shown.size
    assert abs(shown.height / (card_height / 72) - dpi) < 2, shown.size
    assert shown.mode == ("L" if profile.startswith("thermal") else "RGB")
    assert decode_qr(shown) == [expected]

    # Printed as Chromium prints the frame's page (its @page rule decides the paper). Its
    # HTML holds the strips' places as the style the page's script gave them, which the
    # station's CSP refuses in markup: the copy is printed without the CSP.
    printing = page.context.browser.new_context(bypass_csp=True)
    printer = printing.new_page()
    printer.goto(world.base_url + "/station/help")
    html = printed_card_page(page)
    assert f'src="data:{kind};base64,' in html
    printer.set_content(html)
    printed = pdf_pages(printer.pdf(prefer_css_page_size=True, print_background=True))
    assert len(printed) == 1
    width, height = printed[0].get_size()
    assert abs(width - card_width) < 1 and abs(height - card_height) < 1, (
        (width, height), (card_width, card_height))
    # Strip after strip from the top of the paper, each at its own size (rows at the
    # printer's dots): none moved or stretched, no gap or overlap between two.
    boxes = image_boxes(printed[0])
    assert len(boxes) > 1 and abs(boxes[0][3] - height) < 0.01, boxes[:1]
    rows = [piece.height for piece, _ in frame_strips(page, dpi)]
    assert len(rows) == len(boxes)
    for (_, bottom, _, top), (_, _, _, next_top), strip_rows in zip(
            boxes, boxes[1:], rows, strict=False):
        assert abs(bottom - next_top) < 0.01, (bottom, next_top)
        assert abs(top - bottom - strip_rows / dpi * 72) < 0.01, (top - bottom, strip_rows)
    paper = printed[0].render(scale=dpi / 72).to_pil()
    assert decode_qr(paper) == [expected]
    printing.close()

    # The next card takes the frame's images over, and what prints is that card - also
    # after the 8 s the page gives a new frame to load (it once dropped the kept frame
    # then, and each later card made a frame of its own that stayed for the shift).
    page.wait_for_timeout(8500)
    scan_printing(page, "5002")
    expect(page.locator("#station")).to_have_attribute("data-printed", "2")
    assert page.locator(".print-frame.card-frame").count() == 1
    assert page.evaluate("window.greetingsPrintedImages") == [True, True]
    (second,) = query(world, "SELECT token FROM cards ORDER BY id DESC LIMIT 1")[0]
    assert decode_qr(frame_card(page, dpi)) == [f"{world.base_url}/f/{second}".upper()]


def test_unknown_and_cancelled_orders_show_their_error_and_keep_the_focus(page, world):
    set_up_station(page, world)
    sign_in_by_badge(page)
    result = scan(page, "NO-SUCH-ORDER")
    assert "result-unknown" in result.get_attribute("class")
    assert "NO-SUCH-ORDER" in result.inner_text()
    assert_focus_in_scan_field(page)
    result = scan(page, "5003")
    assert "result-cancelled" in result.get_attribute("class")
    assert_focus_in_scan_field(page)
    assert query(world, "SELECT count(*) FROM shipments")[0][0] == 0


def test_order_packed_by_someone_else_offers_reprint_or_repack(page, world):
    set_up_station(page, world)
    sign_in_by_badge(page, "BADGE-7")
    scan(page, "5001")
    page.get_by_role("button", name="Sign out").click()
    sign_in_by_badge(page)
    result = scan(page, "5001")
    assert "result-other_packer" in result.get_attribute("class")
    assert "Bo" in result.inner_text()
    scan_printing(page, None, page.get_by_role("button", name="Repack as me").click)
    assert query(world, "SELECT p.display_name FROM shipments s JOIN packers p "
                        "ON p.id = s.packer_id")[0][0] == "Åse"


def test_idle_packer_is_signed_out(page, world):
    page.clock.install()
    set_up_station(page, world, idle_minutes=1)
    sign_in_by_badge(page)
    page.clock.fast_forward("01:05")
    page.wait_for_selector("#badge")
    assert page.locator("#code").count() == 0
    # The sign-in page says why.
    assert "signed out after 1 minute without a scan" in page.locator("main").inner_text()


def test_wrong_pins_slow_down_and_a_badge_still_signs_in(page, world):
    set_up_station(page, world)

    def enter_pin(pin):
        page.locator("details.tile", has_text="Åse").locator("summary").click()
        for digit in pin:
            page.locator("details.tile[open] .keypad").get_by_role(
                "button", name=digit, exact=True).click()
        page.locator("details.tile[open]").get_by_role("button", name="OK").click()

    enter_pin("0000")
    expect(page.locator(".flash-error")).to_contain_text("2 more tries before a short wait")
    for _ in range(3):
        enter_pin("0000")
        page.wait_for_selector(".flash-error")
    # Slowed down, never locked: the badge signs in at once.
    assert "Wait" in page.locator(".flash-error").inner_text()
    assert page.locator("#code").count() == 0
    sign_in_by_badge(page, BADGE)
    assert page.locator("#packer-name").inner_text() == "Åse"


def test_the_pin_pad_fits_a_1024_by_600_touchscreen(page, world):
    page.set_viewport_size({"width": 1024, "height": 600})
    set_up_station(page, world)
    page.locator("details.tile", has_text="Åse").locator("summary").click()
    keypad = page.locator("details.tile[open] .keypad")
    expect(keypad).to_be_visible()
    ok = keypad.get_by_role("button", name="OK")
    box = ok.bounding_box()
    assert box["y"] + box["height"] <= 600, box
    # No scrolling was needed to reach it, and the keypad keeps its three columns.
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    assert len({round(b.bounding_box()["x"]) for b in keypad.get_by_role("button").all()}) == 3

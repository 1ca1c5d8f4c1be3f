"""A new manager, in Debian's chromium, gets a packer to print a card with their signature.

No command line: the manager signs in, adds a packer, draws the signature with the mouse
on the canvas, sees it on the card preview, sets a PIN; the packer signs in at a station
with that PIN and prints a card, and the card's PDF carries the drawn signature. Only
the staff login and the shop's integration exist beforehand (put in the database as a
deployment's admin would have done), and the order arrives through the real webhook.
"""

import io
import math
import re

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from playwright.sync_api import expect

from greetings.extensions import db
from greetings.staff.service import create_user
from tests.conftest import make_app, make_integrations
from tests.station.conftest import post_order, query, scan_printing
from tests.support.browser import PRINT_STUB
from tests.support.pdf import decode_qr, raster
from tests.support.worker import wait_until

MANAGER = ("nina@example.com", "first-day-at-work")


@pytest.fixture
def world(live_server, tmp_path):
    seed = make_app(tmp_path / "seed", live_server.env["GREETINGS_DATABASE_URL"])
    with seed.app_context():
        create_user(MANAGER[0], MANAGER[1], "manager")
        db.session.commit()
    make_integrations(seed)
    with seed.app_context():
        db.engine.dispose()
    post_order(live_server, "7001", customer={"first_name": "Emma", "locale": "en"})
    return live_server


def draw_signature(page):
    """Sign on the canvas with the mouse: a looping first name and an underline."""
    canvas = page.locator("#signature-canvas")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(left + width * 0.1, top + height * 0.6)
    page.mouse.down()
    for step in range(1, 60):
        x = left + width * (0.1 + 0.7 * step / 60)
        y = top + height * (0.5 + 0.25 * math.sin(step / 3.0))
        page.mouse.move(x, y, steps=2)
    page.mouse.up()
    page.mouse.move(left + width * 0.15, top + height * 0.85)
    page.mouse.down()
    page.mouse.move(left + width * 0.85, top + height * 0.8, steps=20)
    page.mouse.up()


def image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    """Return the pixel size of every image the PDF's first page draws."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [tuple(image.get_px_size())
                for image in document[0].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    finally:
        document.close()


def test_a_new_manager_gets_a_packer_printing_with_a_drawn_signature(browser, world):
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = desk.new_page()
    page.goto(world.base_url + "/?lang=en")
    page.get_by_role("link", name=re.compile("console|sign in", re.I)).first.click()
    page.fill("input[name=email]", MANAGER[0])
    page.fill("input[name=password]", MANAGER[1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a packer").first.click()
    page.get_by_label("Full name").fill("Maja Lindqvist")
    page.get_by_label("Display name").fill("Maja")
    page.get_by_label("Badge").fill("BADGE-MAJA")
    page.get_by_label("English").fill("Packed with care in Aarhus")
    page.get_by_role("button", name="Add the packer").click()
    page.wait_for_url(re.compile(r"/admin/people/\d+/signature"))

    draw_signature(page)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview-a6")
    expect(preview).to_be_visible(timeout=30_000)
    assert page.evaluate("document.getElementById('preview-a6').naturalWidth") > 300
    assert page.evaluate("document.getElementById('preview-thermal').naturalWidth") > 300
    page.get_by_label("The packer agrees that cards carry this signature").check()
    page.get_by_role("button", name="Save the signature").click()
    expect(page.locator(".flash-success")).to_contain_text("signature is saved")
    (drawn,) = query(world, "SELECT signature_png FROM packers WHERE display_name = 'Maja'")[0]
    stored = Image.open(io.BytesIO(drawn))
    assert stored.getchannel("A").getbbox() is not None  # ink, not an empty canvas

    page.get_by_role("link", name="Maja").first.click()
    card = page.locator("img.card-preview")
    expect(card).to_be_visible()
    # Polled with evaluate: wait_for_function needs eval, which the page's CSP forbids (it
    # only passed when the image had loaded before its first check).
    wait_until(lambda: page.evaluate(
        "document.querySelector('img.card-preview').naturalWidth") > 300,
        timeout=30, what="the card preview to load")
    expect(page.get_by_text("Signature on cards")).to_be_visible()
    page.get_by_label("New PIN").fill("5829")
    page.get_by_role("button", name="Set PIN").click()
    expect(page.locator(".flash-success")).to_contain_text("PIN is set")
    desk.close()

    station = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    station.add_init_script(script=PRINT_STUB)
    page = station.new_page()
    page.goto(world.base_url + "/station/?lang=en")
    page.get_by_role("link", name="Set up this station").click()
    page.fill("input[name=email]", MANAGER[0])
    page.fill("input[name=password]", MANAGER[1])
    page.get_by_role("button", name="Sign in").click()
    page.fill("input[name=name]", "Table 1")
    page.get_by_role("button", name="Save and use this computer").click()
    page.wait_for_selector("#badge")
    page.locator("details.tile", has_text="Maja").locator("summary").click()
    for digit in "5829":
        page.locator("details.tile[open] .keypad").get_by_role(
            "button", name=digit, exact=True).click()
    page.locator("details.tile[open]").get_by_role("button", name="OK").click()
    page.wait_for_selector("#code")
    assert page.locator("#packer-name").inner_text() == "Maja"
    result, pdf = scan_printing(page, "7001")
    assert "result-printed" in result.get_attribute("class")
    station.close()

    # The card carries one image, the drawn signature as stored, and a QR that scans.
    assert image_sizes(pdf) == [stored.size]
    (token,) = query(world, "SELECT token FROM cards")[0]
    assert decode_qr(raster(pdf, 203)) == [f"{world.base_url}/f/{token}".upper()]

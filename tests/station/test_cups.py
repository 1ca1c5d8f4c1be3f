"""Direct printing through a real cupsd to a cups-pdf queue, checked on the PDF that comes out.

The station's server sends the card with `lp`; CUPS turns it into PostScript with its
pdftops filter (as for any PostScript printer) and cups-pdf turns that back into a PDF.
What arrives shows what the print path kept: the card's page size (CUPS defaults make an
A4 page with a 300 dpi bitmap of the card on it), its text, and a QR code that scans.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import need, start_live_server
from tests.station.conftest import post_order, query, scan, set_up_station, sign_in_by_badge
from tests.support import cups as cups_support
from tests.support.pdf import decode_qr, page_text, pdf_pages, raster

MM_PER_PT = 25.4 / 72
SIZES_MM = {"a6": (105.0, 148.0), "thermal4x6": (101.6, 152.4)}


@pytest.fixture(scope="module")
def cups():
    """A cupsd of our own on a free port, with cups-pdf as its printer."""
    need(cups_support.missing() is None, f"no CUPS to print to: {cups_support.missing()}")
    server = cups_support.CupsServer().start()
    yield server
    server.stop()


@pytest.fixture
def live_server(tmp_path, cups):
    """The live app (as in tests/conftest.py), told to print through our cupsd."""
    server = start_live_server(tmp_path, GREETINGS_CUPS_SERVER=cups.address)
    yield server
    server.stop()


def print_directly(page, server, queue, profile="a6"):
    """Make the browser a station that prints to a CUPS queue, and sign Åse in."""
    set_up_station(page, server, profile=profile, cups_queue=queue)
    sign_in_by_badge(page)


def scan_and_answer(page, code):
    """Scan like a scanner does; return the result box and the server's JSON answer."""
    with page.expect_response(re.compile(r"/station/scan$")) as response:
        result = scan(page, code)
    return result, response.value.json()


def feedback_url(server, order_number):
    (token,) = query(server, "SELECT c.token FROM cards c JOIN shipments s ON s.id = "
                             "c.shipment_id JOIN orders o ON o.id = s.order_id "
                             "WHERE o.number = :n ORDER BY c.id DESC", n=order_number)[0]
    return f"{server.base_url}/f/{token}"


def assert_is_the_card(pdf, server, order_number, customer, profile="a6"):
    """The PDF from the printer is the order's card: its size, its text, a QR that scans."""
    document = pdf_pages(pdf)
    assert len(document) == 1
    width, height = (side * MM_PER_PT for side in document[0].get_size())
    expected_w, expected_h = SIZES_MM[profile]
    assert abs(width - expected_w) <= 1 and abs(height - expected_h) <= 1, (width, height)
    # Text kept as text (a bitmap of the card has none), diacritics and all.
    assert customer in page_text(pdf)
    # No page-sized picture of the card: logo and signature are the only images.
    page_area = width * height / MM_PER_PT ** 2
    for image in document[0].get_objects(filter=[3]):  # FPDF_PAGEOBJ_IMAGE
        left, bottom, right, top = image.get_pos()
        assert (right - left) * (top - bottom) < page_area / 2
    # As a 203 dpi thermal head prints it, a phone still reads the feedback address.
    expected = feedback_url(server, order_number)
    assert decode_qr(raster(pdf, 203)) in ([expected], [expected.upper()])


@pytest.mark.parametrize("profile", ["a6", "thermal4x6"])
def test_a_scan_prints_the_card_through_cups_at_its_own_size(page, world, cups, profile):
    queue = cups.add_queue()
    print_directly(page, world, queue, profile)

    result, answer = scan_and_answer(page, "#5001")

    assert answer["result"] == "printed" and answer["print_mode"] == "cups"
    assert answer["job"].startswith(f"{queue}-")
    assert_is_the_card(cups.wait_for_pdf(answer["job"]), world, "5001", "Søren", profile)
    # The page follows the job to its end: sent, then printed.
    expect(result).to_have_class(re.compile(r"\bresult-printed\b"), timeout=30_000)
    expect(result).to_contain_text("Card printed for order 5001", timeout=30_000)
    expect(page.locator("#code")).to_be_focused(timeout=3000)


def test_a_missing_queue_is_reported_and_the_retry_prints_once_it_exists(page, world, cups):
    queue = cups.new_queue_name()  # the station names it; CUPS does not know it yet
    print_directly(page, world, queue)

    result, answer = scan_and_answer(page, "5001")

    assert answer["result"] == "print_failed"
    assert "result-print_failed" in result.get_attribute("class")
    assert "Printer needs attention" in result.inner_text()
    assert "does not exist" in answer["message"] and "lp:" not in answer["message"]
    expect(page.get_by_role("button", name="Try the printer again")).to_be_visible()
    # The parcel is packed all the same; only the card is missing.
    assert query(world, "SELECT count(*) FROM shipments")[0][0] == 1

    cups.add_queue(queue)
    token = page.locator("#scan-form input[name=csrf_token]").input_value()
    retried = page.request.post(
        f"{world.base_url}/station/cards/{answer['card_id']}/print",
        form={"csrf_token": token}, headers={"Accept": "application/json"})
    assert retried.status == 200, retried.text()
    again = retried.json()
    assert again["result"] == "printed" and again["job"].startswith(f"{queue}-")
    assert_is_the_card(cups.wait_for_pdf(again["job"]), world, "5001", "Søren")
    assert query(world, "SELECT count(*) FROM shipments")[0][0] == 1


def test_a_queue_refusing_jobs_is_reported_and_the_retry_key_prints_that_card(
        page, world, cups):
    post_order(world, "5004", customer={"first_name": "Ida"})
    queue = cups.add_queue()
    print_directly(page, world, queue)
    _, first = scan_and_answer(page, "5002")
    assert first["result"] == "printed"
    cups.wait_for_pdf(first["job"])

    cups.reject(queue)
    result, answer = scan_and_answer(page, "5001")
    assert answer["result"] == "print_failed"
    assert "not accepting jobs" in result.inner_text()
    # The next scan right after the failure is packed; the question stays for 5001.
    page.keyboard.type("5004", delay=5)
    page.keyboard.press("Enter")
    expect(page.locator("#decisions li")).to_have_count(2, timeout=30_000)
    assert query(world, "SELECT count(*) FROM shipments")[0][0] == 3
    question = page.locator("#decisions li").first
    assert question.get_attribute("data-order") == "5001"
    expect(question.get_by_role("button", name="Try the printer again")).to_be_visible()

    cups.accept(queue)
    with page.expect_response(re.compile(r"/station/cards/\d+/print$")) as response:
        page.keyboard.press("F2")
    again = response.value.json()
    assert again["result"] == "printed"
    # The retry prints the card that failed (5001, Søren), not the last one that printed.
    assert_is_the_card(cups.wait_for_pdf(again["job"]), world, "5001", "Søren")
    assert query(world, "SELECT c.print_count FROM cards c JOIN shipments s ON s.id = "
                        "c.shipment_id JOIN orders o ON o.id = s.order_id "
                        "WHERE o.number = '5001'")[0][0] == 2
    expect(page.locator("#decisions li[data-order='5004']")).to_have_count(1)
    expect(page.locator("#code")).to_be_focused(timeout=3000)


def test_a_stopped_printer_turns_a_waiting_job_into_needs_attention(page, world, cups):
    queue = cups.add_queue()
    print_directly(page, world, queue)
    cups.disable(queue)  # it takes the job, then the job waits
    _, answer = scan_and_answer(page, "5001")
    assert answer["result"] == "printed" and answer["job"]
    result = page.locator("#result")
    expect(result).to_have_class(re.compile(r"\bresult-needs_attention\b"), timeout=30_000)
    assert "Printer needs attention" in result.inner_text()
    assert "paused" in result.inner_text() or "stopped" in result.inner_text()
    assert "Card printed" not in result.inner_text()
    expect(page.locator("#decisions li[data-order='5001']")).to_have_count(1)

"""Direct printing through a real cupsd to a cups-pdf queue, checked on the PDF that comes out.

The station's server sends the card with `lp`; CUPS turns it into PostScript with its
pdftops filter (as for any PostScript printer) and cups-pdf turns that back into a PDF.
What arrives shows what the print path kept: the card's page size (CUPS defaults make an
A4 page with a 300 dpi bitmap of the card on it), its text, and a QR code that scans.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import need
from tests.station.conftest import query, scan, set_up_station, sign_in_by_badge
from tests.support import cups as cups_support
from tests.support.pdf import decode_qr, page_text, pdf_pages, raster
from tests.support.servers import GunicornServer

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
    instance = tmp_path / "live-instance"
    server = GunicornServer(instance, f"sqlite:///{instance / 'greetings.sqlite'}", workers=2,
                            extra_env={"GREETINGS_SECRET_KEY": "live-test",
                                       "GREETINGS_CUPS_SERVER": cups.address})
    server.env["GREETINGS_PUBLIC_BASE_URL"] = server.base_url
    server.start()
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

    assert "result-printed" in result.get_attribute("class")
    assert answer["print_mode"] == "cups"
    assert answer["job"].startswith(f"{queue}-")
    assert_is_the_card(cups.wait_for_pdf(answer["job"]), world, "5001", "Søren", profile)
    expect(page.locator("#code")).to_be_focused(timeout=3000)


def test_a_missing_queue_is_reported_and_the_retry_prints_once_it_exists(page, world, cups):
    queue = cups.new_queue_name()  # the station names it; CUPS does not know it yet
    print_directly(page, world, queue)

    result, answer = scan_and_answer(page, "5001")

    assert answer["result"] == "print_failed"
    assert "result-print_failed" in result.get_attribute("class")
    assert "The printer did not take the card" in result.inner_text()
    assert "does not exist" in answer["message"]
    expect(page.get_by_role("button", name="Try the printer again")).to_be_visible()
    # The parcel is packed all the same; only the card is missing.
    assert query(world, "SELECT count(*) FROM shipments")[0][0] == 1

    cups.add_queue(queue)
    token = page.locator("#scan-form input[name=csrf_token]").input_value()
    retried = page.request.post(
        f"{world.base_url}/station/shipments/{answer['shipment_id']}/print",
        form={"csrf_token": token}, headers={"Accept": "application/json"})
    assert retried.status == 200, retried.text()
    again = retried.json()
    assert again["result"] == "printed" and again["job"].startswith(f"{queue}-")
    assert_is_the_card(cups.wait_for_pdf(again["job"]), world, "5001", "Søren")
    assert query(world, "SELECT count(*) FROM shipments")[0][0] == 1


def test_a_queue_refusing_jobs_is_reported_and_the_retry_button_prints_that_card(
        page, world, cups):
    queue = cups.add_queue()
    print_directly(page, world, queue)
    _, first = scan_and_answer(page, "5002")
    assert first["result"] == "printed"
    cups.wait_for_pdf(first["job"])

    cups.reject(queue)
    result, answer = scan_and_answer(page, "5001")
    assert answer["result"] == "print_failed"
    assert "not accepting jobs" in result.inner_text()
    retry = page.get_by_role("button", name="Try the printer again")
    expect(retry).to_be_focused()

    cups.accept(queue)
    with page.expect_response(re.compile(r"/station/(scan|shipments/\d+/print)$")) as response:
        retry.click()
    again = response.value.json()
    expect(page.locator("#result")).to_have_class(re.compile(r"\bresult-printed\b"))
    # The retry prints the card that failed (5001, Søren), not the last one that printed.
    assert_is_the_card(cups.wait_for_pdf(again["job"]), world, "5001", "Søren")
    expect(page.locator("#code")).to_be_focused(timeout=3000)

"""The scanner-proof station in Debian's Chromium: keyboard only, 5 ms per character.

A scanner types its code and Enter wherever the focus is; every scan must be handled
once, in order, whatever is on screen: a card loading, a question left open.
"""

from playwright.sync_api import expect

from tests.station.conftest import post_order, query, set_up_station, sign_in_by_badge

SCANNER_DELAY_MS = 5


def scanner(page, code):
    """Type a code as a barcode scanner does: fast characters, then Enter."""
    page.keyboard.type(code, delay=SCANNER_DELAY_MS)
    page.keyboard.press("Enter")


def wait_until_handled(page, count, timeout=120_000):
    """Wait until the page has answered `count` scans and its queue is empty."""
    station = page.locator("#station")
    expect(station).to_have_attribute("data-handled", str(count), timeout=timeout)
    expect(station).to_have_attribute("data-queued", "0", timeout=timeout)


def ready(page):
    expect(page.locator("#station")).to_have_attribute("data-ready", "1")


def packed_orders(server):
    """Order numbers in the order their first card was made."""
    return [row[0] for row in query(
        server, "SELECT o.number FROM cards c JOIN shipments s ON s.id = c.shipment_id "
                "JOIN orders o ON o.id = s.order_id ORDER BY c.id")]


def test_twenty_scans_100_ms_apart_are_all_packed_once_in_order(page, world):
    numbers = [str(6100 + n) for n in range(20)]
    for number in numbers:
        post_order(world, number)
    set_up_station(page, world)
    sign_in_by_badge(page)
    ready(page)
    for number in numbers:
        scanner(page, number)
        page.wait_for_timeout(100)
    wait_until_handled(page, 20)
    assert packed_orders(world) == numbers
    assert query(world, "SELECT count(*), sum(print_count) FROM cards")[0] == (20, 20)
    logged = page.locator("#recent li .order").all_inner_texts()
    assert logged[:20] == list(reversed(numbers))
    expect(page.locator("#station")).to_have_attribute("data-printed", "20", timeout=60_000)


def test_a_scan_right_after_an_amber_result_is_packed_and_the_question_stays(page, world):
    set_up_station(page, world)
    sign_in_by_badge(page, "BADGE-7")
    ready(page)
    scanner(page, "5001")
    wait_until_handled(page, 1)
    page.get_by_role("button", name="Sign out").click()
    sign_in_by_badge(page)
    ready(page)
    # Amber for 5001 (Bo packed it), and at once the next parcel.
    scanner(page, "5001")
    scanner(page, "5002")
    wait_until_handled(page, 2)
    assert packed_orders(world) == ["5001", "5002"]
    question = page.locator("#decisions li[data-order='5001']")
    expect(question).to_be_visible()
    assert "Bo" in question.inner_text()
    # Its Enter was the scan's, not the question's: 5001 is still Bo's, printed once.
    assert query(world, "SELECT count(*) FROM cards")[0][0] == 2
    # The question is answered with its own key: repack as Åse.
    page.keyboard.press("F4")
    wait_until_handled(page, 3)
    expect(question).to_have_count(0)
    assert query(world, "SELECT p.display_name FROM shipments s JOIN packers p ON p.id = "
                        "s.packer_id JOIN orders o ON o.id = s.order_id "
                        "WHERE o.number = '5001'")[0][0] == "Åse"


def test_nothing_typed_while_a_card_loads_is_lost(page, world):
    post_order(world, "5004")
    set_up_station(page, world)
    sign_in_by_badge(page)
    ready(page)
    # No pause at all: the second and third codes arrive while the first card loads.
    page.keyboard.type("5001\n5002\n5004\n", delay=SCANNER_DELAY_MS)
    wait_until_handled(page, 3)
    assert packed_orders(world) == ["5001", "5002", "5004"]
    assert page.locator("#code").input_value() == ""
    assert "Unknown order" not in page.locator("#recent").inner_text()

"""A phone in Chromium: from a printed card's QR code to the thank-you, with and without JS."""

import json
from pathlib import Path

import pytest

from tests.feedback.live import http, packed_card, url_from_card

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "da-DK"}
WEIGHT_LIMIT = 50 * 1024


@pytest.fixture
def card_url(live_server, tmp_path):
    pdf, _ = packed_card(live_server, tmp_path)
    url = url_from_card(pdf)
    assert url.upper().startswith(live_server.base_url.upper() + "/F/")
    return url


def phone(browser, **options):
    """A new phone-sized context, recording every request it makes."""
    context = browser.new_context(**PHONE, **options)
    page = context.new_page()
    page.loaded = []
    page.on("requestfinished", lambda request: page.loaded.append(request))
    return context, page


def weight(page) -> int:
    """Sum the bytes of everything the page loaded (HTML, CSS, JS, images)."""
    total = 0
    for request in page.loaded:
        response = request.response()
        if response is not None and request.url.startswith("http"):
            total += len(response.body())
    return total


def rate_and_send(page, url, comment):
    """Do what the customer does: open the URL, tap 5, write, send."""
    page.goto(url)
    assert page.locator("h1").inner_text() == "Hej Søren!"
    page.locator("label[for=rating-5]").tap()
    assert page.locator("#rating-5").is_checked()
    page.locator("#comment").fill(comment)
    page.locator("button[type=submit]").tap()
    page.wait_for_url("**/thanks**")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_from_card_to_thank_you(browser, live_server, card_url, javascript):
    context, page = phone(browser, java_script_enabled=javascript)
    rate_and_send(page, card_url, "Kaffen kom perfekt frem ☕")
    assert page.locator("h1").inner_text() == "Tak, Søren!"
    assert "Åse ser dit svar ved pakkestationen" in page.locator("main").inner_text()
    assert "Kaffen kom perfekt frem ☕" in page.locator("blockquote").inner_text()
    # Nothing was asked of any other host.
    assert all(r.url.startswith(live_server.base_url) for r in page.loaded)
    context.close()
    api_token = live_server.cli_here("token", "add", "crm").strip()
    _, body = http(live_server, "GET", "/api/v1/feedback",
                   headers={"Authorization": f"Bearer {api_token}"})
    [item] = json.loads(body)["feedback"]
    assert item["rating"] == 5 and item["comment"] == "Kaffen kom perfekt frem ☕"


def test_page_is_light_and_fits_360px(browser, card_url):
    context, page = phone(browser)
    page.goto(card_url)
    page.wait_for_load_state("networkidle")
    kinds = {request.resource_type for request in page.loaded}
    assert {"document", "stylesheet", "script", "image"} <= kinds  # the signature too
    total = weight(page)
    print(f"feedback page weight: {total} bytes in {len(page.loaded)} requests")
    assert total < WEIGHT_LIMIT, total
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("label[for=rating-1]").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb's tap target
    context.close()


def run_axe(page) -> list:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]])
            for v in result["violations"]]


def test_axe_finds_no_violations(browser, live_server, card_url):
    # Only axe's own script needs the CSP bypassed; the pages are as served.
    context, page = phone(browser, bypass_csp=True)
    page.goto(card_url)
    assert run_axe(page) == []
    page.goto(card_url.replace("/F/", "/f/") + "?lang=en")
    page.locator("#comment").fill("x")
    page.evaluate("document.getElementById('feedback').noValidate = true")
    page.locator("button[type=submit]").click()  # no rating: the page with its error
    assert page.locator(".errors").is_visible()
    assert run_axe(page) == []
    page.locator("label[for=rating-3]").tap()
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/thanks**")
    assert run_axe(page) == []
    page.goto(live_server.base_url + "/f/AAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert run_axe(page) == []
    context.close()

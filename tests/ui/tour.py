"""A walk through every page of the three audiences, on a live server with demo data.

The accessibility test (test_axe.py) runs axe-core at each stop; the screenshot script
(screenshots.py) takes a picture. Both see the same pages in the same states, so a page
added to the tour is checked and pictured at once.
"""

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.feedback.live import http
from tests.support.browser import PRINT_STUB

ROOT = Path(__file__).resolve().parents[2]
MANAGER = ("manager@example.com", "demo-manager-1")  # greetings/cli/demo_people.py
ADMIN = ("admin@example.com", "demo-admin-1")  # greetings/cli/demo_people.py
DESK = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1,
         "is_mobile": True, "has_touch": True}


@dataclass
class World:
    """What the tour needs to know about the demo deployment it walks through."""

    base_url: str
    card_urls: dict  # order number → its card's feedback URL (what the QR code carries)


def build_world(server) -> World:
    """Load the demo (with its manager and admin) and pack three demo orders by the API."""
    server.cli_here("demo")
    token = server.cli_here("token", "add", "tour").strip()
    urls = {}
    # 1001 was packed by the demo (by Åse): packing it again answers its card.
    for number, badge in (("1001", "DEMO-ASE"), ("1004", "DEMO-SOREN"), ("1005", "DEMO-ASE")):
        _, body = http(server, "POST", "/api/v1/pack",
                       json.dumps({"order": number, "badge": badge}).encode(),
                       {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"})
        urls[number] = json.loads(body)["shipment"]["feedback_url"]
    return World(server.base_url, urls)


def sign_in(page, base_url, who=MANAGER, next_path="/admin/"):
    """Sign a staff member in through the login form."""
    page.goto(f"{base_url}/staff/login?next={next_path}&lang=en")
    page.fill("input[name=email]", who[0])
    page.fill("input[name=password]", who[1])
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(".*" + re.escape(next_path) + ".*"))


def answer(page, url, stars, comment):
    """Rate a card and comment on it, as the customer does."""
    page.goto(url)
    page.locator(f"label[for=rating-{stars}]").click()
    page.locator("#comment").fill(comment)
    page.locator("#feedback button[type=submit]").click()
    page.wait_for_url("**/thanks**")


def customer_tour(browser, world: World, stop, **context_options):
    """The phone: the card's page, its error state, the thank-you and a 404."""
    context = browser.new_context(**PHONE, **context_options)
    page = context.new_page()
    page.goto(world.card_urls["1001"])
    stop("customer-feedback", page)
    page.locator("#comment").fill("x")
    page.evaluate("document.getElementById('feedback').noValidate = true")
    page.locator("#feedback button[type=submit]").click()
    page.locator(".errors").wait_for()
    stop("customer-feedback-error", page)
    answer(page, world.card_urls["1001"], 5, "Kaffen kom perfekt frem. Tak, Åse!")
    stop("customer-thanks", page)
    answer(page, world.card_urls["1004"], 4, "Snabbt och fint packat.")
    answer(page, world.card_urls["1005"], 2, "The box was dented, but the bottle is fine.")
    page.goto(world.base_url + "/f/AAAAAAAAAAAAAAAAAAAAAAAAAA")
    stop("customer-404", page)
    context.close()


def console_tour(browser, world: World, stop, **context_options):
    """The manager's desk: start page, sign-in, overview, feedback and its filters."""
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    page = context.new_page()
    page.goto(world.base_url + "/?lang=en")
    stop("start", page)
    page.goto(world.base_url + "/staff/login?lang=en")
    stop("staff-login", page)
    page.fill("input[name=email]", MANAGER[0])
    page.fill("input[name=password]", "wrong password")
    page.locator("form button[type=submit]").click()
    page.locator(".flash-error").wait_for()
    stop("staff-login-error", page)
    sign_in(page, world.base_url)
    stop("console-overview", page)
    page.goto(world.base_url + "/admin/feedback")
    stop("console-feedback", page)
    reason = page.locator("form.hide-form input[name=reason]").last
    reason.fill("Names a colleague")
    page.locator("form.hide-form").last.get_by_role("button").click()
    page.locator(".flash-success").wait_for()
    page.goto(world.base_url + "/admin/feedback?show=hidden")
    stop("console-feedback-hidden", page)
    page.goto(world.base_url + "/admin/feedback?show=comments")
    page.get_by_role("button", name="Pin to the packer's best of").first.click()
    page.locator(".flash-success").wait_for()
    page.goto(world.base_url + "/admin/dashboard")
    stop("console-dashboard", page)
    page.goto(world.base_url + "/admin/worklist")
    stop("console-worklist", page)
    page.goto(world.base_url + f"/admin/digest?week={date.today().isoformat()}")
    stop("console-digest", page)
    page.goto(world.base_url + "/admin/no-such-page")
    stop("console-404", page)
    context.close()
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    page = context.new_page()
    sign_in(page, world.base_url, ADMIN)
    stop("console-overview-admin", page)
    context.close()


def people_tour(browser, world: World, stop, **context_options):
    """People and Access: the list, a packer, adding one, the signature, tokens, staff."""
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    page = context.new_page()
    sign_in(page, world.base_url)
    page.goto(world.base_url + "/admin/people?lang=en")
    stop("console-people", page)
    page.get_by_role("link", name="Add a packer").first.click()
    page.get_by_role("button", name="Add the packer").click()
    page.locator(".field-error").first.wait_for()
    stop("console-people-add-errors", page)
    page.get_by_label("Full name").fill("Maja Lindqvist")
    page.get_by_label("Display name").fill("Maja")
    page.get_by_label("Badge").fill("TOUR-MAJA")
    page.get_by_role("button", name="Add the packer").click()
    page.locator("#signature-canvas").wait_for()
    stop("console-signature", page)
    box = page.locator("#signature-canvas").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 120)
    page.mouse.down()
    for step in range(1, 40):
        page.mouse.move(box["x"] + 40 + step * 9, box["y"] + 100 + (step % 7) * 9)
    page.mouse.up()
    page.get_by_role("button", name="Preview").click()
    page.locator("#preview-thermal").wait_for()
    stop("console-signature-preview", page)
    page.goto(world.base_url + "/admin/people?q=%C3%85se")
    page.get_by_role("link", name="Åse").first.click()
    page.locator("#packer-form").wait_for()
    stop("console-packer", page)
    context.close()
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    page = context.new_page()
    sign_in(page, world.base_url, ADMIN)
    page.goto(world.base_url + "/admin/access/tokens?lang=en")
    page.get_by_label("Name", exact=True).fill("WMS")
    page.get_by_label(re.compile("^packers:write")).check()
    page.get_by_role("button", name="Make the token").click()
    page.locator("#new-token").wait_for()
    stop("console-tokens", page)
    page.goto(world.base_url + "/admin/access/users")
    stop("console-users", page)
    context.close()


def setup_tour(browser, world: World, stop, **context_options):
    """The console's set-up pages: greeting texts and brand (manager); integrations and
    outbound endpoints (admin), with their forms' error and "shown once" states."""
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    page = context.new_page()
    sign_in(page, world.base_url)
    page.goto(world.base_url + "/admin/greetings")
    stop("console-greetings", page)
    page.goto(world.base_url + "/admin/greetings/da")
    page.locator("#preview-image").wait_for()
    stop("console-greeting-edit", page)
    page.locator("#template").fill('{% for i in range(10**9) %}x{% endfor %}Hej {{ first_name }}')
    page.get_by_role("button", name="Save").click()
    page.locator("#problems").wait_for()
    stop("console-greeting-refused", page)
    page.goto(world.base_url + "/admin/brand")
    page.locator("#preview-image").wait_for()
    stop("console-brand", page)
    page.fill("#accent", "not a colour")
    # The browser's own check (the field's pattern) would stop it first: the server's.
    page.evaluate("document.getElementById('brand-form').noValidate = true")
    page.locator("#brand-form button[type=submit]").click()
    page.locator("#accent-error").wait_for()
    stop("console-brand-error", page)
    page.goto(world.base_url + "/admin/stations")
    stop("console-stations", page)
    context.close()
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    page = context.new_page()
    sign_in(page, world.base_url, ADMIN, next_path="/admin/integrations")
    stop("console-integrations", page)
    page.fill("#slug", "webshop")
    page.select_option("#kind", "woocommerce")
    page.locator("form[action$='/admin/integrations'] button[type=submit]").click()
    page.locator("#new-secret").wait_for()
    stop("console-integration-added", page)
    page.goto(world.base_url + "/admin/deliveries")
    stop("console-deliveries", page)
    page.goto(world.base_url + "/admin/parked")
    stop("console-parked", page)
    page.goto(world.base_url + "/admin/cards")
    stop("console-cards", page)
    page.goto(world.base_url + "/admin/endpoints")
    stop("console-endpoints", page)
    page.fill("#url", "http://127.0.0.1:9/crm-hook")
    page.locator("form[action$='/admin/endpoints'] button[type=submit]").click()
    page.locator("#new-secret").wait_for()
    stop("console-endpoint-added", page)
    context.close()


def station_tour(browser, world: World, stop, **context_options):
    """The packing station: not set up, setup, sign-in, a scan, a wave, the refusal."""
    context = browser.new_context(**DESK, locale="en-GB", **context_options)
    context.add_init_script(script=PRINT_STUB)
    page = context.new_page()
    page.goto(world.base_url + "/station/?lang=en")
    stop("station-not-set-up", page)
    page.get_by_role("link", name="Set up this station").click()
    page.fill("input[name=email]", MANAGER[0])
    page.fill("input[name=password]", MANAGER[1])
    page.locator("form button[type=submit]").click()
    page.locator("#setup-form").wait_for()
    stop("station-setup", page)
    page.fill("input[name=name]", "Packing table 1")
    page.fill("input[name=site_name]", "Aarhus")
    page.locator("#setup-form button[type=submit]").click()
    page.locator("#badge").wait_for()
    stop("station-sign-in", page)
    page.fill("#badge", "DEMO-ASE")
    page.press("#badge", "Enter")
    page.locator("#code").wait_for()
    page.fill("#code", "1006")
    page.press("#code", "Enter")
    page.locator("#result.result-printed").wait_for()
    stop("station-scan", page)
    page.goto(world.base_url + "/station/wave")
    stop("station-wave", page)
    page.goto(world.base_url + "/station/me")
    stop("station-my-page", page)
    page.goto(world.base_url + "/admin/")
    stop("console-refused-to-a-packer", page)
    context.close()


def start_server(instance: Path):
    """Start the app under gunicorn on a fresh SQLite file (the screenshot script's own)."""
    from tests.support.servers import GunicornServer

    server = GunicornServer(instance, f"sqlite:///{instance / 'greetings.sqlite'}", workers=2,
                            extra_env={"GREETINGS_SECRET_KEY": "tour"})
    server.env["GREETINGS_PUBLIC_BASE_URL"] = server.base_url
    # The set-up tour adds an outbound endpoint on this machine (nothing is sent to it).
    server.env["GREETINGS_OUTBOUND_ALLOW_PRIVATE"] = "1"
    return server.start()

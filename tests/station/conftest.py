"""A live station world: gunicorn on SQLite with a manager, a packer and some orders."""

import base64
import http.client
import json
import re
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from greetings.extensions import db
from greetings.staff.service import create_user
from tests.conftest import make_app, make_integrations, make_token
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers

MANAGER = ("boss@example.com", "a-long-password")
BADGE, PIN = "BADGE-0042", "4321"


def post_order(server, order_id, **fields):
    """Deliver an order to the live server through the real webhook."""
    body = generic_body(order_id, **fields)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("POST", "/webhooks/erp", body=body, headers=standard_headers(body))
    response = connection.getresponse()
    assert response.status == 200, response.read()
    return json.loads(response.read())


def query(server, sql, **params):
    """Run SQL against the live server's SQLite file."""
    engine = create_engine(server.env["GREETINGS_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(text(sql), params).all()
    engine.dispose()
    return rows


@pytest.fixture
def world(live_server):
    """Manager login, integration, a packer with badge and PIN, and three orders."""
    live_server.cli_here("user", "add", MANAGER[0], "--role", "manager", "--password", MANAGER[1])
    live_server.cli_here("integration", "add", "erp", "--kind", "standard", "--secret",
                    STANDARD_SECRET)
    live_server.cli_here("packer", "add", "Åse Marie Nygaard", "--display-name", "Åse",
                    "--badge", BADGE, "--pin", PIN)
    live_server.cli_here("packer", "add", "Bo Berg", "--display-name", "Bo", "--badge", "BADGE-7")
    post_order(live_server, "5001", customer={"first_name": "Søren", "locale": "da-DK"})
    post_order(live_server, "5002", customer={"first_name": "Jürgen", "locale": "de"})
    post_order(live_server, "5003", status="cancelled")
    return live_server


def set_up_station(page, server, name="Pakkebord 1", idle_minutes=10, profile="a6",
                   cups_queue=None):
    """Sign in as the manager and make the browser a station (which signs the manager out)."""
    page.goto(server.base_url + "/station/")
    page.get_by_role("link", name="Set up this station").click()
    page.fill("input[name=email]", MANAGER[0])
    page.fill("input[name=password]", MANAGER[1])
    page.get_by_role("button", name="Sign in").click()
    page.fill("input[name=name]", name)
    page.fill("input[name=idle_minutes]", str(idle_minutes))
    page.select_option("select[name=profile]", profile)
    if cups_queue:
        page.select_option("select[name=print_mode]", "cups")
        page.fill("input[name=cups_queue]", cups_queue)
    page.get_by_role("button", name="Save and use this computer").click()
    page.wait_for_selector("#badge")


def sign_in_by_badge(page, badge=BADGE):
    """Scan a badge as a scanner does: the code, then Enter; return once the station's
    script has taken over the scan form.

    Before that, an Enter in #code would post the form without JavaScript (a page with no
    data-seq to wait for): that happened on a busy machine, two test processes at once.
    """
    page.fill("#badge", badge)
    page.press("#badge", "Enter")
    page.wait_for_selector("#code")
    expect(page.locator("#station")).to_have_attribute("data-ready", "1", timeout=30_000)


def scan(page, code):
    """Scan an order barcode and return the result box once it changed."""
    seen = page.evaluate("Number(document.querySelector('#result').dataset.seq || 0)")
    page.fill("#code", code)
    page.press("#code", "Enter")
    result = page.locator("#result")
    # wait_for_function would need eval, which the page's CSP forbids.
    expect(result).to_have_attribute("data-seq", str(seen + 1))
    return result


def scan_printing(page, code, action=None):
    """Scan (or, with `action`, press that button) and return the result box and the card.

    A browser station's card comes inside the scan's answer as the image it prints (the
    PDF rasterised, in strips, base64), not from a second request; the card's PDF is still
    served at its address (a person's link, the page without JavaScript), and that is
    returned.
    """
    with page.expect_response(re.compile(r"/station/(scan|cards/\d+/print)$")) as answered:
        if action is None:
            result = scan(page, code)
        else:
            action()
            result = page.locator("#result.result-printed")
            result.wait_for()
    answer = answered.value.json()
    assert answer["result"] == "printed", answer
    assert "pdf" not in answer  # printed from the image, never by Chromium's PDF viewer
    magic = b"\xff\xd8" if answer["image_type"] == "image/jpeg" else b"\x89PNG"
    for strip in answer["image_strips"]:
        assert base64.b64decode(strip["data"]).startswith(magic), answer["image_type"]
    served = page.request.get(urljoin(answered.value.url, answer["pdf_url"]))
    assert served.headers["content-type"] == "application/pdf"
    pdf = served.body()
    assert pdf.startswith(b"%PDF")
    return result, pdf


def printed_card_page(page):
    """The page in the station's card frame as it was last printed (its HTML)."""
    root = page.frame_locator(".print-frame.card-frame").locator("html")
    return root.evaluate("(html) => '<!doctype html>' + html.outerHTML")


# --- the same world in the Flask test client, CSRF off, for fast route tests -----

@pytest.fixture
def app(tmp_path, sqlite_url):
    return station_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)


def station_app(tmp_path, sqlite_url, **config):
    """A migrated app with a manager, the integrations, order 7001 and packer Åse (B-1)."""
    app = make_app(tmp_path, sqlite_url, RATELIMIT_ENABLED=False, **config)
    make_integrations(app)
    with app.app_context():
        create_user(*MANAGER, "manager")
        db.session.commit()
    client = app.test_client()
    body = generic_body("7001")
    response = client.post("/webhooks/erp", data=body, headers=standard_headers(body))
    assert response.status_code == 200
    runner = app.test_cli_runner()
    assert runner.invoke(args=["packer", "add", "Åse Nygaard", "--display-name", "Åse",
                               "--badge", "B-1", "--pin", "1234"]).exit_code == 0
    return app


def as_station(app, name="Bord 1"):
    """A browser a manager set up as a station (and was signed out of by the set-up)."""
    client = app.test_client()
    client.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1]})
    response = client.post("/station/setup", data={
        "name": name, "profile": "a6", "print_mode": "browser", "idle_minutes": "10",
        "join": "y"})  # the station may exist from an earlier call on the same app
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def as_manager(app):
    """A station where a manager signed in again afterwards."""
    client = as_station(app)
    client.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1]})
    return client


def as_packer(app):
    client = as_station(app)
    client.post("/station/badge", data={"badge": "B-1"})
    return client


def make_shipment(app):
    token = make_token(app, "t")
    response = app.test_client().post("/api/v1/pack", json={"order": "7001", "badge": "B-1"},
                                      headers={"Authorization": f"Bearer {token}"})
    shipment = response.json["shipment"]
    card_id = query_app(app, "SELECT id FROM cards WHERE shipment_id = :s", s=shipment["id"])
    return shipment["id"], card_id[0][0]


def query_app(app, sql, **params):
    """Run SQL against the test app's database."""
    with app.app_context():
        return db.session.execute(text(sql), params).all()

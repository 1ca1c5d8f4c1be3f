"""Waves: a pick list's cards in one PDF, in the list's order; and the card CLI around it."""

import re

import pytest

from tests.station.conftest import as_packer, as_station, query_app
from tests.support.pdf import page_text, pdf_pages
from tests.support.webhooks import generic_body, standard_headers


def deliver(app, order_id, first_name, **fields):
    body = generic_body(order_id, customer={"first_name": first_name, "locale": "da"},
                        **fields)
    client = app.test_client()
    assert client.post("/webhooks/erp", data=body,
                       headers=standard_headers(body)).status_code == 200


def make_wave(client, **data):
    """Send the wave form; return the result page and, if cards printed, their PDF."""
    page = client.post("/station/wave", data=data)
    html = page.get_data(as_text=True)
    match = re.search(r'data-pdf-url="([^"]+)"', html)
    pdf = client.get(match.group(1)) if match else None
    return page, html, pdf


def test_wave_of_a_pasted_pick_list_keeps_its_order(app):
    for order_id, name in (("8001", "Søren"), ("8002", "Jürgen"), ("8003", "Ingeborg")):
        deliver(app, order_id, name)
    client = as_packer(app)
    page, html, pdf = make_wave(client, source="list", numbers="#8003\n8001, 8002 8003")
    assert page.status_code == 200, html
    assert "3 cards printed" in html
    assert re.findall(r'<span class="order">(\d+)</span>', html) == ["8003", "8001", "8002"]
    assert pdf.mimetype == "application/pdf" and pdf.headers["X-Wave-Count"] == "3"
    document = pdf_pages(pdf.data)
    assert len(document) == 3
    names = [next(n for n in ("Ingeborg", "Søren", "Jürgen") if n in page_text(pdf.data, i))
             for i in range(3)]
    assert names == ["Ingeborg", "Søren", "Jürgen"]


def test_wave_of_everything_not_yet_packed_asks_first(app):
    deliver(app, "8101", "Astrid")
    deliver(app, "8102", "Bo", status="cancelled")
    client = as_packer(app)
    # 7001 from the fixture and 8101; the cancelled order is left out.
    assert "2 orders are not packed yet" in client.get("/station/wave").get_data(as_text=True)
    asked = client.post("/station/wave", data={"source": "unpacked", "numbers": ""})
    assert asked.status_code == 422
    assert "marks 2 orders packed" in asked.get_data(as_text=True)
    assert query_app(app, "SELECT count(*) FROM shipments")[0][0] == 0
    page, html, pdf = make_wave(client, source="unpacked", numbers="", confirm="y")
    assert "2 cards printed" in html and pdf.headers["X-Wave-Count"] == "2"
    again = client.post("/station/wave", data={"source": "unpacked", "confirm": "y"})
    assert again.status_code == 422


def test_wave_prints_the_rest_and_says_what_it_skipped_and_why(app):
    deliver(app, "8301", "Astrid", status="cancelled")
    client = as_packer(app)
    page, html, pdf = make_wave(client, source="list", numbers="7001 NOPE 8301")
    assert page.status_code == 200
    assert "1 card printed" in html
    assert "NOPE</span>: unknown order" in html
    assert "8301</span>: the order is cancelled" in html
    assert pdf.headers["X-Wave-Count"] == "1"


def test_a_wave_link_is_for_its_own_station_only(app):
    client = as_packer(app)
    page, html, pdf = make_wave(client, source="list", numbers="7001")
    url = re.search(r'data-pdf-url="([^"]+)"', html).group(1)
    assert client.get(url.replace(".pdf", "x.pdf")).status_code == 404
    other = as_station(app, "Bord 9")
    other.post("/station/badge", data={"badge": "B-1"})
    assert other.get(url).status_code == 404


@pytest.mark.parametrize("language,expected", [("da", "Kære"), ("de", "Hallo")])
def test_greeting_set_overrides_the_default_text(app, tmp_path, language, expected):
    deliver(app, "8201", "Søren")
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.txt"
    broken.write_text("{{ packer.__class__.__mro__ }} {% if %}")
    result = runner.invoke(args=["greeting", "set", "da", str(broken)])
    assert result.exit_code != 0 and "was not saved" in result.output
    custom = tmp_path / "custom.txt"
    custom.write_text("Hilsen fra {{ packer }} til {{ first_name }}: {{ item_count }} ting.")
    assert runner.invoke(args=["greeting", "set", "da", str(custom)]).exit_code == 0
    client = as_packer(app)
    _, _, pdf = make_wave(client, source="list", numbers="8201")
    text = "".join(page_text(pdf.data).split())
    assert "HilsenfraÅsetilSøren:2ting." in text


def test_packer_add_with_a_signature_image(app, tmp_path):
    from tests.cards.samples import make_signature_photo

    photo = tmp_path / "signature.jpg"
    photo.write_bytes(make_signature_photo())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["packer", "add", "Ida Lund", "--display-name", "Ida",
                                 "--badge", "B-9", "--signature", str(photo)])
    assert result.exit_code == 0, result.output
    not_an_image = tmp_path / "x.jpg"
    not_an_image.write_bytes(b"GIF89a not really")
    result = runner.invoke(args=["packer", "add", "X", "--display-name", "X", "--badge", "B-10",
                                 "--signature", str(not_an_image)])
    assert result.exit_code != 0 and "signature refused" in result.output

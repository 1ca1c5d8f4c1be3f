"""Waves: a pick list's cards in one PDF, in the list's order; and the card CLI around it."""

import pytest

from tests.station.conftest import as_packer
from tests.support.pdf import page_text, pdf_pages
from tests.support.webhooks import generic_body, standard_headers


def deliver(app, order_id, first_name, **fields):
    body = generic_body(order_id, customer={"first_name": first_name, "locale": "da"},
                        **fields)
    client = app.test_client()
    assert client.post("/webhooks/erp", data=body,
                       headers=standard_headers(body)).status_code == 200


def test_wave_of_a_pasted_pick_list_keeps_its_order(app):
    for order_id, name in (("8001", "Søren"), ("8002", "Jürgen"), ("8003", "Ingeborg")):
        deliver(app, order_id, name)
    client = as_packer(app)
    response = client.post("/station/wave", data={"source": "list",
                                                  "numbers": "#8003\n8001, 8002 8003"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Wave-Count"] == "3"
    document = pdf_pages(response.data)
    assert len(document) == 3
    names = [next(n for n in ("Ingeborg", "Søren", "Jürgen") if n in page_text(response.data, i))
             for i in range(3)]
    assert names == ["Ingeborg", "Søren", "Jürgen"]


def test_wave_of_everything_not_yet_packed(app):
    deliver(app, "8101", "Astrid")
    deliver(app, "8102", "Bo", status="cancelled")
    client = as_packer(app)
    response = client.post("/station/wave", data={"source": "unpacked", "numbers": ""})
    assert response.status_code == 200
    # 7001 from the fixture and 8101; the cancelled order is left out.
    assert response.headers["X-Wave-Count"] == "2"
    again = client.post("/station/wave", data={"source": "unpacked", "numbers": ""})
    assert again.status_code == 422


def test_wave_names_what_it_cannot_find(app):
    client = as_packer(app)
    response = client.post("/station/wave", data={"source": "list", "numbers": "7001 NOPE"})
    assert response.status_code == 422
    assert "NOPE" in response.get_data(as_text=True)


@pytest.mark.parametrize("language,expected", [("da", "Kære"), ("de", "Hallo")])
def test_greeting_set_overrides_the_default_text(app, tmp_path, language, expected):
    deliver(app, "8201", "Søren")
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.txt"
    broken.write_text("{{ packer.__class__.__mro__ }} {% if %}")
    result = runner.invoke(args=["greeting", "set", "da", str(broken)])
    assert result.exit_code != 0 and "does not render" in result.output
    custom = tmp_path / "custom.txt"
    custom.write_text("Hilsen fra {{ packer }} til {{ first_name }}: {{ item_count }} ting.")
    assert runner.invoke(args=["greeting", "set", "da", str(custom)]).exit_code == 0
    client = as_packer(app)
    response = client.post("/station/wave", data={"source": "list", "numbers": "8201"})
    text = "".join(page_text(response.data).split())
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

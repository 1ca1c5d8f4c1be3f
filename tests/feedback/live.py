"""A packed order on a live server, and the URL its printed card's QR code carries."""

import json
import urllib.request

from PIL import Image, ImageDraw

from tests.support.pdf import decode_qr, raster
from tests.support.webhooks import STANDARD_SECRET, generic_body, standard_headers


def http(server, method, path, body=None, headers=None):
    """Send a request to the live server and return (status, bytes)."""
    request = urllib.request.Request(server.base_url + path, data=body, method=method,
                                     headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, answer.read()


def signature_scan(path):
    """Write a scan-like signature: dark pen strokes on white paper."""
    image = Image.new("RGB", (900, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(60, 200), (200, 80), (320, 220), (470, 90), (620, 210), (820, 120)],
              fill="black", width=12)
    image.save(path)
    return path


def packed_card(server, tmp_path, order_id="1042", first_name="Søren", locale="da-DK"):
    """Post an order, add Åse, pack it through the API; return (card PDF, API token)."""
    if "erp" not in server.cli_here("integration", "list"):
        server.cli_here("integration", "add", "erp", "--kind", "standard", "--secret",
                   STANDARD_SECRET)
        server.cli_here("packer", "add", "Åse Marie Nygaard", "--display-name", "Åse", "--badge",
                   "B-001", "--signature", str(signature_scan(tmp_path / "sig.png")))
    body = generic_body(order_id, customer={"first_name": first_name, "locale": locale})
    assert http(server, "POST", "/webhooks/erp", body, standard_headers(body))[0] == 200
    api_token = server.cli_here("token", "add", f"test-{order_id}").strip()
    auth = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
    _, answer = http(server, "POST", "/api/v1/pack",
                     json.dumps({"order": order_id, "badge": "B-001"}).encode(), auth)
    insert_url = json.loads(answer)["shipment"]["insert_url"]
    _, pdf = http(server, "GET", insert_url.removeprefix(server.base_url), headers=auth)
    return pdf, api_token


def url_from_card(pdf: bytes) -> str:
    """Read the feedback URL off the card as a phone camera would."""
    [url] = decode_qr(raster(pdf, 300))
    return url

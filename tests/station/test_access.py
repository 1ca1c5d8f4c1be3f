"""Who may use which station route: anonymous, a signed-in packer, a manager."""

import pytest

from tests.station.conftest import MANAGER, as_manager, as_packer, make_shipment, station_app

ROUTES = [
    ("GET", "/station/", {}, {"anonymous": 200, "packer": 200, "manager": 200}),
    ("GET", "/station/setup", {}, {"anonymous": 302, "packer": 302, "manager": 200}),
    ("POST", "/station/badge", {"badge": "nope"}, {"anonymous": 302, "packer": 302,
                                                   "manager": 302}),
    ("POST", "/station/pin", {"packer_id": "1", "pin": "9999"},
     {"anonymous": 302, "packer": 302, "manager": 302}),
    ("POST", "/station/scan", {"code": "7001"}, {"anonymous": 302, "packer": 200,
                                                 "manager": 302}),
    ("GET", "/station/cards/{card}/insert.pdf", {}, {"anonymous": 302, "packer": 200,
                                                    "manager": 302}),
    ("POST", "/station/shipments/{id}/print", {}, {"anonymous": 302, "packer": 200,
                                                  "manager": 302}),
    ("GET", "/station/recent", {}, {"anonymous": 302, "packer": 200, "manager": 302}),
    ("GET", "/station/wave", {}, {"anonymous": 302, "packer": 200, "manager": 302}),
    ("POST", "/station/signout", {}, {"anonymous": 302, "packer": 302, "manager": 302}),
]


@pytest.mark.parametrize("who", ["anonymous", "packer", "manager"])
@pytest.mark.parametrize("method,path,data,expected", ROUTES,
                         ids=[f"{m} {p}" for m, p, *_ in ROUTES])
def test_authorisation_matrix(app, who, method, path, data, expected):
    shipment_id, card_id = make_shipment(app)
    client = {"anonymous": app.test_client, "packer": lambda: as_packer(app),
              "manager": lambda: as_manager(app)}[who]()
    url = path.format(id=shipment_id, card=card_id)
    response = client.open(url, method=method, data=data)
    assert response.status_code == expected[who], (who, url, response.location)
    if response.status_code == 302 and who == "anonymous" and "setup" not in url:
        assert response.location.endswith("/station/")


@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_a_fetch_without_a_packer_gets_json_problems(app, who):
    client = app.test_client() if who == "anonymous" else as_manager(app)
    response = client.post("/station/scan", data={"code": "7001"},
                           headers={"Accept": "application/json"})
    assert response.status_code in (401, 403)
    assert response.mimetype == "application/problem+json"


def test_a_forged_station_cookie_is_no_station(app):
    client = app.test_client()
    client.set_cookie("greetings_station", "eyJzdGF0aW9uIjoxfQ.forged")
    assert b"not a packing station" in client.get("/station/").data


def test_pack_api_accepts_a_signed_in_station_with_its_csrf_token(tmp_path, sqlite_url):
    app = station_app(tmp_path, sqlite_url)
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1],
                                      "csrf_token": csrf})
    client.post("/station/setup", data={"name": "Bord", "profile": "a6", "csrf_token": csrf,
                                        "print_mode": "browser", "idle_minutes": "10"})
    client.post("/station/badge", data={"badge": "B-1", "csrf_token": csrf})
    pack = {"order": "7001", "badge": "B-1"}
    assert client.post("/api/v1/pack", json=pack).status_code == 400  # no CSRF token
    response = client.post("/api/v1/pack", json=pack, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["shipment"]["packer"] == {"display_name": "Åse"}

"""Who may use which station route: anonymous, a signed-in packer, a manager."""

import pytest

from tests.station.conftest import (
    MANAGER,
    as_manager,
    as_packer,
    as_station,
    make_shipment,
    query_app,
    station_app,
)

ROUTES = [
    ("GET", "/station/", {}, {"anonymous": 200, "packer": 200, "manager": 200}),
    ("GET", "/station/setup", {}, {"anonymous": 302, "packer": 302, "manager": 200}),
    ("GET", "/station/help", {}, {"anonymous": 200, "packer": 200, "manager": 200}),
    ("POST", "/station/badge", {"badge": "nope"}, {"anonymous": 302, "packer": 302,
                                                   "manager": 302}),
    ("POST", "/station/pin", {"packer_id": "1", "pin": "9999"},
     {"anonymous": 302, "packer": 302, "manager": 302}),
    ("POST", "/station/scan", {"code": "7001"}, {"anonymous": 302, "packer": 200,
                                                 "manager": 302}),
    ("GET", "/station/cards/{card}/insert.pdf", {}, {"anonymous": 302, "packer": 200,
                                                    "manager": 302}),
    ("POST", "/station/cards/{card}/print", {}, {"anonymous": 302, "packer": 200,
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
    if url == "/station/setup" and who == "packer":
        assert "/staff/login" in response.location
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


def _packer_with_csrf(app):
    """A station set up with CSRF on, Åse signed in by badge; the client and its token."""
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1],
                                      "csrf_token": csrf})
    client.post("/station/setup", data={"name": "Bord", "profile": "a6", "csrf_token": csrf,
                                        "print_mode": "browser", "idle_minutes": "10"})
    client.post("/station/badge", data={"badge": "B-1", "csrf_token": csrf})
    return client, csrf


def test_pack_api_accepts_a_signed_in_station_with_its_csrf_token(tmp_path, sqlite_url):
    app = station_app(tmp_path, sqlite_url)
    client, csrf = _packer_with_csrf(app)
    pack = {"order": "7001", "badge": "B-1"}
    assert client.post("/api/v1/pack", json=pack).status_code == 400  # no CSRF token
    response = client.post("/api/v1/pack", json=pack, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["shipment"]["packer"] == {"display_name": "Åse"}


def test_setting_up_a_station_ends_the_managers_session(app):
    client = as_station(app)
    for path in ("/admin/feedback", "/admin/", "/station/setup"):
        response = client.get(path)
        assert response.status_code in (302, 403), path
        if response.status_code == 302:
            assert "/staff/login" in response.location
    assert b"Scan your badge" in client.get("/station/").data


def test_a_packer_never_reaches_the_console_or_the_setup(app):
    client = as_packer(app)
    assert client.get("/admin/feedback").status_code == 403
    assert client.get("/admin/stations").status_code == 403
    response = client.get("/station/setup")
    assert response.status_code == 302 and "/staff/login" in response.location
    response = client.post("/station/setup", data={"name": "Mine", "profile": "a6",
                                                    "print_mode": "browser", "idle_minutes": "9"})
    assert response.status_code == 302 and "/staff/login" in response.location
    assert query_app(app, "SELECT count(*) FROM stations")[0][0] == 1


def test_a_manager_signing_in_at_a_station_signs_the_packer_out(app):
    client = as_packer(app)
    client.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1]})
    assert client.post("/station/scan", data={"code": "7001"}).status_code == 302


def _station_cookie(client):
    return client.get_cookie("greetings_station").value


def test_retiring_a_station_cuts_off_every_copy_of_its_cookie(app):
    station = as_packer(app)
    copy = app.test_client()
    copy.set_cookie("greetings_station", _station_cookie(station))
    assert b"Scan your badge" in copy.get("/station/").data
    manager = app.test_client()
    manager.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1]})
    (station_id,) = query_app(app, "SELECT id FROM stations")[0]
    assert manager.post(f"/admin/stations/{station_id}/retire").status_code == 302
    for client in (station, copy):
        assert b"not a packing station" in client.get("/station/").data
        assert client.post("/station/scan", data={"code": "7001"}).status_code == 302
    assert query_app(app, "SELECT count(*) FROM shipments")[0][0] == 0


def test_joining_a_station_by_name_asks_first_and_cuts_off_the_other_computer(app):
    first = as_station(app, "Bord 1")
    second = app.test_client()
    second.post("/staff/login", data={"email": MANAGER[0], "password": MANAGER[1]})
    form = {"name": "Bord 1", "profile": "a6", "print_mode": "browser", "idle_minutes": "10"}
    asked = second.post("/station/setup", data=form)
    assert asked.status_code == 200 and b"is in use on another computer" in asked.data
    assert second.post("/station/setup", data={**form, "join": "y"}).status_code == 302
    assert b"Scan your badge" in second.get("/station/").data
    assert b"not a packing station" in first.get("/station/").data
    assert query_app(app, "SELECT count(*) FROM stations")[0][0] == 1


def test_a_station_cookie_without_its_secret_is_no_station(app):
    as_station(app)
    client = app.test_client()
    with app.app_context():
        from greetings.station.identity import _serializer
        client.set_cookie("greetings_station", _serializer().dumps({"station": 1}))
        client.set_cookie("greetings_station", _serializer().dumps({"station": 1,
                                                                    "secret": "guess"}))
    assert b"not a packing station" in client.get("/station/").data


def test_through_a_station_a_packer_packs_only_as_themselves(tmp_path, sqlite_url):
    app = station_app(tmp_path, sqlite_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["packer", "add", "Bo Berg", "--display-name", "Bo",
                               "--badge", "B-2"]).exit_code == 0
    client, csrf = _packer_with_csrf(app)
    response = client.post("/api/v1/pack", json={"order": "7001", "badge": "B-2"},
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 403
    assert query_app(app, "SELECT count(*) FROM shipments")[0][0] == 0

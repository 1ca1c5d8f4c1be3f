"""PINs that cannot be turned against a packer: growing delays per packer and station."""

from sqlalchemy import text

from greetings.extensions import db
from tests.station.conftest import as_station, query_app


def pin(client, value):
    """Enter Åse's PIN and return the sign-in page that says how it went."""
    client.post("/station/pin", data={"packer_id": "1", "pin": value})
    return client.get("/station/")


def test_wrong_pins_count_down_then_wait_and_never_lock(app):
    station = as_station(app)
    assert b"2 more tries before a short wait" in pin(station, "0000").data
    assert b"1 more try before a short wait" in pin(station, "0000").data
    assert b"Wait 1 second" in pin(station, "0000").data
    # Many failures later (made long here, so a slow machine cannot outwait it), the
    # right PIN is not even looked at while the wait runs...
    with app.app_context():
        db.session.execute(text("UPDATE sign_in_failures SET failures = 10"))
        db.session.commit()
    assert b"Wait 12" in pin(station, "1234").data
    assert b'id="packer-name"' not in station.get("/station/").data
    # ...but a badge signs in at once.
    station.post("/station/badge", data={"badge": "B-1"})
    assert b'id="packer-name"' in station.get("/station/").data


def test_wrong_pins_at_one_station_do_not_slow_the_packer_at_another(app):
    first = as_station(app, "Bord 1")
    for _ in range(6):
        pin(first, "0000")
    second = as_station(app, "Bord 2")
    second.post("/station/pin", data={"packer_id": "1", "pin": "1234"})
    assert b'id="packer-name"' in second.get("/station/").data
    assert query_app(app, "SELECT count(*) FROM sign_in_failures")[0][0] == 1

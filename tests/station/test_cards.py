"""Every printed code stays alive: a repack prints a new card, the old one still credits
the packer named on it; an admin can void a card."""

from greetings.extensions import db
from greetings.models import Card, Packer, Shipment
from greetings.staff.service import create_user
from greetings.station.service import repack
from tests.conftest import make_token
from tests.station.conftest import make_shipment, query_app

ADMIN = ("root@example.com", "another-long-password")


def repack_as_bo(app, shipment_id):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["packer", "add", "Bo Berg", "--display-name", "Bo",
                               "--badge", "B-2"]).exit_code == 0
    with app.app_context():
        bo = db.session.query(Packer).filter_by(display_name="Bo").one()
        card = repack(db.session.get(Shipment, shipment_id), bo, None)
        db.session.commit()
        return card.token


def test_the_old_card_after_a_repack_still_opens_a_page_naming_its_packer(app):
    shipment_id, first_card = make_shipment(app)
    (old_token,) = query_app(app, "SELECT token FROM cards WHERE id = :c", c=first_card)[0]
    new_token = repack_as_bo(app, shipment_id)
    client = app.test_client()
    old_page = client.get(f"/f/{old_token}?lang=en")
    assert old_page.status_code == 200
    assert "Åse" in old_page.get_data(as_text=True)
    assert "Bo" not in old_page.get_data(as_text=True).replace("Body", "")
    assert "Bo" in client.get(f"/f/{new_token}?lang=en").get_data(as_text=True)
    # Feedback is per card: the answer on the old card is Åse's.
    client.post(f"/f/{old_token}?lang=en", data={"rating": "5", "comment": "Lovely"})
    assert query_app(app, "SELECT c.packer_id FROM feedback f JOIN cards c "
                          "ON c.id = f.card_id")[0][0] == first_card_packer(app, first_card)
    # The pack API answers with the newest card's address.
    token = make_token(app, "again")
    answer = app.test_client().post("/api/v1/pack", json={"order": "7001", "badge": "B-2"},
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.json["shipment"]["feedback_url"].endswith(new_token)


def first_card_packer(app, card_id):
    with app.app_context():
        return db.session.get(Card, card_id).packer_id


def test_an_admin_voids_a_card_and_its_page_names_no_one(app):
    _, card_id = make_shipment(app)
    (token,) = query_app(app, "SELECT token FROM cards WHERE id = :c", c=card_id)[0]
    with app.app_context():
        create_user(*ADMIN, "admin")
        db.session.commit()
    manager = app.test_client()
    manager.post("/staff/login", data={"email": "boss@example.com",
                                       "password": "a-long-password"})
    assert manager.post(f"/admin/cards/{card_id}/void").status_code == 403
    admin = app.test_client()
    admin.post("/staff/login", data={"email": ADMIN[0], "password": ADMIN[1]})
    listing = admin.get("/admin/cards?order=7001").get_data(as_text=True)
    assert "Åse" in listing and "Void this card" in listing
    assert admin.post(f"/admin/cards/{card_id}/void").status_code == 302
    customer = app.test_client()
    page = customer.get(f"/f/{token}?lang=en")
    assert page.status_code == 410
    assert "no longer in use" in page.get_data(as_text=True)
    assert "Åse" not in page.get_data(as_text=True)
    answer = customer.post(f"/f/{token}?lang=en", data={"rating": "1", "comment": "x"})
    assert answer.status_code == 410
    assert query_app(app, "SELECT count(*) FROM feedback")[0][0] == 0
    assert customer.get(f"/f/{token}/signature.png").status_code == 404

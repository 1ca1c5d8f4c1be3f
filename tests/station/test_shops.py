"""An order number two shops share is asked about, never guessed."""

from greetings.extensions import db
from greetings.models import Integration, Order, OrderStatus, utcnow
from tests.station.conftest import as_packer, query_app


def second_7001(app, first_name="Kari"):
    """Give the shop integration an order numbered 7001 too (the ERP has one)."""
    with app.app_context():
        shop = db.session.query(Integration).filter_by(slug="shop").one()
        db.session.add(Order(integration_id=shop.id, external_id="S-7001", number="7001",
                             status=OrderStatus.OPEN, first_name=first_name, language="nb",
                             version=utcnow()))
        db.session.commit()
        return shop.id


def test_a_shared_number_asks_which_shop_and_packs_the_chosen_one(app):
    shop_id = second_7001(app)
    client = as_packer(app)
    json = {"Accept": "application/json"}
    asked = client.post("/station/scan", data={"code": "7001"}, headers=json)
    assert asked.status_code == 409
    assert asked.json["result"] == "choose_shop"
    assert sorted(shop["name"] for shop in asked.json["shops"]) == ["erp", "shop"]
    assert query_app(app, "SELECT count(*) FROM shipments")[0][0] == 0
    packed = client.post("/station/scan", data={"code": "7001", "shop": str(shop_id)},
                         headers=json)
    assert packed.status_code == 200 and packed.json["result"] == "printed"
    assert query_app(app, "SELECT o.external_id FROM shipments s JOIN orders o "
                          "ON o.id = s.order_id")[0][0] == "S-7001"


def test_without_javascript_the_page_offers_the_shops(app):
    second_7001(app)
    page = as_packer(app).post("/station/scan", data={"code": "7001"})
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and "Which shop?" in html
    assert 'name="shop"' in html and ">erp</button>" in html and ">shop</button>" in html

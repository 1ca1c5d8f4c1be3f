"""`purge`: old customer data goes, feedback stays without a name."""

from datetime import timedelta

from sqlalchemy import select, update

from greetings.extensions import db
from greetings.models import Feedback, Order, OrderItem, Packer, utcnow
from greetings.station.service import pack_order
from tests.conftest import make_integrations
from tests.support.webhooks import generic_body, standard_headers


def test_purge_clears_old_customers_and_keeps_feedback(any_app):
    make_integrations(any_app)
    client = any_app.test_client()
    for order_id in ("OLD-1", "NEW-1"):
        body = generic_body(order_id)
        assert client.post("/webhooks/erp", data=body,
                           headers=standard_headers(body)).status_code == 200
    with any_app.app_context():
        db.session.execute(update(Order).where(Order.external_id == "OLD-1")
                           .values(created_at=utcnow() - timedelta(days=200)))
        packer = Packer(full_name="Åse", display_name="Åse", badge_hash="x" * 64)
        db.session.add(packer)
        db.session.commit()
        old = db.session.execute(select(Order).where(Order.external_id == "OLD-1")).scalar_one()
        shipment = pack_order(old, packer)
        db.session.add(Feedback(card_id=shipment.card.id, rating=5, comment="Lovely"))
        db.session.commit()

    result = any_app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "purged 1 order(s)" in result.output

    with any_app.app_context():
        old = db.session.execute(select(Order).where(Order.external_id == "OLD-1")).scalar_one()
        new = db.session.execute(select(Order).where(Order.external_id == "NEW-1")).scalar_one()
        assert (old.first_name, old.last_name, old.purged_at is not None) == (None, None, True)
        assert db.session.scalar(select(OrderItem).where(OrderItem.order_id == old.id)) is None
        assert new.first_name == "Åse" and new.items
        feedback = db.session.execute(select(Feedback)).scalar_one()
        assert (feedback.rating, feedback.comment) == (5, "Lovely")
    again = any_app.test_cli_runner().invoke(args=["purge"])
    assert "purged 0 order(s)" in again.output

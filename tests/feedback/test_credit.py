"""Whom and where an answer counts for: `feedback.packer_id` and `feedback.site_id`, copied
from the card when the answer is written (greetings.feedback.service.credit)."""

from datetime import timedelta

from greetings.extensions import db
from greetings.insight import answers
from greetings.insight.queries import Scope
from greetings.models import Card, Feedback, Order, Packer, Shipment, Site, Station, utcnow
from greetings.station.service import repack
from tests.feedback.conftest import make_shipment, post_answer


def _station(app, name: str, site: str) -> tuple[int, int]:
    """Make a station at a new site; return both ids."""
    with app.app_context():
        place = Site(name=site, time_zone="Europe/Copenhagen")
        db.session.add(place)
        db.session.flush()
        station = Station(name=name, site_id=place.id)
        db.session.add(station)
        db.session.commit()
        return station.id, place.id


def _repack(app, number: str, packer_id: int, station_id: int) -> tuple[str, int | None]:
    """Repack the order as this packer at this station; the new card's token and the
    shipment's site afterwards."""
    with app.app_context():
        shipment = db.session.execute(
            db.select(Shipment).join(Order).where(Order.number == number)).scalar_one()
        card = repack(shipment, db.session.get(Packer, packer_id),
                      db.session.get(Station, station_id))
        db.session.commit()
        return card.token, shipment.site_id


def _credit_of(app, token: str) -> tuple[int, int | None]:
    with app.app_context():
        feedback = db.session.execute(
            db.select(Feedback).join(Card).where(Card.token == token)).scalar_one()
        return feedback.packer_id, feedback.site_id


def _move_to(app, token: str, station_id: int) -> None:
    """Say the card was made at this station (and the shipment packed there)."""
    with app.app_context():
        card = db.session.execute(db.select(Card).where(Card.token == token)).scalar_one()
        card.station_id = station_id
        card.shipment.station_id = station_id
        card.shipment.site_id = db.session.get(Station, station_id).site_id
        db.session.commit()


def test_a_new_answer_counts_for_the_cards_packer_and_site(any_app):
    token, packer_id, _ = make_shipment(any_app)
    aarhus, site_id = _station(any_app, "Pakkebord 1", "Aarhus")
    _move_to(any_app, token, aarhus)
    assert post_answer(any_app.test_client(), token, "5", "Fint").status_code == 303
    assert _credit_of(any_app, token) == (packer_id, site_id)


def test_a_card_made_without_a_station_counts_for_the_shipments_site(any_app):
    token, packer_id, _ = make_shipment(any_app)  # packed without a station: no site
    assert post_answer(any_app.test_client(), token, "4").status_code == 303
    assert _credit_of(any_app, token) == (packer_id, None)


def test_an_answer_through_an_old_card_after_a_repack_stays_with_that_card(any_app):
    old_token, first_packer, number = make_shipment(any_app, display_name="Åse")
    _, second_packer, _ = make_shipment(any_app, display_name="Bo")
    aarhus, aarhus_site = _station(any_app, "Aarhus 1", "Aarhus")
    malmo, malmo_site = _station(any_app, "Malmö 1", "Malmö")
    _move_to(any_app, old_token, aarhus)
    new_token, parcel_site = _repack(any_app, number, second_packer, malmo)
    assert parcel_site == malmo_site  # the repack moved the shipment
    client = any_app.test_client()
    assert post_answer(client, old_token, "1", "Box was damaged").status_code == 303
    assert post_answer(client, new_token, "5").status_code == 303
    assert _credit_of(any_app, old_token) == (first_packer, aarhus_site)
    assert _credit_of(any_app, new_token) == (second_packer, malmo_site)
    with any_app.app_context():
        now = utcnow()
        scope = Scope(now - timedelta(days=1), now + timedelta(days=1), site=aarhus_site)
        [flagged] = db.session.execute(answers.worklist(scope)).unique().scalars().all()
        assert flagged.packer_id == first_packer and flagged.comment == "Box was damaged"
        malmo_scope = Scope(scope.start, scope.end, site=malmo_site)
        assert db.session.execute(answers.worklist(malmo_scope)).unique().scalars().all() == []


def test_answers_written_through_the_orm_are_credited_too(any_app):
    # What scripts and the test factories do: the same credit as the customer's page.
    token, packer_id, _ = make_shipment(any_app)
    oslo, site_id = _station(any_app, "Oslo 1", "Oslo")
    _move_to(any_app, token, oslo)
    with any_app.app_context():
        card = db.session.execute(db.select(Card).where(Card.token == token)).scalar_one()
        db.session.add(Feedback(card_id=card.id, rating=3, language="da"))
        db.session.commit()
    assert _credit_of(any_app, token) == (packer_id, site_id)


def test_the_migration_credits_the_answers_already_stored(any_app):
    # Answers stored before the columns existed (downgraded away, then upgraded back):
    # the migration's SQL gives them what save_answer gives a new one.
    from flask_migrate import downgrade, upgrade

    old_token, first_packer, number = make_shipment(any_app, display_name="Åse")
    bare_token, bare_packer, _ = make_shipment(any_app, display_name="Cy")
    _, second_packer, _ = make_shipment(any_app, display_name="Bo")
    aarhus, aarhus_site = _station(any_app, "Aarhus 1", "Aarhus")
    malmo, _ = _station(any_app, "Malmö 1", "Malmö")
    _move_to(any_app, old_token, aarhus)
    _repack(any_app, number, second_packer, malmo)
    client = any_app.test_client()
    for token in (old_token, bare_token):
        assert post_answer(client, token, "2", "late").status_code == 303
    directory = any_app.extensions["migrate"].directory
    with any_app.app_context():
        downgrade(directory=directory, revision="be9cb6e43fab")
        db.session.remove()
        upgrade(directory=directory)
        db.session.remove()
    assert _credit_of(any_app, old_token) == (first_packer, aarhus_site)
    assert _credit_of(any_app, bare_token) == (bare_packer, None)

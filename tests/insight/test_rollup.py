"""The roll-up kept up to date packer by packer (greetings/insight/rollup.py), on SQLite and
PostgreSQL: after every change it must hold exactly what a rebuild from scratch holds."""

from datetime import timedelta

import pytest

from greetings.extensions import db
from greetings.insight import queries, rollup
from greetings.insight.service import Period
from greetings.models import (
    Card,
    Feedback,
    InsightDay,
    InsightRefresh,
    InsightWeek,
    Integration,
    Order,
    Packer,
    Shipment,
    Station,
    utcnow,
)
from greetings.station.service import repack
from tests.insight.conftest import make_packer, make_parcel, make_world

ZONE = "Europe/Copenhagen"


@pytest.fixture
def team(any_app):
    make_world(any_app)
    return any_app, make_packer(any_app, "Åse"), make_packer(any_app, "Bo")


def _rows(model, key):
    columns = [getattr(model, name) for name in (
        key, "packer_id", "station_id", "site_id", "language", "packed", "answered",
        "rating_sum", "r1", "r2", "r3", "r4", "r5")]
    return sorted(tuple(row) for row in db.session.execute(db.select(*columns)))


def _snapshot():
    return _rows(InsightDay, "day"), _rows(InsightWeek, "week")


def refresh() -> int:
    days = rollup.refresh(ZONE)
    db.session.commit()
    return days


def assert_as_if_rebuilt_from_scratch():
    """Refresh, then compare every day and week row with a rebuild of the whole roll-up
    (what a changed time zone does: greetings.insight.rollup.refresh)."""
    refresh()
    kept = _snapshot()
    db.session.execute(db.delete(InsightRefresh).where(InsightRefresh.name == rollup.ROLLUP))
    refresh()
    assert kept == _snapshot()


def _scope(days_back=7):
    today = queries.to_local(utcnow(), ZONE).date()
    return Period(today - timedelta(days=days_back), today).scope(ZONE)


def _packed_by(packer_id, days_back=7):
    return {packer.id: numbers for packer, numbers in queries.per_packer(
        _scope(days_back))}.get(packer_id, queries.Numbers())


def _repack(shipment_id, packer_id, station="Bord 2"):
    shipment = db.session.get(Shipment, shipment_id)
    where = db.session.execute(db.select(Station).where(Station.name == station)).scalar_one()
    card = repack(shipment, db.session.get(Packer, packer_id), where)
    db.session.commit()
    return card.id


def _answer(card_id, rating):
    feedback = Feedback(card_id=card_id, rating=rating, language="da", created_at=utcnow(),
                        updated_at=utcnow())
    db.session.add(feedback)
    db.session.commit()
    return feedback.id


def test_a_repack_moves_a_parcel_packed_on_an_earlier_day(team):
    app, ase, bo = team
    three_days_ago = utcnow() - timedelta(days=3)
    answer = make_parcel(app, ase, three_days_ago, rating=5)
    with app.app_context():
        refresh()
        shipment = db.session.get(Feedback, answer).card.shipment_id
        _repack(shipment, bo)
        refresh()
        total = queries.totals(_scope())
        ase_numbers, bo_numbers = _packed_by(ase), _packed_by(bo)
        # The old day is the parcel's no more: counted once, today, as Bo's.
        old_day = queries.totals(Period(
            three_days_ago.date() - timedelta(days=1),
            three_days_ago.date() + timedelta(days=1)).scope(ZONE))
        assert_as_if_rebuilt_from_scratch()
    assert (total.packed, total.answered, total.rating_sum) == (1, 1, 5)
    assert (old_day.packed, old_day.answered) == (0, 0)
    # The answer through Åse's card stays hers; the parcel is Bo's.
    assert (ase_numbers.packed, ase_numbers.answered, ase_numbers.rating_sum) == (0, 1, 5)
    assert (bo_numbers.packed, bo_numbers.answered) == (1, 0)


def test_a_repack_the_same_day_takes_the_parcel_from_the_first_packer(team):
    app, ase, bo = team
    shipment = make_parcel(app, ase, utcnow() - timedelta(minutes=30))
    make_parcel(app, bo, utcnow() - timedelta(minutes=20))
    with app.app_context():
        refresh()
        _repack(shipment, bo)
        refresh()
        assert (_packed_by(ase).packed, _packed_by(bo).packed) == (0, 2)
        assert_as_if_rebuilt_from_scratch()


def test_a_new_parcel_rebuilds_only_its_packers_rows(team):
    app, ase, bo = team
    make_parcel(app, ase, utcnow() - timedelta(minutes=30))
    # Bo's parcel is in the SETTLE before the next refresh: counted, and known to be.
    make_parcel(app, bo, utcnow() - timedelta(seconds=20), station="Bord 2")
    with app.app_context():
        refresh()
        # A mark on Bo's row shows whether a refresh rewrote it.
        db.session.execute(db.update(InsightDay).where(InsightDay.packer_id == bo)
                           .values(r1=99))
        db.session.commit()
    make_parcel(app, ase, utcnow())
    with app.app_context():
        assert refresh() == 1
        bo_marks = db.session.execute(
            db.select(InsightDay.r1).where(InsightDay.packer_id == bo)).scalars().all()
        assert _packed_by(ase).packed == 2
        db.session.execute(db.update(InsightDay).where(InsightDay.packer_id == bo)
                           .values(r1=0))
        db.session.commit()
        assert_as_if_rebuilt_from_scratch()
    assert bo_marks == [99]


def test_a_shipment_answered_through_two_cards_counts_once(team):
    app, ase, bo = team
    shipment = make_parcel(app, ase, utcnow() - timedelta(days=2))
    with app.app_context():
        first_card = db.session.execute(
            db.select(Card.id).where(Card.shipment_id == shipment)).scalar_one()
        refresh()
        bos_card = _repack(shipment, bo)
        refresh()
        # Bo's card is answered first, Åse's later: one answered shipment, two ratings.
        first = _answer(bos_card, 2)
        refresh()
        _answer(first_card, 5)
        refresh()
        total = queries.totals(_scope())
        assert (_packed_by(ase).answered, _packed_by(bo).answered) == (0, 1)
        assert_as_if_rebuilt_from_scratch()
        # The first answer changes its rating later.
        feedback = db.session.get(Feedback, first)
        feedback.rating, feedback.updated_at = 4, utcnow()
        db.session.commit()
        refresh()
        changed = queries.totals(_scope())
        assert_as_if_rebuilt_from_scratch()
    assert (total.packed, total.answered, total.rating_sum) == (1, 1, 2 + 5)
    assert (changed.answered, changed.rating_sum) == (1, 4 + 5)


def test_a_refresh_deletes_only_the_notes_it_read(team, monkeypatch):
    app, ase, bo = team
    older = make_parcel(app, ase, utcnow() - timedelta(days=5))
    shipment = make_parcel(app, ase, utcnow() - timedelta(days=3))
    read = rollup._notes
    calls = []

    def notes_then_another_repack():
        # The second read is the one under the refresh's lock (the first only tells it
        # whether to take the lock): a repack commits its notes right after it, as a
        # second server's would while the refresh rebuilds.
        notes = read()
        calls.append(len(notes))
        if len(calls) == 2:
            _repack(older, bo)
        return notes

    with app.app_context():
        refresh()
        _repack(shipment, bo)
        monkeypatch.setattr(rollup, "_notes", notes_then_another_repack)
        refresh()
        monkeypatch.setattr(rollup, "_notes", read)
        waiting = len(rollup._notes())
        refresh()
        left = len(rollup._notes())
        today = queries.to_local(utcnow(), ZONE).date()
        five_days_ago = queries.totals(Period(
            today - timedelta(days=6), today - timedelta(days=4)).scope(ZONE))
        assert_as_if_rebuilt_from_scratch()
    assert waiting > 0 and left == 0
    assert five_days_ago.packed == 0


def test_a_parcel_stored_while_a_refresh_rebuilds_is_counted_by_the_next(team, monkeypatch):
    app, ase, bo = team
    make_parcel(app, ase, utcnow() - timedelta(minutes=30))
    with app.app_context():
        refresh()
    make_parcel(app, ase, utcnow())  # something for the next refresh to rebuild
    rebuild_week = rollup._rebuild_week

    def and_meanwhile(*week):
        rebuild_week(*week)
        # Bo's parcel, stamped before the refresh began, arrives after it read the recent
        # rows and rebuilt the day (a slow transaction of a second server on PostgreSQL;
        # in the same transaction here, so the test runs alike on SQLite, whose write
        # lock the refresh holds).
        shop = db.session.execute(db.select(Integration.id)).scalar_one()
        order = Order(integration_id=shop, external_id="late", number="late", language="da",
                      version=utcnow())
        db.session.add(order)
        db.session.flush()
        db.session.add(Shipment(order_id=order.id, packer_id=bo,
                                packed_at=utcnow() - timedelta(seconds=30)))
        db.session.flush()

    with app.app_context():
        monkeypatch.setattr(rollup, "_rebuild_week", and_meanwhile)
        refresh()
        monkeypatch.setattr(rollup, "_rebuild_week", rebuild_week)
        missed = _packed_by(bo).packed
        refresh()
        assert _packed_by(bo).packed == 1
        assert_as_if_rebuilt_from_scratch()
    assert missed == 0  # not counted by the refresh it arrived in: the next one did

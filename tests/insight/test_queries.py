"""The aggregates (greetings/insight/queries.py) on SQLite and PostgreSQL alike."""

from datetime import date, datetime

import pytest

from greetings.extensions import db
from greetings.insight import answers, attention, queries, rollup
from greetings.insight.service import Period
from greetings.models import Site
from tests.insight.conftest import at, make_packer, make_parcel, make_world

ZONE = "Europe/Copenhagen"


@pytest.fixture
def world(any_app):
    make_world(any_app)
    ase = make_packer(any_app, "Åse")
    bo = make_packer(any_app, "Bo")
    # Week 10 of 2026 (Mon 2 March). Åse: 3 parcels, 2 answered (5 and 2 stars).
    make_parcel(any_app, ase, at("2026-03-02T08:00"), rating=5, comment="Lovely")
    make_parcel(any_app, ase, at("2026-03-03T08:00"), rating=2, comment="Box damaged")
    make_parcel(any_app, ase, at("2026-03-04T08:00"))
    # Bo at the other site: 1 parcel, answered 4 stars, in English.
    make_parcel(any_app, bo, at("2026-03-05T08:00"), station="Bord 2", rating=4, language="en")
    # Sunday 8 March 23:30 UTC is already Monday 9 March in Copenhagen: week 11.
    make_parcel(any_app, bo, at("2026-03-08T23:30"), station="Bord 2", rating=3)
    # Outside the period.
    make_parcel(any_app, ase, at("2026-01-05T08:00"), rating=1)
    with any_app.app_context():
        rollup.refresh(ZONE, now=at("2026-03-20T12:00"))
        db.session.commit()
    return any_app, ase, bo


def scope(**narrow):
    return Period(date(2026, 3, 2), date(2026, 3, 15)).scope(ZONE, **narrow)


def site_id(name):
    return db.session.execute(db.select(Site.id).where(Site.name == name)).scalar_one()


def test_totals_count_packed_answered_and_the_rating_distribution(world):
    app, _ase, _bo = world
    with app.app_context():
        numbers = queries.totals(scope())
    assert (numbers.packed, numbers.answered) == (5, 4)
    assert numbers.response_rate == pytest.approx(0.8)
    assert numbers.average == pytest.approx((5 + 2 + 4 + 3) / 4)
    assert numbers.distribution == [0, 1, 1, 1, 1]


def test_per_packer_station_and_site_add_up(world):
    app, ase, bo = world
    with app.app_context():
        packers = {packer.id: numbers for packer, numbers in queries.per_packer(scope())}
        stations = queries.per_station(scope())
        sites = dict(queries.per_site(scope()))
    assert (packers[ase].packed, packers[ase].answered, packers[ase].average) == (3, 2, 3.5)
    assert (packers[bo].packed, packers[bo].answered) == (2, 2)
    assert [(name, site, n.packed) for name, site, n in stations] == [
        ("Bord 1", "Aarhus", 3), ("Bord 2", "Malmö", 2)]
    assert sites["Aarhus"].packed == 3 and sites["Malmö"].average == pytest.approx(3.5)


def test_weeks_are_the_sites_weeks_not_utc(world):
    app, _ase, _bo = world
    with app.app_context():
        weeks = queries.per_week(scope())
    assert [monday for monday, _ in weeks] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert [n.packed for _, n in weeks] == [4, 1]  # Sunday 23:30 UTC counts in week 11


def test_filters_narrow_by_site_language_and_packer(world):
    app, ase, _bo = world
    with app.app_context():
        assert queries.totals(scope(site=site_id("Malmö"))).packed == 2
        assert queries.totals(scope(language="en")).packed == 1
        assert queries.totals(scope(language="da")).packed == 4
        assert queries.totals(scope(packer_id=ase)).answered == 2
        assert queries.totals(scope(site=999)).packed == 0


def test_worklist_takes_low_ratings_and_worrying_words(world):
    app, _ase, _bo = world
    with app.app_context():
        low = db.session.execute(answers.worklist(scope())).scalars().all()
        app.config["INSIGHT_ATTENTION_WORDS"] = ["lovely"]
        attention.refresh()  # new words: every answer is flagged again
        db.session.commit()
        by_word = db.session.execute(answers.worklist(scope())).scalars().all()
    assert [item.comment for item in low] == ["Box damaged"]
    assert sorted(item.comment for item in by_word) == ["Box damaged", "Lovely"]


def test_week_starts_cover_the_scope_in_local_time():
    local = Period(date(2026, 3, 25), date(2026, 4, 1)).scope(ZONE)
    assert local.start == datetime(2026, 3, 24, 23, 0)  # CET
    assert local.end == datetime(2026, 4, 1, 22, 0)  # CEST after the switch
    assert queries.week_starts(local) == [date(2026, 3, 23), date(2026, 3, 30)]


def test_the_roll_up_follows_new_parcels_and_changed_answers(world):
    app, ase, _bo = world
    wide = Period(date(2026, 3, 2), date(2026, 3, 22)).scope(ZONE)
    with app.app_context():
        before = queries.totals(wide)
    shipment = make_parcel(app, ase, at("2026-03-21T09:00"))
    answer = make_parcel(app, ase, at("2026-03-11T09:00"), rating=1,
                         answered_at=at("2026-03-21T09:00"))
    with app.app_context():
        from greetings.models import Feedback
        # An older answer changes its rating later.
        old = db.session.execute(db.select(Feedback).where(Feedback.rating == 5)).scalar_one()
        old.rating, old.updated_at = 3, at("2026-03-21T10:00")
        db.session.commit()
        assert rollup.refresh(ZONE, now=at("2026-03-21T12:00")) >= 2
        db.session.commit()
        after = queries.totals(wide)
    assert shipment and answer
    assert after.packed == before.packed + 2
    assert after.answered == before.answered + 1
    assert after.rating_sum == before.rating_sum - 2 + 1


def test_a_site_in_a_new_time_zone_rebuilds_the_roll_up(world):
    app, _ase, _bo = world
    with app.app_context():
        malmo = db.session.get(Site, site_id("Malmö"))
        malmo.time_zone = "UTC"
        db.session.commit()
        rollup.refresh(ZONE, now=at("2026-03-20T12:00"))
        db.session.commit()
        weeks = queries.per_week(scope())
    # Malmö's Sunday 23:30 UTC now stays in week 10.
    assert [n.packed for _, n in weeks] == [5, 0]


def test_an_answer_counts_for_the_packer_named_on_its_card(world):
    app, ase, bo = world
    with app.app_context():
        from greetings.models import Card, Feedback
        # Bo repacked one of Åse's answered parcels: a new card, and the shipment is his.
        feedback = db.session.execute(
            db.select(Feedback).where(Feedback.comment == "Lovely")).scalar_one()
        shipment = feedback.card.shipment
        shipment.packer_id = bo
        new_card = Card(shipment_id=shipment.id, packer_id=bo, station_id=shipment.station_id,
                        token="repacked-card-token", created_at=shipment.packed_at)
        db.session.add(new_card)
        db.session.flush()
        db.session.add(Feedback(card_id=new_card.id, rating=4, language="da",
                                created_at=at("2026-03-21T08:00"),
                                updated_at=at("2026-03-21T08:00")))
        db.session.commit()
        rollup.refresh(ZONE, now=at("2026-03-21T12:00"))
        db.session.commit()
        packers = {packer.id: numbers for packer, numbers in queries.per_packer(scope())}
        total = queries.totals(scope())
    # The parcel is Bo's now; Åse keeps the answer to her card, Bo gets the one to his.
    assert (packers[ase].packed, packers[ase].rating_sum) == (2, 5 + 2)
    assert packers[bo].packed == 3 and packers[bo].rating_sum == 4 + 3 + 4
    assert total.packed == 5 and total.answered == 4  # the shipment is answered once


def test_the_overview_reads_what_the_single_questions_read(world):
    app, ase, _bo = world
    with app.app_context():
        malmo = site_id("Malmö")
        for narrow in ({}, {"site": malmo}, {"language": "da"}, {"packer_id": ase}):
            single = scope(**narrow)
            seen = queries.overview(single)
            assert seen.totals == queries.totals(single)
            assert seen.weeks == queries.per_week(single)
            assert [(p.id, n) for p, n in seen.packers] == [
                (p.id, n) for p, n in queries.per_packer(single)]
            assert seen.stations == queries.per_station(single)
            assert seen.sites == queries.per_site(single)
    with app.app_context():
        empty = queries.overview(Period(date(2020, 1, 6), date(2020, 1, 12)).scope(ZONE))
    assert (empty.totals, empty.packers, empty.stations, empty.sites) == (
        queries.Numbers(), [], [], [])
    assert [n for _monday, n in empty.weeks] == [queries.Numbers()]


def test_whole_weeks_and_the_days_around_them_add_up_to_the_days(world):
    app, ase, _bo = world
    answered = at("2026-03-20T12:30")  # after the world's refresh: these days are rebuilt
    make_parcel(app, ase, at("2026-03-10T08:00"), rating=4, answered_at=answered)  # week 11
    make_parcel(app, ase, at("2026-03-16T08:00"), rating=1, answered_at=answered)  # week 12
    with app.app_context():
        assert rollup.refresh(ZONE, now=at("2026-03-20T13:00")) == 2
        db.session.commit()
        assert queries.totals(Period(date(2026, 3, 2), date(2026, 3, 22)).scope(ZONE)) \
            .packed == 5 + 2
        InsightDay = queries.InsightDay
        for first, last in ((date(2026, 3, 4), date(2026, 3, 16)),  # days, a week, days
                            (date(2026, 3, 2), date(2026, 3, 15)),  # two whole weeks
                            (date(2026, 3, 3), date(2026, 3, 8)),  # days only
                            (date(2026, 3, 9), date(2026, 3, 20))):  # a week, then days
            span = Period(first, last).scope(ZONE)
            days = db.session.execute(db.select(
                db.func.sum(InsightDay.packed), db.func.sum(InsightDay.answered),
                db.func.sum(InsightDay.rating_sum))
                .where(InsightDay.day >= first, InsightDay.day <= last)).one()
            numbers = queries.totals(span)
            seen = queries.overview(span)
            assert (numbers.packed, numbers.answered, numbers.rating_sum) == tuple(
                int(value or 0) for value in days), (first, last)
            assert seen.totals == numbers
            assert seen.weeks == queries.per_week(span)
            assert sum(n.packed for _monday, n in seen.weeks) == numbers.packed


def test_a_refresh_rebuilds_nothing_when_nothing_new_came(world):
    app, ase, _bo = world
    with app.app_context():
        # Within the SETTLE after the last refresh, the same rows: nothing to do.
        rollup.refresh(ZONE, now=at("2026-03-21T12:00"))
        db.session.commit()
        assert rollup.refresh(ZONE, now=at("2026-03-21T12:00:30")) == 0
        db.session.commit()
    # Packed before the last refresh, committed after it (it was still committing).
    make_parcel(app, ase, at("2026-03-21T11:59:50"))
    with app.app_context():
        assert rollup.refresh(ZONE, now=at("2026-03-21T12:00:40")) == 1
        db.session.commit()
        assert rollup.refresh(ZONE, now=at("2026-03-21T12:00:50")) == 0
        db.session.commit()
        total = queries.totals(Period(date(2026, 3, 16), date(2026, 3, 22)).scope(ZONE))
    assert total.packed == 1

"""Retention: comments older than the period lose their text (and notes theirs); the
ratings and every aggregate the dashboard shows stay as they were."""

from datetime import date, timedelta

from greetings.extensions import db
from greetings.insight import queries, rollup
from greetings.insight.service import Period
from greetings.models import Feedback, FollowUp, utcnow
from greetings.privacy import purge
from tests.insight.conftest import make_packer, make_parcel, make_world

ZONE = "Europe/Copenhagen"


def test_purge_drops_old_comment_text_and_notes_but_keeps_the_numbers(any_app):
    make_world(any_app)
    ase = make_packer(any_app, "Åse")
    long_ago = utcnow() - timedelta(days=200)
    old = make_parcel(any_app, ase, long_ago, rating=2, comment="Box damaged, call me")
    recent = make_parcel(any_app, ase, utcnow() - timedelta(days=3), rating=5, comment="Tak!")
    everything = Period(date(2000, 1, 1), date.today() + timedelta(days=1)).scope(ZONE)
    with any_app.app_context():
        db.session.add(FollowUp(feedback_id=old, status="contacted", note="Søren: new box"))
        rollup.refresh(ZONE)
        db.session.commit()
        before = queries.totals(everything)
        counts = purge(180)
        db.session.commit()
        rollup.refresh(ZONE)
        db.session.commit()
        after = queries.totals(everything)
        assert (counts["comments"], counts["notes"]) == (1, 1)
        old_row, recent_row = db.session.get(Feedback, old), db.session.get(Feedback, recent)
        assert (old_row.comment, old_row.rating) == (None, 2)
        assert recent_row.comment == "Tak!"
        assert db.session.execute(db.select(FollowUp)).scalar_one().note is None
    assert (after.packed, after.answered, after.rating_sum, after.distribution) == (
        before.packed, before.answered, before.rating_sum, before.distribution)

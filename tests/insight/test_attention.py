"""The worklist's flag (greetings/insight/attention.py) follows every write of an answer:
the customer's first answer and edits, the retention purge, a new word list."""

from datetime import date, timedelta

from greetings.extensions import db
from greetings.feedback.service import FeedbackIn, save_answer
from greetings.insight import answers, attention
from greetings.insight.service import Period
from greetings.models import Card, Feedback, InsightRefresh, utcnow
from greetings.privacy import purge
from tests.insight.conftest import make_packer, make_parcel, make_world

ZONE = "Europe/Copenhagen"


def on_worklist() -> list[int]:
    everything = Period(date(2000, 1, 1), date.today() + timedelta(days=1)).scope(ZONE)
    return [item.id for item in db.session.execute(answers.worklist(everything)).scalars()]


def test_the_rule_is_a_low_rating_or_a_word_in_any_case():
    words = ["damaged", "ødelagt"]
    assert attention.needs_attention(2, None, words)
    assert attention.needs_attention(5, "The box was DAMAGED", words)
    assert attention.needs_attention(4, "Koppen var ØDELAGT", words)
    assert not attention.needs_attention(3, "Fine, thanks", words)
    assert not attention.needs_attention(5, None, words)


def test_the_customers_answer_and_its_edits_set_the_flag(any_app):
    make_world(any_app)
    ase = make_packer(any_app, "Åse")
    shipment = make_parcel(any_app, ase, utcnow() - timedelta(hours=5))
    with any_app.app_context():
        card = db.session.execute(
            db.select(Card).where(Card.shipment_id == shipment)).scalar_one()
        answer = save_answer(card, FeedbackIn(5, "The mug arrived broken", "da"))
        db.session.commit()
        assert on_worklist() == [answer.id]
        save_answer(card, FeedbackIn(5, "Sorry, all was fine", "da"))  # an edit
        db.session.commit()
        assert on_worklist() == []
        save_answer(card, FeedbackIn(1, None, "da"))
        db.session.commit()
        assert on_worklist() == [answer.id]


def test_the_purge_takes_words_gone_with_their_comment_off_the_worklist(any_app):
    make_world(any_app)
    ase = make_packer(any_app, "Åse")
    long_ago = utcnow() - timedelta(days=200)
    worded = make_parcel(any_app, ase, long_ago, rating=4, comment="One cup broken")
    low = make_parcel(any_app, ase, long_ago, rating=1, comment="Never again")
    recent = make_parcel(any_app, ase, utcnow() - timedelta(days=2), rating=5,
                         comment="Lid missing")
    with any_app.app_context():
        assert sorted(on_worklist()) == sorted([worded, low, recent])
        purge(180)
        db.session.commit()
        assert sorted(on_worklist()) == sorted([low, recent])
        assert db.session.get(Feedback, worded).attention is False


def test_a_new_word_list_flags_every_answer_again_once(any_app):
    make_world(any_app)
    ase = make_packer(any_app, "Åse")
    lovely = make_parcel(any_app, ase, utcnow() - timedelta(days=2), rating=5,
                         comment="Lovely wrapping")
    broken = make_parcel(any_app, ase, utcnow() - timedelta(days=3), rating=4,
                         comment="Handle broken")
    with any_app.app_context():
        assert attention.refresh() == 0  # made with today's words: nothing to change
        db.session.commit()
        assert on_worklist() == [broken]
        any_app.config["INSIGHT_ATTENTION_WORDS"] = ["lovely"]
        assert attention.refresh() == 2
        db.session.commit()
        assert on_worklist() == [lovely]
        assert attention.refresh() == 0
        assert db.session.get(InsightRefresh, attention.FLAGS) is not None


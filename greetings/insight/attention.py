"""The worklist's flag: `feedback.attention` says an answer needs a manager's follow-up
(rating ≤ 2, or a worrying word such as "damaged" in its comment).

Stored, not searched: the worklist over a year is then an index range of flagged answers
(`ix_feedback_attention_created`) instead of every comment of the year matched against
twenty words (EXPLAIN in docs/benchmarks.md). Kept in sync three ways:

- every write of an answer through the ORM (the customer's page, an edit, the demo data)
  sets it just before the row is stored (mapper events below);
- the retention purge, a bulk UPDATE that clears old comments, asks `recheck` for those
  rows afterwards;
- a changed word list (INSIGHT_ATTENTION_WORDS) re-flags every answer once: `refresh`
  compares a fingerprint of the words with the one the flags were made with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import event, select, update

from .. import defaults
from ..extensions import db, hold_sqlite_write_lock
from ..models import Feedback, InsightRefresh, dialect_insert, utcnow
from .queries import LOW_RATING

FLAGS = "attention"  # the InsightRefresh row whose `zone` holds the words' fingerprint
CHUNK = 5000


def words() -> list[str]:
    """Return the words that put an answer on the worklist whatever its rating."""
    configured = (current_app.config["INSIGHT_ATTENTION_WORDS"] if has_app_context()
                  else defaults.INSIGHT_ATTENTION_WORDS)
    return [word.strip() for word in configured if word.strip()]


def needs_attention(rating: int | None, comment: str | None, wordlist: Iterable[str]) -> bool:
    """Tell whether an answer belongs on the worklist: a low rating, or a worrying word
    anywhere in the comment (any case, any language)."""
    if rating is not None and rating <= LOW_RATING:
        return True
    text = (comment or "").casefold()
    return any(word.casefold() in text for word in wordlist)


@event.listens_for(Feedback, "before_insert")
@event.listens_for(Feedback, "before_update")
def _flag_before_write(_mapper, _connection, feedback: Feedback) -> None:
    feedback.attention = needs_attention(feedback.rating, feedback.comment, words())


def recheck(*where) -> int:
    """Set the flag again on the answers matching `where` (all without); return how many
    changed. Rows are read a chunk at a time, so a year of answers fits in memory."""
    wordlist, changed, after = words(), 0, 0
    while True:
        rows = db.session.execute(
            select(Feedback.id, Feedback.rating, Feedback.comment, Feedback.attention)
            .where(Feedback.id > after, *where).order_by(Feedback.id).limit(CHUNK)).all()
        if not rows:
            return changed
        after = rows[-1].id
        flips = {row.id: not row.attention for row in rows
                 if needs_attention(row.rating, row.comment, wordlist) != row.attention}
        for value in (True, False):
            ids = [key for key, flag in flips.items() if flag is value]
            if ids:
                db.session.execute(update(Feedback).where(Feedback.id.in_(ids))
                                   .values(attention=value)
                                   .execution_options(synchronize_session=False))
        changed += len(flips)


def _fingerprint(wordlist: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(wordlist)).encode()).hexdigest()[:64]


def refresh() -> int:
    """Re-flag every answer if the word list changed since the flags were made (the
    caller commits); return how many flags changed. Unchanged: one primary-key read."""
    fingerprint = _fingerprint(words())
    mark = db.session.get(InsightRefresh, FLAGS)
    if mark is not None and mark.zone == fingerprint:
        return 0
    hold_sqlite_write_lock(db.session)
    # The row first (a second process's insert does nothing), then its lock: two
    # processes never re-flag at once, and neither fails on the other's row.
    insert = dialect_insert(db.session.get_bind().dialect.name)
    db.session.execute(insert(InsightRefresh).values(name=FLAGS, zone="", refreshed_to=utcnow())
                       .on_conflict_do_nothing(index_elements=["name"]))
    mark = db.session.execute(select(InsightRefresh).where(InsightRefresh.name == FLAGS)
                              .with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
    if mark.zone == fingerprint:
        return 0  # another process did it while this one waited for the lock
    changed = recheck()
    mark.zone, mark.refreshed_to = fingerprint, utcnow()
    return changed

"""Every aggregate the insight pages read: the ONE module that knows how shipments,
feedback and packers add up (response rate, averages, distributions, weeks, worklist).

The pages (dashboard, packer page, digest, CSV) call these functions and never write
their own SQL over shipments and feedback, so a change of the model (feedback per card)
is adapted here alone.

Sums, not averages, come back from the database (`rating_sum`), so rows add up: a site's
numbers are the sum of its stations', and the average is computed once at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, or_, select

from ..extensions import db
from ..models import (
    Feedback,
    FollowUp,
    FollowUpStatus,
    Order,
    Packer,
    Pin,
    Shipment,
    Station,
)

RATINGS = (1, 2, 3, 4, 5)
LOW_RATING = 2


@dataclass(frozen=True)
class Scope:
    """What a question covers: packed (or answered) in [start, end), in a site, a language.

    `start` and `end` are naive UTC like every stored timestamp; `zone` is the IANA time
    zone whose Mondays begin the weeks.
    """

    start: datetime
    end: datetime
    zone: str = "UTC"
    site: str | None = None
    language: str | None = None
    packer_id: int | None = None


@dataclass
class Numbers:
    """Parcels packed, how many customers answered, and how they rated."""

    packed: int = 0
    answered: int = 0
    rating_sum: int = 0
    distribution: list[int] = field(default_factory=lambda: [0] * len(RATINGS))

    @property
    def average(self) -> float | None:
        """Return the average rating, or None without answers."""
        return self.rating_sum / self.answered if self.answered else None

    @property
    def response_rate(self) -> float | None:
        """Return answered shipments ÷ packed shipments (0..1), or None when none was packed."""
        return self.answered / self.packed if self.packed else None

    def add(self, other: Numbers) -> None:
        """Add another row's numbers to these."""
        self.packed += other.packed
        self.answered += other.answered
        self.rating_sum += other.rating_sum
        self.distribution = [a + b for a, b in zip(self.distribution, other.distribution,
                                                             strict=True)]


def local_to_utc(moment: datetime, zone: str) -> datetime:
    """Return a wall-clock time of the zone as naive UTC."""
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def to_local(moment: datetime, zone: str) -> datetime:
    """Return a naive UTC time as the zone's wall-clock time."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def week_starts(scope: Scope) -> list[date]:
    """Return the Mondays (in the scope's zone) of every week the scope touches."""
    zone = ZoneInfo(scope.zone)
    first = scope.start.replace(tzinfo=UTC).astimezone(zone).date()
    last = (scope.end - timedelta(microseconds=1)).replace(tzinfo=UTC).astimezone(zone).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _measures():
    ratings = [func.count(case((Feedback.rating == value, 1))) for value in RATINGS]
    return [func.count(Shipment.id), func.count(Feedback.id),
            func.coalesce(func.sum(Feedback.rating), 0), *ratings]


def _numbers(row) -> Numbers:
    packed, answered, rating_sum, *distribution = row
    return Numbers(int(packed), int(answered), int(rating_sum), [int(n) for n in distribution])


def _station_names(site: str):
    return select(Station.name).where(Station.site == site).scalar_subquery()


def _language_match(column, language: str):
    # Orders keep the language their shop sent ("da" or "da-DK"); either counts as "da".
    return or_(column == language, column.like(f"{language}-%"))


def _scoped(columns, scope: Scope):
    """Shipments packed in the scope, each with its answer (if any)."""
    query = (select(*columns).select_from(Shipment)
             .outerjoin(Feedback, Feedback.shipment_id == Shipment.id)
             .where(Shipment.packed_at >= scope.start, Shipment.packed_at < scope.end))
    return _narrowed(query, scope)


def _narrowed(query, scope: Scope):
    if scope.site is not None:
        query = query.where(Shipment.station.in_(_station_names(scope.site)))
    if scope.packer_id is not None:
        query = query.where(Shipment.packer_id == scope.packer_id)
    if scope.language is not None:
        query = (query.join(Order, Order.id == Shipment.order_id)
                 .where(_language_match(Order.language, scope.language)))
    return query


def totals(scope: Scope) -> Numbers:
    """Return the numbers of everything in the scope."""
    return _numbers(db.session.execute(_scoped(_measures(), scope)).one())


def per_packer(scope: Scope) -> list[tuple[Packer, Numbers]]:
    """Return each packer who packed in the scope with their numbers, by display name."""
    rows = db.session.execute(
        _scoped([Shipment.packer_id, *_measures()], scope).group_by(Shipment.packer_id)).all()
    numbers = {row[0]: _numbers(row[1:]) for row in rows}
    packers = db.session.execute(
        select(Packer).where(Packer.id.in_(numbers))).scalars().all() if numbers else []
    return sorted(((packer, numbers[packer.id]) for packer in packers),
                  key=lambda pair: (pair[0].display_name.casefold(), pair[0].id))


def per_station(scope: Scope) -> list[tuple[str, str | None, Numbers]]:
    """Return (station, site, numbers) for each station packed at in the scope."""
    rows = db.session.execute(
        _scoped([Shipment.station, *_measures()], scope).group_by(Shipment.station)).all()
    sites = dict(db.session.execute(select(Station.name, Station.site)).all())
    result = [(name or "", sites.get(name), _numbers(row)) for name, *row in rows]
    return sorted(result, key=lambda item: (item[1] or "", item[0]))


def per_site(scope: Scope) -> list[tuple[str | None, Numbers]]:
    """Return (site, numbers) per site: the sum of its stations (None: no site)."""
    sites: dict[str | None, Numbers] = {}
    for _station, site, numbers in per_station(scope):
        sites.setdefault(site, Numbers()).add(numbers)
    return sorted(sites.items(), key=lambda item: (item[0] is None, item[0] or ""))


def _week_of(scope: Scope, dialect: str):
    """The SQL expression of a shipment's week (its Monday in the scope's zone)."""
    if dialect == "postgresql":
        local = func.timezone(scope.zone, func.timezone("UTC", Shipment.packed_at))
        return func.date_trunc("week", local)
    # SQLite has no time zones: the week boundaries (daylight saving included) are
    # computed here and compared as stored UTC.
    mondays = week_starts(scope)
    whens = [(Shipment.packed_at < local_to_utc(datetime.combine(monday + timedelta(days=7),
                                                                 datetime.min.time()),
                                                scope.zone), literal(monday.isoformat()))
             for monday in mondays]
    return case(*whens, else_=literal(None)) if whens else literal(None)


def per_week(scope: Scope) -> list[tuple[date, Numbers]]:
    """Return every week of the scope (Mondays in its zone) with its numbers, gaps as zero."""
    week = _week_of(scope, db.session.get_bind().dialect.name).label("week")
    rows = db.session.execute(_scoped([week, *_measures()], scope).group_by(week)).all()
    found = {}
    for monday, *row in rows:
        if monday is None:
            continue
        key = monday.date() if isinstance(monday, datetime) else date.fromisoformat(str(monday))
        found[key] = _numbers(row)
    return [(monday, found.get(monday, Numbers())) for monday in week_starts(scope)]


def languages_in_use() -> list[str]:
    """Return the languages answers came in (for the filter)."""
    return [value for value in db.session.execute(
        select(Feedback.language).where(Feedback.language.is_not(None)).distinct()
        .order_by(Feedback.language)).scalars()]


def sites() -> list[str]:
    """Return the names of the sites stations stand at."""
    return [value for value in db.session.execute(
        select(Station.site).where(Station.site.is_not(None)).distinct()
        .order_by(Station.site)).scalars()]


# ---- the answers themselves: worklist, export, packer page, digest -------------------

def _answered(scope: Scope):
    """Answers given in [start, end) to shipments in the scope's site/language/packer."""
    query = (select(Feedback).join(Shipment, Shipment.id == Feedback.shipment_id)
             .where(Feedback.created_at >= scope.start, Feedback.created_at < scope.end))
    return _narrowed(query, scope)


def needs_attention(words: list[str]):
    """The condition of the low-rating worklist: rating ≤ 2, or a worrying word."""
    lowered = func.lower(Feedback.comment)
    return or_(Feedback.rating <= LOW_RATING,
               *[lowered.contains(word.lower(), autoescape=True) for word in words if word])


def worklist(scope: Scope, words: list[str], status: str | None = None):
    """Return the newest-first selection of answers that need a manager's follow-up.

    `status` narrows to one follow-up status; an answer nobody followed up yet is open.
    """
    query = _answered(scope).where(needs_attention(words))
    if status is not None:
        followed = (select(FollowUp.feedback_id)
                    .where(FollowUp.status != FollowUpStatus.OPEN).scalar_subquery())
        if status == FollowUpStatus.OPEN:
            query = query.where(Feedback.id.not_in(followed))
        else:
            query = query.where(Feedback.id.in_(
                select(FollowUp.feedback_id).where(FollowUp.status == status)
                .scalar_subquery()))
    return query.order_by(Feedback.created_at.desc(), Feedback.id.desc())


def follow_ups_for(feedback_ids: list[int]) -> dict[int, FollowUp]:
    """Return the follow-ups of these answers, by answer id."""
    if not feedback_ids:
        return {}
    rows = db.session.execute(
        select(FollowUp).where(FollowUp.feedback_id.in_(feedback_ids))).scalars()
    return {row.feedback_id: row for row in rows}


@dataclass(frozen=True)
class ExportRow:
    """One answer as the CSV carries it (display names only)."""

    answered_at: datetime
    order: str
    packer: str
    station: str | None
    site: str | None
    language: str | None
    rating: int
    comment: str | None
    hidden: bool
    follow_up: str | None
    note: str | None


def export_rows(scope: Scope, chunk: int = 1000) -> Iterator[ExportRow]:
    """Yield every answer in the scope, oldest first, a chunk at a time."""
    query = (_answered(scope)
             .with_only_columns(Feedback.created_at, Order.number, Packer.display_name,
                                Shipment.station, Station.site, Feedback.language,
                                Feedback.rating, Feedback.comment, Feedback.hidden_at,
                                FollowUp.status, FollowUp.note)
             .join(Packer, Packer.id == Shipment.packer_id)
             .outerjoin(Station, Station.name == Shipment.station)
             .outerjoin(FollowUp, FollowUp.feedback_id == Feedback.id)
             .order_by(Feedback.created_at, Feedback.id))
    if scope.language is None:
        query = query.join(Order, Order.id == Shipment.order_id)
    result = db.session.execute(query.execution_options(yield_per=chunk))
    for (at, number, packer, station, site, language, rating, comment, hidden_at,
         status, note) in result:
        yield ExportRow(at, number, packer, station, site, language, rating,
                        None if hidden_at else comment, hidden_at is not None,
                        str(status) if status else None, note)


def visible_comments(scope: Scope, limit: int, min_rating: int = 1) -> list[Feedback]:
    """Return the newest comments in the scope that a manager has not hidden."""
    return db.session.execute(
        _answered(scope).where(Feedback.comment.is_not(None), Feedback.hidden_at.is_(None),
                               Feedback.rating >= min_rating)
        .order_by(Feedback.rating.desc(), Feedback.created_at.desc()).limit(limit)
    ).scalars().all()


def pinned(packer_id: int, limit: int, since: datetime | None = None) -> list[Feedback]:
    """Return the packer's answers a manager pinned as "best of", newest pin first."""
    query = (select(Feedback).join(Pin, Pin.feedback_id == Feedback.id)
             .join(Shipment, Shipment.id == Feedback.shipment_id)
             .where(Shipment.packer_id == packer_id, Feedback.hidden_at.is_(None)))
    if since is not None:
        query = query.where(Pin.pinned_at >= since)
    return db.session.execute(
        query.order_by(Pin.pinned_at.desc(), Pin.id.desc()).limit(limit)).scalars().all()


def pinned_ids(feedback_ids: list[int]) -> set[int]:
    """Return which of these answers are pinned."""
    if not feedback_ids:
        return set()
    return set(db.session.execute(
        select(Pin.feedback_id).where(Pin.feedback_id.in_(feedback_ids))).scalars())

"""Every aggregate the insight pages read: the ONE module that knows how shipments,
feedback and packers add up (response rate, averages, distributions, weeks, worklist).

The pages (dashboard, packer page, digest, CSV) call these functions and never write
their own SQL over shipments and feedback, so a change of the model (feedback per card)
is adapted here alone.

Sums, not averages, come back from the database (`rating_sum`), so rows add up: a site's
numbers are the sum of its stations', and the average is computed once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, delete, func, insert, literal, or_, select

from ..extensions import db, hold_sqlite_write_lock
from ..models import (
    Feedback,
    InsightDay,
    InsightRefresh,
    Order,
    Packer,
    Shipment,
    Station,
    utcnow,
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

    @property
    def first(self) -> date:
        """Return the scope's first local day."""
        return to_local(self.start, self.zone).date()

    @property
    def last(self) -> date:
        """Return the scope's last local day."""
        return to_local(self.end - timedelta(microseconds=1), self.zone).date()


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


def _source_measures():
    """Sums over shipments joined to their answers (what the roll-up stores per day)."""
    ratings = [func.count(case((Feedback.rating == value, 1))) for value in RATINGS]
    return [func.count(Shipment.id), func.count(Feedback.id),
            func.coalesce(func.sum(Feedback.rating), 0), *ratings]


def _measures():
    """Sums over roll-up rows."""
    day = InsightDay
    return [func.coalesce(func.sum(column), 0) for column in (
        day.packed, day.answered, day.rating_sum, day.r1, day.r2, day.r3, day.r4, day.r5)]


def _numbers(row) -> Numbers:
    packed, answered, rating_sum, *distribution = row
    return Numbers(int(packed), int(answered), int(rating_sum), [int(n) for n in distribution])


def station_names(site: str):
    """The names of the stations at a site (a subquery)."""
    return select(Station.name).where(Station.site == site).scalar_subquery()


def language_match(column, language: str):
    """Match an order's language: "da" and "da-DK" both count as "da"."""
    return or_(column == language, column.like(f"{language}-%"))


def _scoped(columns, scope: Scope):
    """Roll-up rows of the scope's days, site, language and packer."""
    query = select(*columns).where(InsightDay.day >= scope.first, InsightDay.day <= scope.last)
    if scope.site is not None:
        query = query.where(InsightDay.station.in_(station_names(scope.site)))
    if scope.packer_id is not None:
        query = query.where(InsightDay.packer_id == scope.packer_id)
    if scope.language is not None:
        query = query.where(InsightDay.language == scope.language)
    return query


def totals(scope: Scope) -> Numbers:
    """Return the numbers of everything in the scope."""
    return _numbers(db.session.execute(_scoped(_measures(), scope)).one())


def per_packer(scope: Scope) -> list[tuple[Packer, Numbers]]:
    """Return each packer who packed in the scope with their numbers, by display name."""
    rows = db.session.execute(
        _scoped([InsightDay.packer_id, *_measures()], scope)
        .group_by(InsightDay.packer_id)).all()
    numbers = {row[0]: _numbers(row[1:]) for row in rows}
    packers = db.session.execute(
        select(Packer).where(Packer.id.in_(numbers))).scalars().all() if numbers else []
    return sorted(((packer, numbers[packer.id]) for packer in packers),
                  key=lambda pair: (pair[0].display_name.casefold(), pair[0].id))


def per_station(scope: Scope) -> list[tuple[str, str | None, Numbers]]:
    """Return (station, site, numbers) for each station packed at in the scope."""
    rows = db.session.execute(
        _scoped([InsightDay.station, *_measures()], scope)
        .group_by(InsightDay.station)).all()
    sites = dict(db.session.execute(select(Station.name, Station.site)).all())
    result = [(name, sites.get(name), _numbers(row)) for name, *row in rows]
    return sorted(result, key=lambda item: (item[1] or "", item[0]))


def per_site(scope: Scope) -> list[tuple[str | None, Numbers]]:
    """Return (site, numbers) per site: the sum of its stations (None: no site)."""
    sites: dict[str | None, Numbers] = {}
    for _station, site, numbers in per_station(scope):
        sites.setdefault(site, Numbers()).add(numbers)
    return sorted(sites.items(), key=lambda item: (item[0] is None, item[0] or ""))


def per_week(scope: Scope) -> list[tuple[date, Numbers]]:
    """Return every week of the scope (Mondays in its zone) with its numbers, gaps as zero."""
    rows = db.session.execute(
        _scoped([InsightDay.day, *_measures()], scope).group_by(InsightDay.day)).all()
    weeks = {monday: Numbers() for monday in week_starts(scope)}
    for day, *row in rows:
        monday = day - timedelta(days=day.weekday())
        weeks.setdefault(monday, Numbers()).add(_numbers(row))
    return sorted(weeks.items())


def sites() -> list[str]:
    """Return the names of the sites stations stand at."""
    return [value for value in db.session.execute(
        select(Station.site).where(Station.site.is_not(None)).distinct()
        .order_by(Station.site)).scalars()]


# ---- the roll-up: built from shipments and feedback, day by day ----------------------

ROLLUP = "insight"
# Rows written this long before a refresh may still be committing: they are read again.
SETTLE = timedelta(minutes=2)


def _rebuild_day(day: date, zone: str) -> None:
    """Replace one local day's roll-up rows with what shipments and feedback say now."""
    start = local_to_utc(datetime.combine(day, datetime.min.time()), zone)
    end = local_to_utc(datetime.combine(day + timedelta(days=1), datetime.min.time()), zone)
    db.session.execute(delete(InsightDay).where(InsightDay.day == day))
    language = func.lower(func.substr(Order.language, 1, 2))
    station = func.coalesce(Shipment.station, "")
    source = (select(literal(day, type_=Date), Shipment.packer_id, station, language,
                     *_source_measures())
              .select_from(Shipment)
              .join(Order, Order.id == Shipment.order_id)
              .outerjoin(Feedback, Feedback.shipment_id == Shipment.id)
              .where(Shipment.packed_at >= start, Shipment.packed_at < end)
              .group_by(Shipment.packer_id, station, language))
    columns = ["day", "packer_id", "station", "language", "packed", "answered", "rating_sum",
               "r1", "r2", "r3", "r4", "r5"]
    db.session.execute(insert(InsightDay).from_select(columns, source))


def _changed_days(since: datetime | None, now: datetime, zone: str) -> set[date]:
    """The local days whose roll-up may be out of date: all when never built, else the
    days of parcels packed since, and of parcels whose answer was given or changed since."""
    if since is None:
        first = db.session.execute(select(func.min(Shipment.packed_at))).scalar()
        day, last = to_local(first or now, zone).date(), to_local(now, zone).date()
        days = set()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
        return days
    packed = db.session.execute(
        select(Shipment.packed_at).where(Shipment.packed_at >= since)).scalars().all()
    answered = db.session.execute(
        select(Shipment.packed_at).join(Feedback, Feedback.shipment_id == Shipment.id)
        .where(Feedback.updated_at >= since)).scalars().all()
    return {to_local(moment, zone).date() for moment in [*packed, *answered]}


def refresh(zone: str, now: datetime | None = None) -> int:
    """Bring the roll-up up to date (the caller commits); return how many days were rebuilt.

    Nothing changed since the last refresh: two indexed look-ups, no write. Else one
    refresh at a time: the watermark row is locked (PostgreSQL) or the SQLite write lock
    is held, so two app servers never rebuild the same day at once. A changed time zone
    rebuilds everything.
    """
    now = now or utcnow()
    mark = db.session.get(InsightRefresh, ROLLUP)
    if mark is not None and mark.zone == zone and not _changed_days(
            mark.refreshed_to - SETTLE, now, zone):
        return 0
    hold_sqlite_write_lock(db.session)
    mark = db.session.execute(select(InsightRefresh).where(InsightRefresh.name == ROLLUP)
                              .with_for_update()).scalar_one_or_none()
    if mark is None:
        mark = InsightRefresh(name=ROLLUP, zone=zone, refreshed_to=now)
        db.session.add(mark)
        since = None
    elif mark.zone != zone:
        db.session.execute(delete(InsightDay))
        since = None
    else:
        since = mark.refreshed_to - SETTLE
    days = _changed_days(since, now, zone)
    for day in sorted(days):
        _rebuild_day(day, zone)
    mark.zone, mark.refreshed_to = zone, now
    return len(days)

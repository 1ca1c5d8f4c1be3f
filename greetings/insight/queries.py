"""Every aggregate the insight pages read: the ONE module that knows how shipments,
feedback and packers add up (response rate, averages, distributions, weeks, worklist).

The pages (dashboard, packer page, digest, CSV) call these functions and never write
their own SQL over shipments and feedback, so a change of the model (feedback per card)
is adapted here and in the roll-up's build (greetings.insight.rollup) alone.

Sums, not averages, come back from the database (`rating_sum`), so rows add up: a site's
numbers are the sum of its stations', and the average is computed once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from ..extensions import db
from ..models import (
    InsightDay,
    Packer,
    Site,
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
    site: int | None = None  # a site's id
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


def _measures():
    """Sums over roll-up rows."""
    day = InsightDay
    return [func.coalesce(func.sum(column), 0) for column in (
        day.packed, day.answered, day.rating_sum, day.r1, day.r2, day.r3, day.r4, day.r5)]


def _numbers(row) -> Numbers:
    packed, answered, rating_sum, *distribution = row
    return Numbers(int(packed), int(answered), int(rating_sum), [int(n) for n in distribution])


def language_match(column, language: str):
    """Match an order's language: "da" and "da-DK" both count as "da"."""
    return or_(column == language, column.like(f"{language}-%"))


def _scoped(columns, scope: Scope):
    """Roll-up rows of the scope's days, site, language and packer."""
    query = select(*columns).where(InsightDay.day >= scope.first, InsightDay.day <= scope.last)
    if scope.site is not None:
        query = query.where(InsightDay.site_id == scope.site)
    if scope.packer_id is not None:
        query = query.where(InsightDay.packer_id == scope.packer_id)
    if scope.language is not None:
        query = query.where(InsightDay.language == scope.language)
    return query


def totals(scope: Scope) -> Numbers:
    """Return the numbers of everything in the scope."""
    return _numbers(db.session.execute(_scoped(_measures(), scope)).one())


def per_packer(scope: Scope) -> list[tuple[Packer, Numbers]]:
    """Return each packer with parcels or answers in the scope, by display name."""
    rows = db.session.execute(
        _scoped([InsightDay.packer_id, *_measures()], scope)
        .group_by(InsightDay.packer_id)).all()
    return _by_packer({row[0]: _numbers(row[1:]) for row in rows})


def _by_packer(numbers: dict[int, Numbers]) -> list[tuple[Packer, Numbers]]:
    packers = db.session.execute(
        select(Packer).where(Packer.id.in_(numbers))).scalars().all() if numbers else []
    return sorted(((packer, numbers[packer.id]) for packer in packers),
                  key=lambda pair: (pair[0].display_name.casefold(), pair[0].id))


def _names(model) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.name)).all())


def per_station(scope: Scope) -> list[tuple[str, str | None, Numbers]]:
    """Return (station, site, numbers) per station and site packed at in the scope.

    Shipments keep the site they were packed at, so a station that moved shows once
    per site; "" is the API (no station).
    """
    rows = db.session.execute(
        _scoped([InsightDay.station_id, InsightDay.site_id, *_measures()], scope)
        .group_by(InsightDay.station_id, InsightDay.site_id)).all()
    return _by_station([(station, site, _numbers(row)) for station, site, *row in rows])


def _by_station(rows) -> list[tuple[str, str | None, Numbers]]:
    stations, sites = _names(Station), _names(Site)
    result = [(stations.get(station, ""), sites.get(site), numbers)
              for station, site, numbers in rows]
    return sorted(result, key=lambda item: (item[1] or "", item[0]))


def per_site(scope: Scope) -> list[tuple[str | None, Numbers]]:
    """Return (site, numbers) per site (None: parcels packed without a site)."""
    rows = db.session.execute(
        _scoped([InsightDay.site_id, *_measures()], scope).group_by(InsightDay.site_id)).all()
    return _by_site([(site, _numbers(row)) for site, *row in rows])


def _by_site(rows) -> list[tuple[str | None, Numbers]]:
    sites = _names(Site)
    result = [(sites.get(site), numbers) for site, numbers in rows]
    return sorted(result, key=lambda item: (item[0] is None, item[0] or ""))


def per_week(scope: Scope) -> list[tuple[date, Numbers]]:
    """Return every week of the scope with its numbers, gaps as zero.

    Each parcel's day is its own site's (time zone); a week is Monday to Sunday of those.
    """
    rows = db.session.execute(
        _scoped([InsightDay.day, *_measures()], scope).group_by(InsightDay.day)).all()
    return _by_week(scope, [(day, _numbers(row)) for day, *row in rows])


def _by_week(scope: Scope, days) -> list[tuple[date, Numbers]]:
    weeks = {monday: Numbers() for monday in week_starts(scope)}
    for day, numbers in days:
        monday = day - timedelta(days=day.weekday())
        weeks.setdefault(monday, Numbers()).add(numbers)
    return sorted(weeks.items())


@dataclass
class Overview:
    """Everything the dashboard shows for one scope."""

    totals: Numbers
    weeks: list[tuple[date, Numbers]]
    packers: list[tuple[Packer, Numbers]]
    stations: list[tuple[str, str | None, Numbers]]
    sites: list[tuple[str | None, Numbers]]


_DAY, _PACKER, _STATION, _SITE = range(4)


def overview(scope: Scope) -> Overview:
    """Return the dashboard's totals, weeks, packers, stations and sites in ONE statement
    (four GROUP BYs of the roll-up, UNION ALL) instead of five round trips.

    The totals are the sum of the sites' rows (every roll-up row has one site, 0 for
    none). A CTE summing per day, packer, station and site first was slower: its
    14,600 groups for a year cost more than the four scans (EXPLAIN in
    docs/benchmarks.md).
    """
    day = InsightDay
    none_day, none_id = cast(null(), Date), cast(null(), Integer)

    def grouped(kind, *columns):
        by = [column for column in columns if column is not none_day and column is not none_id]
        return _scoped([literal_column(str(kind)), *columns, *_measures()],
                       scope).group_by(*by)

    rows = db.session.execute(union_all(
        grouped(_DAY, day.day, none_id, none_id),
        grouped(_PACKER, none_day, day.packer_id, none_id),
        grouped(_STATION, none_day, day.station_id, day.site_id),
        grouped(_SITE, none_day, day.site_id, none_id))).all()
    found: dict[int, list] = {kind: [] for kind in range(4)}
    for kind, when, first, second, *measures in rows:
        found[int(kind)].append((when, first, second, _numbers(measures)))
    totals = Numbers()
    for *_keys, numbers in found[_SITE]:
        totals.add(numbers)
    return Overview(
        totals=totals,
        weeks=_by_week(scope, [(when, numbers) for when, _a, _b, numbers in found[_DAY]]),
        packers=_by_packer({packer: numbers for _d, packer, _b, numbers in found[_PACKER]}),
        stations=_by_station([(station, site, numbers)
                              for _d, station, site, numbers in found[_STATION]]),
        sites=_by_site([(site, numbers) for _d, site, _b, numbers in found[_SITE]]))


def sites() -> list[tuple[int, str]]:
    """Return (id, name) of every site."""
    return list(db.session.execute(select(Site.id, Site.name).order_by(Site.name)).all())

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
    tuple_,
    union_all,
)

from ..extensions import db
from ..models import (
    InsightDay,
    InsightWeek,
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


_SUMS = ("packed", "answered", "rating_sum", "r1", "r2", "r3", "r4", "r5")
_KEYS = ("packer_id", "station_id", "site_id", "language")


def _measures(rows):
    """Sums over roll-up rows (a `_rows` subquery)."""
    return [func.coalesce(func.sum(rows.c[name]), 0) for name in _SUMS]


def _numbers(row) -> Numbers:
    packed, answered, rating_sum, *distribution = row
    return Numbers(int(packed), int(answered), int(rating_sum), [int(n) for n in distribution])


def language_match(column, language: str):
    """Match an order's language: "da" and "da-DK" both count as "da"."""
    return or_(column == language, column.like(f"{language}-%"))


def _whole_weeks(scope: Scope) -> tuple[date, date] | None:
    """The first and the last Monday of the weeks that lie wholly in the scope's days."""
    first, last = scope.first, scope.last
    monday = first + timedelta(days=-first.weekday() % 7)
    final = last - timedelta(days=(last.weekday() + 1) % 7) - timedelta(days=6)
    return (monday, final) if monday <= final else None


def _rows(scope: Scope):
    """The roll-up rows of the scope's days, site, language and packer, as a subquery
    (`day`, the keys and the sums): whole weeks from `insight_weeks` (`day` is their
    Monday), the days before and after them from `insight_days`. Both are in the same
    local days, so the sums are the days' sums (tests/insight/test_queries.py)."""
    parts = []
    weeks = _whole_weeks(scope)
    for table, when, spans in (
            (InsightDay, InsightDay.day,
             [(scope.first, scope.last)] if weeks is None else
             [(scope.first, weeks[0] - timedelta(days=1)),
              (weeks[1] + timedelta(days=7), scope.last)]),
            (InsightWeek, InsightWeek.week, [] if weeks is None else [weeks])):
        for low, high in spans:
            if low > high:
                continue
            query = select(when.label("day"), *[getattr(table, name) for name in _KEYS],
                           *[getattr(table, name) for name in _SUMS]).where(
                when >= low, when <= high)
            for name, value in (("site_id", scope.site), ("packer_id", scope.packer_id),
                                ("language", scope.language)):
                if value is not None:
                    query = query.where(getattr(table, name) == value)
            parts.append(query)
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("rows")


def _scoped(columns, scope: Scope):
    """Select `columns(rows)` (a function of the `_rows` subquery) and the sums."""
    rows = _rows(scope)
    return select(*columns(rows), *_measures(rows)), rows


def totals(scope: Scope) -> Numbers:
    """Return the numbers of everything in the scope."""
    query, _rows_ = _scoped(lambda rows: [], scope)
    return _numbers(db.session.execute(query).one())


def per_packer(scope: Scope) -> list[tuple[Packer, Numbers]]:
    """Return each packer with parcels or answers in the scope, by display name."""
    query, rows = _scoped(lambda rows: [rows.c.packer_id], scope)
    rows = db.session.execute(query.group_by(rows.c.packer_id)).all()
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
    query, rows = _scoped(lambda rows: [rows.c.station_id, rows.c.site_id], scope)
    rows = db.session.execute(query.group_by(rows.c.station_id, rows.c.site_id)).all()
    return _by_station([(station, site, _numbers(row)) for station, site, *row in rows])


def _by_station(rows) -> list[tuple[str, str | None, Numbers]]:
    stations, sites = _names(Station), _names(Site)
    result = [(stations.get(station, ""), sites.get(site), numbers)
              for station, site, numbers in rows]
    return sorted(result, key=lambda item: (item[1] or "", item[0]))


def per_site(scope: Scope) -> list[tuple[str | None, Numbers]]:
    """Return (site, numbers) per site (None: parcels packed without a site)."""
    query, rows = _scoped(lambda rows: [rows.c.site_id], scope)
    rows = db.session.execute(query.group_by(rows.c.site_id)).all()
    return _by_site([(site, _numbers(row)) for site, *row in rows])


def _by_site(rows) -> list[tuple[str | None, Numbers]]:
    sites = _names(Site)
    result = [(sites.get(site), numbers) for site, numbers in rows]
    return sorted(result, key=lambda item: (item[0] is None, item[0] or ""))


def per_week(scope: Scope) -> list[tuple[date, Numbers]]:
    """Return every week of the scope with its numbers, gaps as zero.

    Each parcel's day is its own site's (time zone); a week is Monday to Sunday of those.
    """
    query, rows = _scoped(lambda rows: [rows.c.day], scope)
    rows = db.session.execute(query.group_by(rows.c.day)).all()
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


def _groupings(scope: Scope) -> dict[int, list]:
    """The scope's rows summed four ways (per day, packer, station and site, site), as
    {kind: [(day, first key, second key, Numbers)]}: ONE scan with GROUPING SETS on
    PostgreSQL, four GROUP BYs under UNION ALL elsewhere (SQLite has no GROUPING SETS).

    A year of the benchmark: 53 ms against 100 ms for the four scans (docs/benchmarks.md).
    """
    rows = _rows(scope).alias("rows")
    c = rows.c
    found: dict[int, list] = {kind: [] for kind in range(4)}
    if db.session.get_bind().dialect.name == "postgresql":
        # grouping() has a bit set for each column a row is NOT grouped by.
        kinds = {0b0111: _DAY, 0b1011: _PACKER, 0b1100: _STATION, 0b1110: _SITE}
        query = (select(func.grouping(c.day, c.packer_id, c.station_id, c.site_id),
                        c.day, c.packer_id, c.station_id, c.site_id, *_measures(rows))
                 .group_by(func.grouping_sets(tuple_(c.day), tuple_(c.packer_id),
                                              tuple_(c.station_id, c.site_id),
                                              tuple_(c.site_id))))
        for which, when, packer, station, site, *measures in db.session.execute(query):
            kind = kinds[which]
            first, second = {_DAY: (None, None), _PACKER: (packer, None),
                             _STATION: (station, site), _SITE: (site, None)}[kind]
            found[kind].append((when, first, second, _numbers(measures)))
        return found
    none_day, none_id = cast(null(), Date), cast(null(), Integer)

    def grouped(kind, *columns):
        by = [column for column in columns if column is not none_day and column is not none_id]
        return select(literal_column(str(kind)), *columns, *_measures(rows)).group_by(*by)

    for kind, when, first, second, *measures in db.session.execute(union_all(
            grouped(_DAY, c.day, none_id, none_id),
            grouped(_PACKER, none_day, c.packer_id, none_id),
            grouped(_STATION, none_day, c.station_id, c.site_id),
            grouped(_SITE, none_day, c.site_id, none_id))).all():
        found[int(kind)].append((when, first, second, _numbers(measures)))
    return found


def overview(scope: Scope) -> Overview:
    """Return the dashboard's totals, weeks, packers, stations and sites in ONE statement
    instead of five round trips.

    The totals are the sum of the sites' rows (every roll-up row has one site, 0 for
    none). A CTE summing per day, packer, station and site first was slower: its
    14,600 groups for a year cost more than the four scans (EXPLAIN in
    docs/benchmarks.md).
    """
    found = _groupings(scope)
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

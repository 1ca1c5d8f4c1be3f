"""Every aggregate the insight pages read: the ONE module that knows how shipments,
feedback and packers add up (response rate, averages, distributions, weeks, worklist).

The pages (dashboard, packer page, digest, CSV) call these functions and never write
their own SQL over shipments and feedback, so a change of the model (feedback per card)
is adapted here alone.

Sums, not averages, come back from the database (`rating_sum`), so rows add up: a site's
numbers are the sum of its stations', and the average is computed once at the end.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from ..extensions import db, hold_sqlite_write_lock
from ..models import (
    Card,
    Feedback,
    InsightDay,
    InsightRefresh,
    Order,
    Packer,
    Shipment,
    Site,
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


# ---- the roll-up: built from shipments, cards and feedback, day by day ---------------

ROLLUP = "insight"
# Rows written this long before a refresh may still be committing: they are read again.
SETTLE = timedelta(minutes=2)
NO_ID = 0  # the roll-up's key for "no station" / "no site" (key columns are never null)
_COLUMNS = ["day", "packer_id", "station_id", "site_id", "language", "packed", "answered",
            "rating_sum", "r1", "r2", "r3", "r4", "r5"]


def _zones(default_zone: str) -> dict[int | None, str]:
    """Each site's time zone by id; None (no site) gets the default zone."""
    zones = dict(db.session.execute(select(Site.id, Site.time_zone)).all())
    zones[None] = default_zone
    return zones


def _fingerprint(zones: dict[int | None, str]) -> str:
    text = "|".join(f"{key}:{value}" for key, value in sorted(
        zones.items(), key=lambda item: -1 if item[0] is None else item[0]))
    return hashlib.sha256(text.encode()).hexdigest()[:64]


def _window(day: date, zone: str) -> tuple[datetime, datetime]:
    """The local day in the zone as [start, end) in naive UTC."""
    return (local_to_utc(datetime.combine(day, datetime.min.time()), zone),
            local_to_utc(datetime.combine(day + timedelta(days=1), datetime.min.time()), zone))


def _day_rows(day: date, start: datetime, end: datetime, site_ids: list[int | None]):
    """One day's parcels (by the shipment's packer) and answers (credited to the packer
    named on the answered card; a shipment counts as answered once, on its first answer)
    at sites whose local day is [start, end) in UTC, as roll-up rows."""
    known = [site for site in site_ids if site is not None]
    at_sites = or_(Shipment.site_id.in_(known), *(
        [Shipment.site_id.is_(None)] if None in site_ids else []))
    window = (Shipment.packed_at >= start, Shipment.packed_at < end, at_sites)
    language = func.lower(func.substr(Order.language, 1, 2))
    station = func.coalesce(Shipment.station_id, NO_ID)
    site = func.coalesce(Shipment.site_id, NO_ID)
    zero = literal(0)
    parcels = (select(Shipment.packer_id.label("packer"), station.label("station"),
                      site.label("site"), language.label("language"), literal(1).label("p"),
                      zero.label("a"), zero.label("s"),
                      *[zero.label(f"r{value}") for value in RATINGS])
               .join(Order, Order.id == Shipment.order_id).where(*window))
    first = func.row_number().over(partition_by=Card.shipment_id, order_by=Feedback.id)
    answers = (select(Card.packer_id.label("packer"), station.label("station"),
                      site.label("site"), language.label("language"), zero.label("p"),
                      case((first == 1, 1), else_=0).label("a"), Feedback.rating.label("s"),
                      *[case((Feedback.rating == value, 1), else_=0).label(f"r{value}")
                        for value in RATINGS])
               .select_from(Feedback).join(Card, Card.id == Feedback.card_id)
               .join(Shipment, Shipment.id == Card.shipment_id)
               .join(Order, Order.id == Shipment.order_id).where(*window))
    both = union_all(parcels, answers).subquery()
    keys = (both.c.packer, both.c.station, both.c.site, both.c.language)
    return (select(literal(day, type_=Date), *keys, func.sum(both.c.p), func.sum(both.c.a),
                   func.sum(both.c.s), *[func.sum(both.c[f"r{value}"]) for value in RATINGS])
            .group_by(*keys))


def _rebuild_day(day: date, zones: dict[int | None, str]) -> None:
    """Replace one local day's roll-up rows with what shipments and answers say now."""
    db.session.execute(delete(InsightDay).where(InsightDay.day == day))
    # Sites whose zones agree on that day's UTC hours (Copenhagen, Stockholm and Oslo do)
    # are read in one statement: one pass over the day's shipments, not one per zone.
    by_window: dict[tuple[datetime, datetime], list[int | None]] = {}
    for site, zone in zones.items():
        by_window.setdefault(_window(day, zone), []).append(site)
    for (start, end), site_ids in by_window.items():
        db.session.execute(insert(InsightDay).from_select(
            _COLUMNS, _day_rows(day, start, end, site_ids)))


def _changed_days(since: datetime | None, now: datetime,
                  zones: dict[int | None, str]) -> set[date]:
    """The local days whose roll-up may be out of date: all when never built, else the
    days of parcels packed since, and of parcels whose answer was given or changed since."""
    if since is None:
        first = db.session.execute(select(func.min(Shipment.packed_at))).scalar() or now
        day = min(to_local(first, zone).date() for zone in zones.values())
        last = max(to_local(now, zone).date() for zone in zones.values())
        return {day + timedelta(days=n) for n in range((last - day).days + 1)}
    # Up to now only: a row stamped in the future (a clock ahead) is taken once its time
    # has come, rather than rebuilding its day on every page view until then.
    packed = db.session.execute(
        select(Shipment.packed_at, Shipment.site_id)
        .where(Shipment.packed_at >= since, Shipment.packed_at <= now)).all()
    answered = db.session.execute(
        select(Shipment.packed_at, Shipment.site_id)
        .join(Card, Card.shipment_id == Shipment.id).join(Feedback, Feedback.card_id == Card.id)
        .where(Feedback.updated_at >= since, Feedback.updated_at <= now)).all()
    return {to_local(moment, zones.get(site, zones[None])).date()
            for moment, site in [*packed, *answered]}


def refresh(zone: str, now: datetime | None = None) -> int:
    """Bring the roll-up up to date (the caller commits); return how many days were rebuilt.

    `zone` is the days' time zone of parcels packed without a site. Nothing changed since
    the last refresh: three small indexed reads, no write. Else one refresh at a time: the
    watermark row is locked (PostgreSQL) or the SQLite write lock is held, so two app
    servers never rebuild the same day at once. A changed time zone (of a site, or the
    default) rebuilds everything.
    """
    now = now or utcnow()
    zones = _zones(zone)
    fingerprint = _fingerprint(zones)
    mark = db.session.get(InsightRefresh, ROLLUP)
    if mark is not None and mark.zone == fingerprint and not _changed_days(
            mark.refreshed_to - SETTLE, now, zones):
        return 0
    hold_sqlite_write_lock(db.session)
    mark = db.session.execute(select(InsightRefresh).where(InsightRefresh.name == ROLLUP)
                              .with_for_update()).scalar_one_or_none()
    if mark is None:
        mark = InsightRefresh(name=ROLLUP, zone=fingerprint, refreshed_to=now)
        db.session.add(mark)
        since = None
    elif mark.zone != fingerprint:
        db.session.execute(delete(InsightDay))
        since = None
    else:
        since = mark.refreshed_to - SETTLE
    days = _changed_days(since, now, zones)
    for day in sorted(days):
        _rebuild_day(day, zones)
    mark.zone, mark.refreshed_to = fingerprint, now
    return len(days)

"""The roll-up (`insight_days`): parcels, answers and ratings summed per local day,
packer, station, site and language, built from shipments, cards and feedback and kept up
to date day by day. The dashboard's sums (greetings.insight.queries) read it instead of
the base tables (21.6 ms against 2,314 ms for a year's per-packer sums, docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import Date, case, delete, func, insert, literal, or_, select, union_all

from ..extensions import db, hold_sqlite_write_lock
from ..models import (
    Card,
    Feedback,
    InsightDay,
    InsightRefresh,
    InsightWeek,
    Order,
    Shipment,
    Site,
    utcnow,
)
from .queries import RATINGS, local_to_utc, to_local

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


def _rebuild_week(monday: date) -> None:
    """Replace one week's `insight_weeks` rows with the sums of its seven days."""
    day = InsightDay
    keys = (day.packer_id, day.station_id, day.site_id, day.language)
    db.session.execute(delete(InsightWeek).where(InsightWeek.week == monday))
    db.session.execute(insert(InsightWeek).from_select(
        ["week", *_COLUMNS[1:]],
        select(literal(monday, type_=Date), *keys,
               *[func.sum(getattr(day, name)) for name in _COLUMNS[5:]])
        .where(day.day >= monday, day.day <= monday + timedelta(days=6)).group_by(*keys)))


def _recent(since: datetime, now: datetime) -> list[tuple[str, int, datetime, datetime, int]]:
    """Parcels packed and answers given or changed in [since, now], as (kind, id, when,
    packed_at, site): `when` is what the watermark compares, packed_at and the site the
    local day the row counts on."""
    # Up to now only: a row stamped in the future (a clock ahead) is taken once its time
    # has come, rather than rebuilding its day on every page view until then.
    packed = db.session.execute(
        select(Shipment.id, Shipment.packed_at, Shipment.site_id)
        .where(Shipment.packed_at >= since, Shipment.packed_at <= now)).all()
    answered = db.session.execute(
        select(Feedback.id, Feedback.updated_at, Shipment.packed_at, Shipment.site_id)
        .join(Card, Card.id == Feedback.card_id).join(Shipment, Shipment.id == Card.shipment_id)
        .where(Feedback.updated_at >= since, Feedback.updated_at <= now)).all()
    return ([("s", key, moment, moment, site) for key, moment, site in packed]
            + [("f", key, when, moment, site) for key, when, moment, site in answered])


def _digest(rows) -> str:
    """A digest of which rows (and of which versions: their time) a refresh counted."""
    text = "|".join(f"{kind}{key}@{when.isoformat()}" for kind, key, when, _m, _s in sorted(
        rows, key=lambda row: (row[0], row[1], row[2])))
    return hashlib.sha256(text.encode()).hexdigest()


def _changed_days(mark: InsightRefresh | None, now: datetime,
                  zones: dict[int | None, str]) -> set[date]:
    """The local days whose roll-up may be out of date: all when never built, else the
    days of parcels packed, and of parcels whose answer was given or changed, since the
    last refresh or in the SETTLE before it (rows still committing then) - unless those
    are exactly the rows the last refresh counted (its `settled` digest) and nothing came
    after: then none. Without that test every page view in the SETTLE after any new
    parcel rebuilt its day again (40-64 ms on the benchmark's year, docs/benchmarks.md)."""
    if mark is None:
        first = db.session.execute(select(func.min(Shipment.packed_at))).scalar() or now
        day = min(to_local(first, zone).date() for zone in zones.values())
        last = max(to_local(now, zone).date() for zone in zones.values())
        return {day + timedelta(days=n) for n in range((last - day).days + 1)}
    rows = _recent(mark.refreshed_to - SETTLE, now)
    if mark.settled is not None and all(row[2] <= mark.refreshed_to for row in rows) \
            and _digest(rows) == mark.settled:
        return set()
    return {to_local(moment, zones.get(site, zones[None])).date()
            for _kind, _key, _when, moment, site in rows}


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
    if mark is not None and mark.zone == fingerprint and not _changed_days(mark, now, zones):
        return 0
    hold_sqlite_write_lock(db.session)
    mark = db.session.execute(select(InsightRefresh).where(InsightRefresh.name == ROLLUP)
                              .with_for_update()).scalar_one_or_none()
    if mark is None or mark.zone != fingerprint:
        db.session.execute(delete(InsightDay))
        db.session.execute(delete(InsightWeek))
        days = _changed_days(None, now, zones)
    else:
        days = _changed_days(mark, now, zones)
    for day in sorted(days):
        _rebuild_day(day, zones)
    for monday in sorted({day - timedelta(days=day.weekday()) for day in days}):
        _rebuild_week(monday)
    if mark is None:
        mark = InsightRefresh(name=ROLLUP)
        db.session.add(mark)
    mark.zone, mark.refreshed_to = fingerprint, now
    mark.settled = _digest(_recent(now - SETTLE, now))
    return len(days)

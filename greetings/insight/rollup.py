"""The roll-up (`insight_days`): parcels, answers and ratings summed per local day,
packer, station, site and language, built from shipments, cards and feedback and kept up
to date day by day. The dashboard's sums (greetings.insight.queries) read it instead of
the base tables (21.6 ms against 2,314 ms for a year's per-packer sums, docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import Date, case, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db, hold_sqlite_write_lock
from ..models import (
    Card,
    Feedback,
    InsightChange,
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


def _day_rows(day: date, start: datetime, end: datetime, site_ids: list[int | None],
              packers: set[int] | None = None):
    """One day's parcels (by the shipment's packer) and answers (credited to the packer
    named on the answered card; a shipment counts as answered once, on its first answer)
    at sites whose local day is [start, end) in UTC, as roll-up rows; of these packers
    only, if given."""
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
    # The shipment's first answer is the first of all its cards' answers, whoever's
    # card. The whole day: numbered in one pass over the day's answers (88 ms a day on
    # the benchmark's year, 234 ms with a look-up per answer). Some packers only: their
    # few answers each look an earlier one up, as a window over their answers alone
    # would miss an earlier answer to another packer's card.
    if packers is None:
        first = func.row_number().over(partition_by=Card.shipment_id,
                                       order_by=Feedback.id) == 1
    else:
        earlier, earlier_card = aliased(Feedback), aliased(Card)
        first = ~(select(earlier.id).join(earlier_card, earlier_card.id == earlier.card_id)
                  .where(earlier_card.shipment_id == Card.shipment_id,
                         earlier.id < Feedback.id).exists())
    answers = (select(Card.packer_id.label("packer"), station.label("station"),
                      site.label("site"), language.label("language"), zero.label("p"),
                      case((first, 1), else_=0).label("a"), Feedback.rating.label("s"),
                      *[case((Feedback.rating == value, 1), else_=0).label(f"r{value}")
                        for value in RATINGS])
               .select_from(Feedback).join(Card, Card.id == Feedback.card_id)
               .join(Shipment, Shipment.id == Card.shipment_id)
               .join(Order, Order.id == Shipment.order_id).where(*window))
    if packers is not None:
        parcels = parcels.where(Shipment.packer_id.in_(sorted(packers)))
        # An expression, not the column: on the column PostgreSQL reads all the packer's
        # cards of the year through ix_cards_packer_created (50,000 rows, 240 ms on the
        # benchmark's year) to keep the few of the day, instead of the day's shipments'
        # cards (5,500 index probes, ~15 ms).
        answers = answers.where((Card.packer_id + 0).in_(sorted(packers)))
    both = union_all(parcels, answers).subquery()
    keys = (both.c.packer, both.c.station, both.c.site, both.c.language)
    return (select(literal(day, type_=Date), *keys, func.sum(both.c.p), func.sum(both.c.a),
                   func.sum(both.c.s), *[func.sum(both.c[f"r{value}"]) for value in RATINGS])
            .group_by(*keys))


def _rebuild_day(day: date, zones: dict[int | None, str],
                 packers: set[int] | None = None) -> None:
    """Replace one local day's roll-up rows (of these packers, if given) with what
    shipments and answers say now."""
    stale = delete(InsightDay).where(InsightDay.day == day)
    if packers is not None:
        stale = stale.where(InsightDay.packer_id.in_(sorted(packers)))
    db.session.execute(stale)
    # Sites whose zones agree on that day's UTC hours (Copenhagen, Stockholm and Oslo do)
    # are read in one statement: one pass over the day's shipments, not one per zone.
    by_window: dict[tuple[datetime, datetime], list[int | None]] = {}
    for site, zone in zones.items():
        by_window.setdefault(_window(day, zone), []).append(site)
    for (start, end), site_ids in by_window.items():
        db.session.execute(insert(InsightDay).from_select(
            _COLUMNS, _day_rows(day, start, end, site_ids, packers)))


def _rebuild_week(monday: date, packers: set[int] | None = None) -> None:
    """Replace one week's `insight_weeks` rows (of these packers, if given) with the sums
    of its seven days."""
    day = InsightDay
    keys = (day.packer_id, day.station_id, day.site_id, day.language)
    stale = delete(InsightWeek).where(InsightWeek.week == monday)
    sums = (select(literal(monday, type_=Date), *keys,
                   *[func.sum(getattr(day, name)) for name in _COLUMNS[5:]])
            .where(day.day >= monday, day.day <= monday + timedelta(days=6)).group_by(*keys))
    if packers is not None:
        stale = stale.where(InsightWeek.packer_id.in_(sorted(packers)))
        sums = sums.where(day.packer_id.in_(sorted(packers)))
    db.session.execute(stale)
    db.session.execute(insert(InsightWeek).from_select(["week", *_COLUMNS[1:]], sums))


# (kind, id, when, packed_at, site, packers): `when` is what the watermark compares,
# packed_at and the site the local day the row counts on, packers whose rows it changes.
Recent = tuple[str, int, datetime, datetime, int | None, frozenset[int]]


def _recent(since: datetime, now: datetime) -> list[Recent]:
    """Parcels packed and answers given or changed in [since, now]."""
    # Up to now only: a row stamped in the future (a clock ahead) is taken once its time
    # has come, rather than rebuilding its day on every page view until then.
    packed = db.session.execute(
        select(Shipment.id, Shipment.packed_at, Shipment.site_id, Shipment.packer_id)
        .where(Shipment.packed_at >= since, Shipment.packed_at <= now)).all()
    answered = db.session.execute(
        select(Feedback.id, Feedback.updated_at, Shipment.packed_at, Shipment.site_id,
               Shipment.id, Shipment.packer_id)
        .join(Card, Card.id == Feedback.card_id).join(Shipment, Shipment.id == Card.shipment_id)
        .where(Feedback.updated_at >= since, Feedback.updated_at <= now)).all()
    # An answer can decide which of the shipment's answers is its first (the one that
    # makes it answered): every packer named on one of its cards may change.
    named: dict[int, set[int]] = {}
    if answered:
        for shipment, packer in db.session.execute(
                select(Card.shipment_id, Card.packer_id)
                .where(Card.shipment_id.in_(sorted({row[4] for row in answered})))):
            named.setdefault(shipment, set()).add(packer)
    return ([("s", key, moment, moment, site, frozenset({packer}))
             for key, moment, site, packer in packed]
            + [("f", key, when, moment, site, frozenset({packer, *named.get(shipment, ())}))
               for key, when, moment, site, shipment, packer in answered])


def _digest(rows: list[Recent]) -> str:
    """A digest of which rows (and of which versions: their time) a refresh counted."""
    text = "|".join(f"{row[0]}{row[1]}@{row[2].isoformat()}" for row in sorted(
        rows, key=lambda row: (row[0], row[1], row[2])))
    return hashlib.sha256(text.encode()).hexdigest()


def _all_days(now: datetime, zones: dict[int | None, str]) -> set[date]:
    """Every local day from the first parcel's to today."""
    first = db.session.execute(select(func.min(Shipment.packed_at))).scalar() or now
    day = min(to_local(first, zone).date() for zone in zones.values())
    last = max(to_local(now, zone).date() for zone in zones.values())
    return {day + timedelta(days=n) for n in range((last - day).days + 1)}


def _notes() -> list[tuple[int, int, int | None, datetime]]:
    """The repacks' notes (greetings.models.InsightChange) committed so far."""
    return [tuple(row) for row in db.session.execute(
        select(InsightChange.id, InsightChange.packer_id, InsightChange.site_id,
               InsightChange.packed_at))]


def _stale(mark: InsightRefresh, rows: list[Recent], zones: dict[int | None, str],
           notes: list) -> dict[date, set[int]]:
    """The packers whose roll-up may be out of date, by local day: those of parcels
    packed, and of parcels whose answer was given or changed, since the last refresh, and
    those of the repacks' notes. Rows of the SETTLE before the last refresh (still
    committing then) too, unless they are exactly the rows it counted (its `settled`
    digest). Without the digest every page view in the SETTLE after any new parcel rebuilt
    the rows of every parcel of those minutes again. `rows`: _recent since the SETTLE
    before the last refresh."""
    stale: dict[date, set[int]] = {}
    if _digest([row for row in rows if row[2] <= mark.refreshed_to]) == mark.settled:
        rows = [row for row in rows if row[2] > mark.refreshed_to]
    for _kind, _key, _when, moment, site, packers in rows:
        day = to_local(moment, zones.get(site, zones[None])).date()
        stale.setdefault(day, set()).update(packers)
    for _id, packer, site, moment in notes:
        stale.setdefault(to_local(moment, zones.get(site, zones[None])).date(), set()).add(packer)
    return stale


def refresh(zone: str, now: datetime | None = None) -> int:
    """Bring the roll-up up to date (the caller commits); return how many days it rebuilt
    (wholly, or the rows of some packers).

    `zone` is the days' time zone of parcels packed without a site. Nothing changed since
    the last refresh: five small indexed reads, no write. Else one refresh at a time: the
    watermark row is locked (PostgreSQL) or the SQLite write lock is held, so two app
    servers never rebuild the same rows at once. A changed time zone (of a site, or the
    default) rebuilds everything.

    Only the packers a change touches are rebuilt on its day, and on its week: a new
    parcel rebuilds its packer's few rows (the day's statement: ~21 ms against ~62 ms for
    the 40 packers of a busy day on the benchmark's year; the whole refresh 52-85 ms
    against 88-136 ms on the page view that found the parcel, docs/benchmarks.md). Kept
    on the read path, rather than in the worker alone, so a page never shows numbers
    older than the answers it lists beside them.
    """
    now = now or utcnow()
    zones = _zones(zone)
    fingerprint = _fingerprint(zones)
    mark = db.session.get(InsightRefresh, ROLLUP)
    if mark is not None and mark.zone == fingerprint and not _stale(
            mark, _recent(mark.refreshed_to - SETTLE, now), zones, _notes()):
        return 0
    hold_sqlite_write_lock(db.session)
    mark = db.session.execute(select(InsightRefresh).where(InsightRefresh.name == ROLLUP)
                              .with_for_update()).scalar_one_or_none()
    whole = mark is None or mark.zone != fingerprint
    # Read once, before the rebuild: the rows and notes it counts are the ones the
    # digest and the deletion name. A row committed after this read is in neither and
    # is found by the next refresh (a digest read after the rebuild named such a row as
    # counted, and it was never counted).
    notes = _notes()
    rows = _recent((now if whole else mark.refreshed_to) - SETTLE, now)
    if whole:
        db.session.execute(delete(InsightDay))
        db.session.execute(delete(InsightWeek))
        stale: dict[date, set[int] | None] = dict.fromkeys(_all_days(now, zones))
    else:
        stale = dict(_stale(mark, rows, zones, notes))
    weeks: dict[date, set[int] | None] = {}
    for day, packers in sorted(stale.items()):
        _rebuild_day(day, zones, packers)
        monday = day - timedelta(days=day.weekday())
        if packers is None or weeks.get(monday, set()) is None:
            weeks[monday] = None
        else:
            weeks[monday] = weeks.get(monday, set()) | packers
    for monday, packers in sorted(weeks.items()):
        _rebuild_week(monday, packers)
    if notes:
        db.session.execute(delete(InsightChange).where(
            InsightChange.id.in_([note[0] for note in notes])))
    if mark is None:
        mark = InsightRefresh(name=ROLLUP)
        db.session.add(mark)
    mark.zone, mark.refreshed_to = fingerprint, now
    mark.settled = _digest([row for row in rows if row[2] >= now - SETTLE])
    return len(stale)

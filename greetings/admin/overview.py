"""The console's front page: today's and this week's numbers, from the database as it is."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..intake.manage import open_parked_count
from ..models import Card, Feedback, Packer, Shipment, Station, utcnow

LATEST_ANSWERS = 5


@dataclass(frozen=True)
class Period:
    """The starts of today and of this week in the console's time zone, as naive UTC."""

    today: datetime
    week: datetime


def current_period(now: datetime | None = None) -> Period:
    """Return when today and this ISO week began where the staff are (Babel's time zone)."""
    zone = ZoneInfo(str(get_timezone()))
    local = (now or utcnow()).replace(tzinfo=UTC).astimezone(zone)
    # Wall-clock arithmetic: zoneinfo finds each moment's own offset (daylight saving).
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = midnight - timedelta(days=midnight.weekday())
    return Period(today=_naive_utc(midnight), week=_naive_utc(monday))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def overview(now: datetime | None = None) -> dict:
    """Return the numbers and lists of the console's front page."""
    period = current_period(now)
    week_feedback = select(Feedback).where(Feedback.created_at >= period.week).subquery()
    answers, average = db.session.execute(
        select(func.count(week_feedback.c.id), func.avg(week_feedback.c.rating))).one()
    return {
        "period": period,
        "packed_today": _count(select(func.count(Shipment.id))
                               .where(Shipment.packed_at >= period.today)),
        "packed_week": _count(select(func.count(Shipment.id))
                              .where(Shipment.packed_at >= period.week)),
        "answers_week": answers,
        "average_week": float(average) if average is not None else None,
        "comments_week": _count(select(func.count(Feedback.id)).where(
            Feedback.created_at >= period.week, Feedback.comment.is_not(None))),
        "parked": open_parked_count(),
        "active_packers": _count(select(func.count(Packer.id)).where(Packer.active.is_(True))),
        "latest": latest_answers(),
        "stations": stations_today(period.today),
    }


def latest_answers(limit: int = LATEST_ANSWERS) -> list[Feedback]:
    """Return the newest answers with their order and packer."""
    return db.session.execute(
        select(Feedback)
        .options(joinedload(Feedback.card).joinedload(Card.shipment).joinedload(Shipment.order),
                 joinedload(Feedback.card).joinedload(Card.packer))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit)
    ).scalars().all()


def stations_today(since: datetime) -> list[tuple[Station, int]]:
    """Return every station with the parcels packed there since `since`."""
    packed = (select(Shipment.station_id, func.count(Shipment.id).label("n"))
              .where(Shipment.packed_at >= since).group_by(Shipment.station_id).subquery())
    rows = db.session.execute(
        select(Station, func.coalesce(packed.c.n, 0))
        .outerjoin(packed, packed.c.station_id == Station.id)
        .where(Station.retired_at.is_(None)).order_by(Station.name)).all()
    return [(station, count) for station, count in rows]


def _count(query) -> int:
    return int(db.session.execute(query).scalar_one())

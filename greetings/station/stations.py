"""Stations and their sites as managers set them up: the one writer of both tables.

Plain functions over the session; the route or command that calls them commits.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app
from sqlalchemy import select

from ..errors import ProblemError
from ..extensions import db
from ..models import Site, Station
from ..text import is_printable_code


class UnknownTimeZone(ProblemError):
    status = 422
    title = "Unknown time zone"


def time_zones() -> list[str]:
    """Return the IANA time zone names a site may have, sorted."""
    return sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")


def check_time_zone(name: str) -> str:
    """Return the zone name if the system knows it, else raise UnknownTimeZone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimeZone(f"{name!r} is not an IANA time zone") from error
    return name


def default_time_zone() -> str:
    """Return the time zone a new site starts with (Flask-Babel's default)."""
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"


def site_named(name: str | None, time_zone: str | None = None) -> Site | None:
    """Return the site of this name, made if new; None for no name.

    A time zone given here becomes the site's, for all its stations.
    """
    name = (name or "").strip()[:100]
    if not name:
        return None
    site = db.session.execute(select(Site).where(Site.name == name)).scalar_one_or_none()
    if site is None:
        site = Site(name=name, time_zone=default_time_zone())
        db.session.add(site)
    if time_zone:
        site.time_zone = check_time_zone(time_zone)
    return site


def station_named(name: str) -> Station | None:
    """Return the station of this name, retired or not."""
    if not is_printable_code(name):
        return None
    return db.session.execute(
        select(Station).where(Station.name == name.strip())).scalar_one_or_none()

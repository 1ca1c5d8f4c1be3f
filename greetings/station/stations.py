"""Stations and their sites as managers set them up: the one writer of both tables.

Plain functions over the session; the route or command that calls them commits.
"""

import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app
from sqlalchemy import select

from ..errors import ProblemError
from ..extensions import db
from ..models import Integration, PrintMode, Site, Station, utcnow
from ..text import is_printable_code
from . import identity


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


class StationRetired(ProblemError):
    status = 409
    title = "A retired station keeps its name"


def active_stations() -> list[Station]:
    """Return the stations in use, by name."""
    return list(db.session.execute(
        select(Station).where(Station.retired_at.is_(None)).order_by(Station.name)).scalars())


def all_stations() -> list[Station]:
    """Return every station, in use first, then retired ones, by name."""
    return list(db.session.execute(
        select(Station).order_by(Station.retired_at.is_not(None), Station.name)).scalars())


def shops() -> list[Integration]:
    """Return the shops (integrations) a station may pack for, by slug."""
    return list(db.session.execute(select(Integration).order_by(Integration.slug)).scalars())


def configure(station: Station, *, name: str, site_name: str | None, profile: str,
              print_mode: str, cups_queue: str | None, idle_minutes: int,
              shop_ids: list[int]) -> Station:
    """Set what a station is: its name, site, paper, printing, idle time and shops.

    Shipments refer to the station by id, so a new name never rewrites history. A
    retired station's name stays taken (its history still shows it).
    """
    other = station_named(name)
    if other is not None and other is not station and not other.active:
        raise StationRetired(f"{name} is a retired station's name: choose another")
    station.name = name.strip()
    station.site = site_named(site_name)
    station.profile, station.print_mode = profile, PrintMode(print_mode)
    station.cups_queue = (cups_queue or "").strip() or None
    station.idle_minutes = idle_minutes
    chosen = set(shop_ids)
    station.integrations = [shop for shop in shops() if shop.id in chosen]
    return station


def issue_secret(station: Station) -> str:
    """Give the station a new secret and return it (for this browser's cookie only).

    Every other copy of the station's cookie stops working: one computer is the station.
    """
    secret = secrets.token_urlsafe(32)
    station.secret_hash = identity.secret_hash(secret)
    return secret


def retire(station: Station) -> None:
    """Take the station out of use: its cookie stops working everywhere, its history stays."""
    if station.retired_at is None:
        station.retired_at = utcnow()
    station.secret_hash = None

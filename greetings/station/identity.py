"""Who is at this station: the station itself (a signed cookie) and the signed-in packer.

The station cookie outlives sign-outs and browser restarts: a manager sets a computer up
once. It carries a secret of the station, checked against the hash the station keeps, so
retiring the station (or setting it up on another computer) cuts off every copy of it.
The packer lives in the Flask session and is signed out after the station's idle time.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, redirect, request, session, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash

from ..errors import ProblemError, wants_problem_json
from ..extensions import db
from ..models import Packer, Station, utcnow
from ..staff.throttle import (
    FREE_FAILURES,
    delay_after,
    failures_of,
    forget,
    record_failure,
    seconds_to_wait,
    throttle_key,
)

STATION_COOKIE = "greetings_station"


class StationRequired(ProblemError):
    status = 403
    title = "This computer is not set up as a station"


class PackerRequired(ProblemError):
    status = 401
    title = "Sign in at the station first"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="station")


def secret_hash(secret: str) -> str:
    """Return the stored form of a station secret (256 random bits: SHA-256 is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def station_cookie_value(station: Station, secret: str) -> str:
    """Return the signed cookie value that binds a browser to a station and its secret."""
    return _serializer().dumps({"station": station.id, "secret": secret})


def _station_of_cookie(raw: str) -> Station | None:
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    station_id, secret = value.get("station"), value.get("secret")
    if not isinstance(station_id, int) or not isinstance(secret, str):
        return None
    # With its shops in the same statement: a scan looks orders up among them (a lazy load
    # was a statement of its own on every scan).
    station = db.session.get(Station, station_id, options=[joinedload(Station.integrations)])
    # A retired station, or one whose secret changed since, is no station any more.
    if station is None or not station.active or station.secret_hash is None:
        return None
    if not hmac.compare_digest(secret_hash(secret), station.secret_hash):
        return None
    return station


def current_station() -> Station | None:
    """Return the station this browser was set up as, or None."""
    if "station" not in g:
        g.station = None
        raw = request.cookies.get(STATION_COOKIE)
        if raw:
            g.station = _station_of_cookie(raw)
    return g.station


def current_packer() -> Packer | None:
    """Return the packer signed in at this station, signing them out when idle too long."""
    station = current_station()
    packer_id = session.get("packer_id")
    if station is None or packer_id is None or session.get("packer_station") != station.id:
        return None
    now = utcnow().timestamp()
    if now - session.get("packer_seen", 0) > station.idle_minutes * 60:
        sign_out(idle=True)
        return None
    # With the packer's own lines in the same statement: every card the packer prints reads
    # them (a lazy load was a statement of its own on every scan).
    packer = db.session.get(Packer, packer_id, options=[joinedload(Packer.lines)])
    if packer is None or not packer.active:
        sign_out()
        return None
    session["packer_seen"] = now
    return packer


def sign_in(packer: Packer, station: Station) -> None:
    """Sign the packer in at the station."""
    session["packer_id"], session["packer_station"] = packer.id, station.id
    session["packer_seen"] = utcnow().timestamp()


def sign_out(idle: bool = False) -> None:
    """Sign the packer out (the station stays set up); `idle` is told on the sign-in page."""
    for key in ("packer_id", "packer_station", "packer_seen"):
        session.pop(key, None)
    if idle:
        session["signed_out_idle"] = True


@dataclass(frozen=True)
class PinCheck:
    """A PIN's verdict: right, or wrong with the tries left before a wait, or a wait."""

    ok: bool
    tries_left: int = 0
    wait_seconds: int = 0


def _pin_key(packer: Packer, station: Station) -> str:
    # Per packer and station: fumbling at one station never slows the packer at another.
    return throttle_key("station-pin", str(packer.id), str(station.id))


def check_pin(packer: Packer, station: Station, pin: str) -> PinCheck:
    """Check a PIN with growing delays after wrong ones, never a lockout.

    While a wait runs the PIN is not even looked at (guessing gains nothing), and a badge
    still signs the packer in. Counts live in the sign-in failure table; the caller
    commits.
    """
    key = _pin_key(packer, station)
    wait = seconds_to_wait(key)
    if wait > 0:
        return PinCheck(False, wait_seconds=wait)
    if packer.pin_hash and check_password_hash(packer.pin_hash, pin):
        forget(key)
        return PinCheck(True)
    record_failure(key)
    failures = failures_of(key)
    return PinCheck(False, tries_left=max(FREE_FAILURES - failures, 0),
                    wait_seconds=math.ceil(delay_after(failures).total_seconds()))


def station_required(view):
    """Run the view only on a set-up station; people are sent to the explanation page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_station() is None:
            if wants_problem_json():
                raise StationRequired("a manager sets this computer up at /station/setup")
            return redirect(url_for("station.index"))
        return view(*args, **kwargs)

    return wrapper


def packer_required(view):
    """Run the view only with a packer signed in at a set-up station."""

    @wraps(view)
    @station_required
    def wrapper(*args, **kwargs):
        packer = current_packer()
        if packer is None:
            if wants_problem_json():
                raise PackerRequired("scan your badge or enter your PIN")
            return redirect(url_for("station.index"))
        g.packer = packer
        return view(*args, **kwargs)

    return wrapper

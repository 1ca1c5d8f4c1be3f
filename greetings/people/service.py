"""Packers: add, edit, deactivate, offboard; badge and PIN; lines per language; consent.

Plain functions over db.session; the route or command that calls them commits. Input is
checked here, whoever sends it (console, API, command line), and refused with the
capability's own ProblemErrors, which name the field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from werkzeug.security import generate_password_hash

from ..errors import ProblemError
from ..extensions import db
from ..models import ConsentRecord, ConsentVia, Packer, PackerLine, utcnow
from ..text import LANGUAGES, clean_line, is_printable_code

FULL_NAME_MAX = 200
DISPLAY_NAME_MAX = 60
BADGE_MAX = 200
LINE_MAX = 200
PIN_LENGTHS = range(4, 9)
FILTERS = ("active", "inactive", "all")


class PackerNotFound(ProblemError):
    status = 404
    title = "Unknown packer"


class PackerInvalid(ProblemError):
    """A value a packer cannot have; `field` names it (errors lists it for the API)."""

    status = 422
    title = "Input failed validation"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])
        self.field = field


class BadgeTaken(ProblemError):
    status = 409
    title = "Badge in use"


class PackerOffboarded(ProblemError):
    status = 409
    title = "Packer offboarded"


@dataclass(frozen=True)
class Actor:
    """Who records a change of consent, as a manager will read it later, and where."""

    name: str
    via: ConsentVia

    @classmethod
    def staff(cls, user) -> Actor:
        """A staff member in the console."""
        return cls(user.email, ConsentVia.CONSOLE)

    @classmethod
    def station(cls, station_name: str) -> Actor:
        """The packer themselves, at a packing station."""
        return cls(f"packer at station {station_name}", ConsentVia.STATION)

    @classmethod
    def api(cls, token) -> Actor:
        """A system using an API token."""
        return cls(f"API token {token.name}", ConsentVia.API)


COMMAND_LINE = Actor("command line", ConsentVia.CLI)


def badge_hash(badge: str) -> str:
    """Return the stored form of a badge code (scanners may add spaces or change case)."""
    return hashlib.sha256(badge.strip().upper().encode()).hexdigest()


def get_packer(packer_id: int) -> Packer:
    """Return the packer with this id, or raise PackerNotFound."""
    packer = db.session.get(Packer, packer_id)
    if packer is None:
        raise PackerNotFound(f"no packer {packer_id}")
    return packer


def packers_query(search: str = "", show: str = "active"):
    """Return the selection of packers for a list: a search over names and badge, a filter.

    `show` is "active", "inactive" (deactivated or offboarded) or "all". A search that
    is a packer's whole badge code finds that packer (badges are stored hashed).
    """
    query = select(Packer).order_by(func.lower(Packer.display_name), Packer.id)
    if show == "active":
        query = query.where(Packer.active.is_(True))
    elif show == "inactive":
        query = query.where(Packer.active.is_(False))
    search = clean_line(search)[:FULL_NAME_MAX]
    if search:
        # SQLite's lower() folds ASCII only: the search as typed is tried too, so "Åse"
        # finds Åse on SQLite as well (PostgreSQL folds every letter).
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        lowered, typed = f"%{escaped.lower()}%", f"%{escaped}%"
        query = query.where(or_(*(
            condition for column in (Packer.display_name, Packer.full_name)
            for condition in (func.lower(column).like(lowered, escape="\\"),
                              column.like(typed, escape="\\"))),
            Packer.badge_hash == badge_hash(search)))
    return query


def add_packer(full_name: str, display_name: str, badge: str, *,
               lines: dict[str, str | None] | None = None, active: bool = True,
               pin: str | None = None) -> Packer:
    """Add a packer (the caller commits); raise PackerInvalid or BadgeTaken."""
    packer = Packer(full_name=_full_name(full_name), display_name=_display_name(display_name),
                    badge_hash=_free_badge(badge), active=bool(active),
                    signature_consent=False, failed_sign_ins=0)
    db.session.add(packer)
    if pin:
        set_pin(packer, pin)
    if lines:
        set_lines(packer, lines)
    return packer


def edit_packer(packer: Packer, *, full_name: str | None = None,
                display_name: str | None = None, badge: str | None = None,
                active: bool | None = None) -> Packer:
    """Change what is given (None leaves a field as it is); raise as add_packer does."""
    check_not_offboarded(packer)
    if full_name is not None:
        packer.full_name = _full_name(full_name)
    if display_name is not None:
        packer.display_name = _display_name(display_name)
    if badge is not None and badge_hash(_badge(badge)) != packer.badge_hash:
        packer.badge_hash = _free_badge(badge)
    if active is not None:
        set_active(packer, active)
    return packer


def set_active(packer: Packer, active: bool) -> None:
    """Deactivate (no sign-in at any station) or reactivate a packer."""
    check_not_offboarded(packer)
    packer.active = bool(active)


def set_pin(packer: Packer, pin: str) -> None:
    """Set the packer's station PIN (4 to 8 digits, stored as a salted hash).

    A new PIN also ends a lockout that the old one had earned.
    """
    check_not_offboarded(packer)
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit()
            and len(pin) in PIN_LENGTHS):
        raise PackerInvalid("pin", "a PIN is 4 to 8 digits")
    packer.pin_hash = generate_password_hash(pin)
    unlock(packer)


def remove_pin(packer: Packer) -> None:
    """Remove the PIN: the packer signs in by badge only."""
    packer.pin_hash = None
    unlock(packer)


def is_locked(packer: Packer) -> bool:
    """Tell whether wrong PINs have locked the packer out of PIN sign-in for now."""
    return packer.locked_until is not None and packer.locked_until > utcnow()


def unlock(packer: Packer) -> None:
    """End a lockout after wrong PINs: the packer may try their PIN again at once."""
    packer.failed_sign_ins, packer.locked_until = 0, None


def set_lines(packer: Packer, lines: dict[str, str | None]) -> None:
    """Set the packer's own line in each given language; an empty text removes that line.

    Languages not given keep their line. Each line is one line of at most LINE_MAX
    characters after clean-up.
    """
    check_not_offboarded(packer)
    current = {line.language: line for line in packer.lines}
    for language, text in lines.items():
        if language not in LANGUAGES:
            raise PackerInvalid(f"lines.{language}", f"a language is one of "
                                                     f"{', '.join(LANGUAGES)}")
        text = clean_line(text) if isinstance(text, str) else ""
        if len(text) > LINE_MAX:
            raise PackerInvalid(f"lines.{language}", f"at most {LINE_MAX} characters")
        if not text:
            if language in current:
                packer.lines.remove(current[language])
        elif language in current:
            current[language].text = text
        else:
            packer.lines.append(PackerLine(language=language, text=text))


def lines_of(packer: Packer) -> dict[str, str]:
    """Return the packer's lines by language."""
    return {line.language: line.text for line in packer.lines}


def record_consent(packer: Packer, given: bool, actor: Actor) -> ConsentRecord | None:
    """Record that the packer gave (or revoked) consent to print their signature.

    Revoking means no new card carries the signature; cards printed before stay as they
    are. Recording the state it already has records nothing and returns None.
    """
    given = bool(given)
    if given:
        check_not_offboarded(packer)
    if packer.signature_consent == given:
        return None
    packer.signature_consent = given
    record = ConsentRecord(packer_id=packer.id, given=given, via=actor.via,
                           recorded_by=actor.name[:320], recorded_at=utcnow())
    db.session.add(record)
    return record


def revoke_consent_at_station(packer: Packer, station_name: str) -> ConsentRecord | None:
    """The packer revokes their consent themselves, at a station (the station's button)."""
    return record_consent(packer, False, Actor.station(station_name))


def consent_history(packer: Packer) -> list[ConsentRecord]:
    """Return every giving and revoking of the packer's consent, newest first."""
    return list(db.session.execute(
        select(ConsentRecord).where(ConsentRecord.packer_id == packer.id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())).scalars())


def last_consent(packer: Packer) -> ConsentRecord | None:
    """Return the newest consent record of the packer, if any."""
    history = consent_history(packer)
    return history[0] if history else None


def store_signature(packer: Packer, signature_png: bytes, signature_1bit: bytes) -> None:
    """Store a signature already prepared by prepare_signature (see people.signatures)."""
    check_not_offboarded(packer)
    packer.signature_png, packer.signature_1bit = signature_png, signature_1bit


def remove_signature(packer: Packer) -> None:
    """Delete the packer's signature images; new cards print their name in a script face."""
    packer.signature_png = packer.signature_1bit = None


def has_signature(packer: Packer) -> bool:
    """Tell whether a signature is stored (without loading the images)."""
    return bool(db.session.execute(
        select(Packer.signature_png.is_not(None)).where(Packer.id == packer.id)).scalar())


def offboard(packer: Packer) -> None:
    """The packer leaves: delete the signature, the full name, badge, PIN and lines.

    The display name stays, so past shipments and feedback still show who packed them;
    the packer can no longer sign in, and no new card can carry their signature. The
    consent records stay as the record of what was allowed when.
    """
    if packer.offboarded_at is not None:
        return
    remove_signature(packer)
    packer.signature_consent = False
    packer.full_name = None
    packer.badge_hash = None
    packer.pin_hash = None
    packer.failed_sign_ins, packer.locked_until = 0, None
    packer.lines.clear()
    packer.active = False
    packer.offboarded_at = utcnow()


def check_not_offboarded(packer: Packer) -> None:
    """Raise PackerOffboarded for a packer who left (nothing of theirs may change)."""
    if packer.offboarded_at is not None:
        raise PackerOffboarded("the packer was offboarded; add them again as a new packer")


def _full_name(value: str) -> str:
    text = clean_line(value) if isinstance(value, str) else ""
    if not text:
        raise PackerInvalid("full_name", "a full name is required")
    if len(text) > FULL_NAME_MAX:
        raise PackerInvalid("full_name", f"at most {FULL_NAME_MAX} characters")
    return text


def _display_name(value: str) -> str:
    text = clean_line(value) if isinstance(value, str) else ""
    if not text:
        raise PackerInvalid("display_name", "a display name is required")
    if len(text) > DISPLAY_NAME_MAX:
        raise PackerInvalid("display_name", f"at most {DISPLAY_NAME_MAX} characters")
    return text


def _badge(value: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > BADGE_MAX or not is_printable_code(text):
        raise PackerInvalid("badge", f"a badge code is 1 to {BADGE_MAX} printable characters")
    return text


def _free_badge(value: str) -> str:
    """Return the hash of a badge no other packer has, or raise BadgeTaken."""
    hashed = badge_hash(_badge(value))
    with db.session.no_autoflush:
        taken = db.session.execute(
            select(Packer.id).where(Packer.badge_hash == hashed)).first()
    if taken is not None:
        raise BadgeTaken("another packer has this badge")
    return hashed

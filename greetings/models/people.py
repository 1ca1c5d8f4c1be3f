"""People: packers at the stations, staff who sign in, and the API tokens of machines."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow


class Packer(Base):
    """A person who packs parcels; the customer sees only the display name they chose.

    Offboarding deletes the full name, the badge, the PIN, the lines and the signature,
    and keeps the display name, which past feedback and shipments still show.
    """

    __tablename__ = "packers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once the packer was offboarded.
    full_name: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(60))
    # SHA-256 of the badge code: the station looks the packer up by it (None: offboarded,
    # so the badge can be handed to someone else).
    badge_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Loaded only when a card or the feedback page draws them (the two in one statement:
    # a card reads both), not with every packer.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True,
                                                         deferred_group="signature")
    signature_1bit: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True,
                                                          deferred_group="signature")
    # Signatures go on cards only while this is set; revoking keeps old cards as they are.
    # Who set it and when: ConsentRecord.
    signature_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Werkzeug's salted hash of the station PIN; None: badge sign-in only.
    pin_hash: Mapped[str | None] = mapped_column(String(256))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    offboarded_at: Mapped[datetime | None] = mapped_column(DateTime)

    lines: Mapped[list[PackerLine]] = relationship(
        back_populates="packer", cascade="all, delete-orphan", order_by="PackerLine.language")

    def usable_signature(self) -> tuple[bytes | None, bytes | None]:
        """Return the signature images a new card may carry (none without consent)."""
        if not self.signature_consent:
            return None, None
        return self.signature_png, self.signature_1bit

    def line_for(self, language: str) -> str | None:
        """Return the packer's own line in this card language, or None if they wrote none.

        A card in a language the packer wrote no line for carries none (PRODUCT.md,
        "Privacy and people"): there is no fallback to another language.
        """
        for line in self.lines:
            if line.language == language:
                return line.text
        return None


class PackerLine(Base):
    """A packer's own line on their cards, in one language (at most one per language)."""

    __tablename__ = "packer_lines"
    __table_args__ = (UniqueConstraint("packer_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(200))

    packer: Mapped[Packer] = relationship(back_populates="lines")


class ConsentVia(enum.StrEnum):
    """Where a packer's consent to print their signature was given or revoked."""

    CONSOLE = "console"
    STATION = "station"
    API = "api"
    CLI = "cli"


class ConsentRecord(Base):
    """One giving or revoking of a packer's consent to print their signature: who, when.

    `recorded_by` names who recorded it in words a manager reads later: a staff e-mail,
    "packer at station Bord 1", "API token hr-sync", "command line".
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    packer_id: Mapped[int] = mapped_column(ForeignKey("packers.id", ondelete="CASCADE"),
                                           index=True)
    given: Mapped[bool] = mapped_column(Boolean)
    via: Mapped[ConsentVia] = mapped_column(enum_column(ConsentVia, 16))
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Role(enum.StrEnum):
    """What a staff user may do: an admin also manages what holds secrets."""

    ADMIN = "admin"
    MANAGER = "manager"


class User(UserMixin, Base):
    """A manager or admin who signs in to the staff pages with e-mail and password.

    Flask-Login's UserMixin supplies the rest of its user protocol; a deactivated user is
    neither active nor authenticated.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, 16))
    # Part of the id every session carries: raising it signs out every copy of every
    # session of this user, including cookies copied before the sign-out.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether this login may be used (an admin can switch it off)."""
        return self.active

    def get_id(self) -> str:
        """Return Flask-Login's alternative id: the user and their session version."""
        return f"{self.id}:{self.session_version}"


# What a token made without scopes may do: pack and read feedback, as every token could
# before scopes existed.
DEFAULT_SCOPES = "pack feedback:read"


class ApiToken(Base):
    """A Bearer token for the API. Only its SHA-256 is stored.

    The token is 256 random bits, so a fast hash is enough: there is nothing to guess
    that a slow password hash would protect.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the token may do, space-separated (greetings.api.scopes); tokens made before
    # scopes existed keep what every token could do then.
    scopes: Mapped[str] = mapped_column(String(200), default=DEFAULT_SCOPES,
                                        server_default=DEFAULT_SCOPES)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

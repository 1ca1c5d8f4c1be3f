"""The Packers API: /api/v1/packers for HR and WMS systems (scopes packers:read, :write).

PRODUCT.md, "Packers API". Badges are stored hashed, so they are written, never read
back; consent changes are recorded with the token's name as who gave them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Packer
from ..ops.inputs import body_limit
from ..people import service
from ..people.service import Actor, BadgeTaken
from ..people.signatures import UPLOAD_BODY_LIMIT, set_signature
from .routes import bp
from .scopes import Scope
from .spec import Reply, operation

Language = Literal["en", "da", "de", "sv", "nb"]   # greetings.text.LANGUAGES
FullName = Annotated[StrictStr, Field(min_length=1, max_length=service.FULL_NAME_MAX)]
DisplayName = Annotated[StrictStr, Field(min_length=1, max_length=service.DISPLAY_NAME_MAX,
                                         description="the only name customers see")]
Badge = Annotated[StrictStr, Field(min_length=1, max_length=service.BADGE_MAX,
                                   description="what the badge scans as; stored hashed")]
Line = Annotated[StrictStr, Field(max_length=service.LINE_MAX)]


class PackerIn(BaseModel):
    """A new packer."""

    model_config = ConfigDict(extra="forbid")

    full_name: FullName
    display_name: DisplayName
    badge: Badge
    lines: Annotated[dict[Language, Line], Field(
        description="the packer's own line per card language; a card in a language "
                    "without one carries none")] | None = None
    active: StrictBool = True
    consent: Annotated[StrictBool, Field(
        description="consent to print the signature, recorded with this token and the "
                    "time")] = False


class PackerPatch(BaseModel):
    """Changes to a packer: what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = None
    display_name: DisplayName | None = None
    badge: Badge | None = None
    lines: Annotated[dict[Language, Line | None], Field(
        description="per language: a new line, or null or \"\" to remove it; languages "
                    "left out keep theirs")] | None = None
    active: StrictBool | None = None
    consent: StrictBool | None = None


class ConsentOut(BaseModel):
    given: bool
    recorded_by: str | None
    recorded_at: str | None


class PackerOut(BaseModel):
    id: int
    full_name: str | None = Field(description="null once offboarded")
    display_name: str
    active: bool
    offboarded: bool
    lines: dict[str, str]
    signature: bool = Field(description="a signature image is stored")
    consent: ConsentOut
    pin: bool = Field(description="a station PIN is set")
    created_at: str


class PackerOne(BaseModel):
    packer: PackerOut


class PackerList(BaseModel):
    packers: list[PackerOut]


class PackersQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    active: Annotated[Literal["true", "false"], Field(
        description="only active (true) or only inactive (false) packers")] | None = None


@bp.get("/v1/packers")
@operation("List packers", scope=Scope.PACKERS_READ, query=PackersQuery, tag="packers",
           responses={200: Reply("the packers", PackerList)})
def list_packers(query: PackersQuery):
    """List packers by display name, all or only active or inactive ones."""
    show = {"true": "active", "false": "inactive", None: "all"}[query.active]
    packers = db.session.execute(service.packers_query(show=show)).scalars().all()
    return jsonify({"packers": [packer_json(packer) for packer in packers]})


@bp.post("/v1/packers")
@operation("Add a packer", scope=Scope.PACKERS_WRITE, body=PackerIn, tag="packers",
           responses={201: Reply("the new packer", PackerOne),
                      409: Reply("another packer has this badge")})
def add_packer(body: PackerIn):
    """Add a packer; answer 201 with its id."""
    packer = service.add_packer(body.full_name, body.display_name, body.badge,
                                lines=body.lines, active=body.active)
    if body.consent:
        db.session.flush()
        service.record_consent(packer, True, Actor.api(g.api_token))
    _commit()
    return jsonify({"packer": packer_json(packer)}), 201


@bp.patch("/v1/packers/<int:packer_id>")
@operation("Change a packer", scope=Scope.PACKERS_WRITE, body=PackerPatch, tag="packers",
           responses={200: Reply("the packer as it is now", PackerOne),
                      409: Reply("another packer has this badge, or the packer was "
                                 "offboarded")})
def change_packer(packer_id: int, body: PackerPatch):
    """Change what the body names; leave the rest."""
    packer = service.get_packer(packer_id)
    service.edit_packer(packer, full_name=body.full_name, display_name=body.display_name,
                        badge=body.badge, active=body.active)
    if body.lines is not None:
        service.set_lines(packer, body.lines)
    if body.consent is not None:
        service.record_consent(packer, body.consent, Actor.api(g.api_token))
    _commit()
    return jsonify({"packer": packer_json(packer)})


@bp.put("/v1/packers/<int:packer_id>/signature")
@body_limit(UPLOAD_BODY_LIMIT)
@operation("Set a packer's signature", scope=Scope.PACKERS_WRITE, tag="packers",
           raw_body=("image/png", "image/jpeg"),
           description="A scan, phone photo or drawing, PNG or JPEG up to 10 MB. It is "
                       "cleaned up for print (paper, table, shadows and ruled lines "
                       "removed); cards carry it only while the packer's consent is given.",
           responses={200: Reply("the packer as it is now", PackerOne),
                      409: Reply("the packer was offboarded"),
                      415: Reply("not a PNG or JPEG image")})
def put_signature(packer_id: int):
    """Store the body's image, cleaned up, as the packer's signature."""
    packer = service.get_packer(packer_id)
    service.check_not_offboarded(packer)
    set_signature(packer, request.get_data(cache=False))
    _commit()
    return jsonify({"packer": packer_json(packer)})


def _commit() -> None:
    """Commit; two requests racing for one badge end as 409, never 500."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise BadgeTaken("another packer has this badge") from error


def packer_json(packer: Packer) -> dict:
    """Describe a packer for HR and WMS systems (never the badge or PIN themselves)."""
    record = service.last_consent(packer)
    return {
        "id": packer.id,
        "full_name": packer.full_name,
        "display_name": packer.display_name,
        "active": packer.active,
        "offboarded": packer.offboarded_at is not None,
        "lines": service.lines_of(packer),
        "signature": service.has_signature(packer),
        "consent": {"given": packer.signature_consent,
                    "recorded_by": record.recorded_by if record else None,
                    "recorded_at": _iso(record.recorded_at) if record else None},
        "pin": packer.pin_hash is not None,
        "created_at": _iso(packer.created_at),
    }


def _iso(stamp) -> str:
    return stamp.isoformat(timespec="seconds") + "Z"

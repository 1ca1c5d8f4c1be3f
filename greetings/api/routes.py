"""/api/v1: endpoints for warehouse systems and CRMs (Bearer tokens), and /api/openapi.json.

Every view is declared with `spec.operation` (its scope, models and answers), which also
makes it part of the OpenAPI document.
"""

import re
from typing import Annotated

from flask import Blueprint, Response, current_app, g, jsonify, url_for
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ..cards.renderer import PROFILES
from ..cards.service import card_pdf
from ..cards.tokens import feedback_url, public_url
from ..errors import InvalidInput, ProblemError
from ..extensions import db
from ..models import Shipment, Station
from ..station import identity
from ..station.service import find_order, find_packer, find_shop, pack_order
from ..station.stations import station_named
from .scopes import Scope
from .spec import Reply, openapi_document, operation

bp = Blueprint("api", __name__, url_prefix="/api")
VERSION = "1"


class PackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: Annotated[StrictStr, Field(min_length=1, max_length=130)]
    badge: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    station: Annotated[StrictStr, Field(max_length=100)] | None = None
    # The shop (integration slug) when two shops have an order with this number.
    shop: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None


class NotThisStation(ProblemError):
    status = 403
    title = "A station packs only as itself and its signed-in packer"


class PackerName(BaseModel):
    display_name: str


class ShipmentOut(BaseModel):
    id: int
    order: str
    packer: PackerName
    insert_url: str = Field(description="the card as application/pdf")
    feedback_url: str = Field(description="what the card's QR code opens")


class PackOut(BaseModel):
    shipment: ShipmentOut


class TokenName(BaseModel):
    name: str
    scopes: list[str]


class WhoAmI(BaseModel):
    token: TokenName


class CardQuery(BaseModel):
    profile: Annotated[str, Field(description="paper: " + ", ".join(PROFILES))] | None = None


@bp.get("/openapi.json")
@operation("This document: the OpenAPI 3.1 description of the JSON API", public=True,
           tag="meta", responses={200: Reply("the OpenAPI document")})
def openapi():
    """Serve the OpenAPI document of every route under /api/."""
    return jsonify(openapi_document(current_app, "Greetings API", VERSION))


@bp.get("/v1/whoami")
@operation("Which token is this", tag="meta", responses={200: Reply("the token", WhoAmI)})
def whoami():
    """Tell a client which token it is using and what it may do (a cheap way to test one)."""
    token = g.api_token
    return jsonify({"token": {"name": token.name, "scopes": token.scopes.split()}})


@bp.post("/v1/pack")
@operation("Record a packed order", scope=Scope.PACK, station=True, body=PackIn, tag="packing",
           description="Scanning the same order again returns the same shipment (a reprint).",
           responses={200: Reply("the shipment", PackOut), 404: Reply("unknown order"),
                      409: Reply("the order is cancelled or deleted")})
def pack(body: PackIn):
    """Record a packed order and answer where its card and feedback page are."""
    packer = find_packer(body.badge)
    station = _packing_station(body, packer)
    shop = find_shop(body.shop) if body.shop is not None else None
    order = find_order(body.order, station.integrations if station else (),
                       shop.id if shop else None)
    shipment = pack_order(order, packer, station)
    db.session.commit()
    return jsonify({"shipment": shipment_json(shipment)})


def _packing_station(body: PackIn, packer) -> Station | None:
    """Return the station a pack is recorded at.

    Through a station's session it is that station, and the badge must be its signed-in
    packer's: a packer packs only as themselves. With an API token it is the station the
    body names (an unknown name is refused, so no shipment loses its station).
    """
    if g.api_token is None:
        station = identity.current_station()
        if packer.id != identity.current_packer().id:
            raise NotThisStation("the badge is not the signed-in packer's")
        if body.station is not None and body.station.strip() != station.name:
            raise NotThisStation(f"this browser is station {station.name}")
        return station
    if body.station is None or not body.station.strip():
        return None
    station = station_named(body.station)
    if station is None or not station.active:
        raise InvalidInput("no station in use has this name",
                           errors=[{"field": "station", "message": "unknown station"}])
    return station


@bp.get("/v1/shipments/<int:shipment_id>/insert.pdf")
@operation("The card of a shipment", scope=Scope.PACK, station=True, query=CardQuery,
           tag="packing", responses={200: Reply("the card", media="application/pdf")})
def card(shipment_id, query: CardQuery):
    """Send the shipment's card as a PDF."""
    shipment = db.get_or_404(Shipment, shipment_id)
    if query.profile is not None and query.profile not in PROFILES:
        raise InvalidInput(f"profile is one of {', '.join(PROFILES)}",
                           errors=[{"field": "profile", "message": "unknown profile"}])
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", shipment.order.number)[:60] or "card"
    # The newest card: the one a reprint prints.
    return Response(card_pdf(shipment.card, query.profile), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})


def shipment_json(shipment: Shipment) -> dict:
    """Describe a shipment as the packing contract says, with its newest card's address."""
    return {
        "id": shipment.id,
        "order": shipment.order.number,
        "packer": {"display_name": shipment.packer.display_name},
        "insert_url": public_url(url_for("api.card", shipment_id=shipment.id)),
        "feedback_url": feedback_url(shipment.card.token),
    }

"""/api/v1: endpoints for warehouse systems and CRMs (Bearer tokens)."""

import re
from typing import Annotated

from flask import Blueprint, Response, g, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from ..cards.renderer import PROFILES
from ..cards.service import card_pdf
from ..cards.tokens import feedback_url, public_url
from ..errors import InvalidInput, ProblemError, UnreadableJson, validation_errors
from ..extensions import db
from ..models import Shipment, Station
from ..station import identity
from ..station.service import find_order, find_packer, find_shop, pack_order
from ..station.stations import station_named
from .tokens import bearer_or_station, bearer_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")


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


def json_body(model):
    """Validate the request's JSON body into `model`; 400 or 422 problem+json otherwise."""
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise UnreadableJson("send a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput("see errors", errors=validation_errors(error)) from error


@bp.get("/whoami")
@bearer_required
def whoami():
    """Tell a client which token it is using (a cheap way to test a token)."""
    return jsonify({"token": {"name": g.api_token.name}})


@bp.post("/pack")
@bearer_or_station
def pack():
    """Record a packed order and answer where its card and feedback page are."""
    body = json_body(PackIn)
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


@bp.get("/shipments/<int:shipment_id>/insert.pdf")
@bearer_or_station
def card(shipment_id):
    """Send the shipment's card as a PDF."""
    shipment = db.get_or_404(Shipment, shipment_id)
    profile = request.args.get("profile")
    if profile is not None and profile not in PROFILES:
        raise InvalidInput(f"profile is one of {', '.join(PROFILES)}",
                           errors=[{"field": "profile", "message": "unknown profile"}])
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", shipment.order.number)[:60] or "card"
    # The newest card: the one a reprint prints.
    return Response(card_pdf(shipment.card, profile), mimetype="application/pdf",
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

"""/api/v1: endpoints for warehouse systems and CRMs (Bearer tokens)."""

import re
from typing import Annotated

from flask import Blueprint, Response, g, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from ..cards.renderer import PROFILES
from ..cards.service import card_pdf
from ..cards.tokens import feedback_url, public_url
from ..errors import InvalidInput, UnreadableJson, validation_errors
from ..extensions import db
from ..models import Shipment
from ..station.service import find_order, find_packer, pack_order
from .tokens import bearer_or_station, bearer_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class PackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: Annotated[StrictStr, Field(min_length=1, max_length=130)]
    badge: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    station: Annotated[StrictStr, Field(max_length=100)] | None = None


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
    order = find_order(body.order)
    shipment = pack_order(order, find_packer(body.badge), body.station)
    db.session.commit()
    return jsonify({"shipment": shipment_json(shipment)})


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
    return Response(card_pdf(shipment, profile), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})


def shipment_json(shipment: Shipment) -> dict:
    """Describe a shipment as the packing contract says."""
    return {
        "id": shipment.id,
        "order": shipment.order.number,
        "packer": {"display_name": shipment.packer.display_name},
        "insert_url": public_url(url_for("api.card", shipment_id=shipment.id)),
        "feedback_url": feedback_url(shipment.feedback_token),
    }

"""One scan at the station: decide what happened, record it, and print the card."""

from flask import current_app, url_for
from flask_babel import gettext as _

from ..cards.service import card_pdf
from ..extensions import db
from ..models import OrderStatus, Packer, Shipment, Station
from .printing import PrintFailed, send_to_cups
from .service import OrderNotFound, find_order, pack_order, repack, shipment_of


def scan(code: str, packer: Packer, station: Station, action: str | None = None):
    """Handle a scanned order barcode; return (answer dict, HTTP status).

    `action` answers the question asked when someone else packed the order already:
    "reprint" prints their card as is, "repack" makes the parcel this packer's.
    """
    try:
        order = find_order(code)
    except OrderNotFound:
        return {"result": "unknown", "message": _("Unknown order: %(code)s",
                                                  code=code.strip()[:40])}, 404
    shipment = shipment_of(order)
    if shipment is None and order.status != OrderStatus.OPEN:
        return {"result": "cancelled", "order": order.number,
                "message": _("Order %(number)s is cancelled. Do not ship it.",
                             number=order.number)}, 409
    if shipment is not None and shipment.packer_id != packer.id and action is None:
        return {"result": "other_packer", "order": order.number,
                "packed_by": shipment.packer.display_name,
                "message": _("%(name)s already packed order %(number)s.",
                             name=shipment.packer.display_name, number=order.number)}, 409
    reprint = shipment is not None
    if shipment is None:
        shipment = pack_order(order, packer, station.name)
    elif action == "repack":
        shipment, reprint = repack(shipment, packer, station.name), False
    answer = print_card(shipment, station, reprint)
    return answer, 502 if answer["result"] == "print_failed" else 200


def print_card(shipment: Shipment, station: Station, reprint: bool = False) -> dict:
    """Print the shipment's card the station's way and describe the result."""
    shipment.print_count += 1
    db.session.commit()
    answer = {
        "result": "printed", "reprint": reprint, "order": shipment.order.number,
        "shipment_id": shipment.id, "packer": shipment.packer.display_name,
        "pdf_url": url_for("station.insert", shipment_id=shipment.id),
        "print_mode": station.print_mode,
        "message": (_("Reprinted the card for order %(number)s.", number=shipment.order.number)
                    if reprint else
                    _("Card printed for order %(number)s.", number=shipment.order.number)),
    }
    if station.print_mode == "cups" and station.cups_queue:
        try:
            answer["job"] = send_to_cups(
                card_pdf(shipment, station.profile), station.cups_queue, station.profile,
                f"order {shipment.order.number}", current_app.config.get("CUPS_SERVER"))
        except PrintFailed as error:
            answer.update(result="print_failed", message=_(
                "The printer did not take the card: %(reason)s", reason=error.detail))
    return answer

"""One scan at the station: decide what it means, record it, then print the card.

`scan` and `record_reprint` record in the session and return a `ScanOutcome`; the route commits
and only then calls `print_card`, so that no database transaction waits on a printer.
"""

import enum
from dataclasses import dataclass, replace

from flask import current_app

from ..cards.service import card_pdf
from ..models import Order, Packer, PrintMode, Shipment, Station
from .printing import PrintFailed, send_to_cups
from .service import (
    OrderNotFound,
    OrderNotPackable,
    count_print,
    find_order,
    pack_order,
    packed_or_packable,
    repack,
)


class ScanResult(enum.StrEnum):
    """What a scan came to; the station's page and sounds tell them apart by this name."""

    PRINTED = "printed"
    UNKNOWN = "unknown"  # no order has this barcode
    CANCELLED = "cancelled"  # never packed, and no longer open: do not ship it
    OTHER_PACKER = "other_packer"  # someone else packed it: reprint theirs, or repack?
    PRINT_FAILED = "print_failed"  # recorded, but the printer did not take the card


class Choice(enum.StrEnum):
    """The answer to "someone else packed this order already"."""

    REPRINT = "reprint"  # print their card as it is
    REPACK = "repack"  # make the parcel this packer's, with a new card


@dataclass(frozen=True)
class ScanOutcome:
    """What a scan (or a reprint) did, in the station's terms."""

    result: ScanResult
    code: str
    order: Order | None = None
    shipment: Shipment | None = None
    reprint: bool = False
    # The CUPS job id once the server printed, or why the printer refused the card.
    job: str | None = None
    failure: str | None = None


def scan(code: str, packer: Packer, station: Station, choice: Choice | None = None
         ) -> ScanOutcome:
    """Handle a scanned order barcode: pack, repack, or count a reprint of the order.

    `choice` answers the question asked when someone else packed the order already.
    """
    try:
        order = find_order(code)
        shipment = packed_or_packable(order)
    except OrderNotFound:
        return ScanOutcome(ScanResult.UNKNOWN, code)
    except OrderNotPackable as refused:
        return ScanOutcome(ScanResult.CANCELLED, code, refused.order)
    if shipment is not None and shipment.packer_id != packer.id and choice is None:
        return ScanOutcome(ScanResult.OTHER_PACKER, code, order, shipment)
    if shipment is None:
        shipment, again = pack_order(order, packer, station.name), False
    elif choice == Choice.REPACK:
        shipment, again = repack(shipment, packer, station.name), False
    else:
        again = True
    count_print(shipment)
    return ScanOutcome(ScanResult.PRINTED, code, order, shipment, reprint=again)


def record_reprint(shipment: Shipment) -> ScanOutcome:
    """Count a reprint of the shipment's card (or a retry after a printer failure)."""
    count_print(shipment)
    return ScanOutcome(ScanResult.PRINTED, shipment.order.number, shipment.order, shipment,
                       reprint=True)


def print_card(outcome: ScanOutcome, station: Station) -> ScanOutcome:
    """Send a recorded card to the station's CUPS queue, if it prints that way.

    A browser station prints the PDF itself; its outcome comes back as it was.
    """
    if (outcome.result != ScanResult.PRINTED or station.print_mode != PrintMode.CUPS
            or not station.cups_queue):
        return outcome
    shipment = outcome.shipment
    try:
        job = send_to_cups(
            card_pdf(shipment, station.profile), station.cups_queue, station.profile,
            f"order {shipment.order.number}", current_app.config.get("CUPS_SERVER"))
    except PrintFailed as error:
        return replace(outcome, result=ScanResult.PRINT_FAILED, failure=error.detail)
    return replace(outcome, job=job)

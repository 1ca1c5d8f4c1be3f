"""One scan at the station: decide what it means, record it, then print the card.

`scan` and `record_reprint` record in the session and return a `ScanOutcome`; the route commits
and only then calls `print_card`, so that no database transaction waits on a printer.
"""

import enum
from dataclasses import dataclass, replace

from flask import current_app

from ..cards.service import card_pdf
from ..models import (
    Card,
    Integration,
    Order,
    OrderStatus,
    Packer,
    PrintMode,
    Shipment,
    Station,
)
from .printing import PrintFailed, send_to_cups
from .service import (
    OrderAmbiguous,
    OrderNotFound,
    OrderNotPackable,
    count_print,
    find_order,
    new_shipment,
    order_shop,
    packed_or_packable,
    repack,
    store_shipment,
)


class ScanResult(enum.StrEnum):
    """What a scan came to; the station's page and sounds tell them apart by this name."""

    PRINTED = "printed"
    UNKNOWN = "unknown"  # no order has this barcode
    CHOOSE_SHOP = "choose_shop"  # orders of several shops have this number: which one?
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
    # The card that prints: a new one, or the newest one again on a reprint.
    card: Card | None = None
    reprint: bool = False
    # The shops to choose from when the number is ambiguous.
    shops: tuple[Integration, ...] = ()
    # The CUPS job id once the server printed, or why the printer refused the card.
    job: str | None = None
    failure: str | None = None


def scan(code: str, packer: Packer, station: Station, choice: Choice | None = None,
         shop_id: int | None = None) -> ScanOutcome:
    """Handle a scanned order barcode: pack, repack, or count a reprint of the order.

    Only orders of the station's shops count (all, if it names none). `choice` answers
    the question asked when someone else packed the order already, `shop_id` the one
    asked when two shops have an order with this number.
    """
    try:
        order = find_order(code, station.integrations, shop_id)
        # Most scans pack an open order for the first time: its shipment is stored straight
        # away (new_shipment writes nothing when there is one), and only otherwise looked
        # up, by packed_or_packable's rule. A statement less between Enter and the card.
        fresh = new_shipment(order, packer, station) if order.status == OrderStatus.OPEN \
            else None
        shipment = fresh or packed_or_packable(order)
    except OrderNotFound:
        return ScanOutcome(ScanResult.UNKNOWN, code)
    except OrderAmbiguous as ambiguous:
        shops = tuple(order_shop(order) for order in ambiguous.orders)
        return ScanOutcome(ScanResult.CHOOSE_SHOP, code, shops=shops)
    except OrderNotPackable as refused:
        return ScanOutcome(ScanResult.CANCELLED, code, refused.order)
    if shipment is not None and shipment.packer_id != packer.id and choice is None:
        return ScanOutcome(ScanResult.OTHER_PACKER, code, order, shipment, shipment.card)
    if fresh is not None:
        card, again = fresh.card, False
    elif shipment is None:
        shipment = store_shipment(order, packer, station)
        card, again = shipment.card, False
    elif choice == Choice.REPACK:
        card, again = repack(shipment, packer, station), False
    else:
        card, again = shipment.card, True
    count_print(card)
    return ScanOutcome(ScanResult.PRINTED, code, order, shipment, card, reprint=again)


def record_reprint(card: Card) -> ScanOutcome:
    """Count a reprint of a card (or a retry after a printer failure)."""
    count_print(card)
    shipment = card.shipment
    return ScanOutcome(ScanResult.PRINTED, shipment.order.number, shipment.order, shipment,
                       card, reprint=True)


def print_card(outcome: ScanOutcome, station: Station) -> ScanOutcome:
    """Send a recorded card to the station's CUPS queue, if it prints that way.

    A browser station prints the PDF itself; its outcome comes back as it was.
    """
    if (outcome.result != ScanResult.PRINTED or station.print_mode != PrintMode.CUPS
            or not station.cups_queue):
        return outcome
    try:
        job = send_to_cups(
            card_pdf(outcome.card, station.profile), station.cups_queue, station.profile,
            f"order {outcome.order.number}", current_app.config.get("CUPS_SERVER"))
    except PrintFailed as error:
        return replace(outcome, result=ScanResult.PRINT_FAILED, failure=error.detail)
    return replace(outcome, job=job)

"""Packing: finding orders and packers by what scanners read, and recording shipments.

Plain functions over the session; the route or command that calls them commits.
"""

import re

from sqlalchemy import or_, select

from ..cards.tokens import new_token
from ..errors import ProblemError
from ..extensions import db
from ..models import Order, OrderStatus, Packer, Shipment, dialect_insert, utcnow
from ..people.service import badge_hash  # badges are people's; scans look packers up by them
from ..text import is_printable_code


class OrderNotFound(ProblemError):
    status = 404
    title = "Unknown order"


class OrderNotPackable(ProblemError):
    status = 409
    title = "Order cannot be packed"

    def __init__(self, detail, *, order: Order):
        super().__init__(detail)
        self.order = order


class PackerNotFound(ProblemError):
    status = 422
    title = "Unknown badge"


def find_packer(badge: str) -> Packer:
    """Return the active packer with this badge, or raise PackerNotFound."""
    if not is_printable_code(badge):
        raise PackerNotFound("no active packer has this badge")
    packer = db.session.execute(
        select(Packer).where(Packer.badge_hash == badge_hash(badge), Packer.active.is_(True))
    ).scalar_one_or_none()
    if packer is None:
        raise PackerNotFound("no active packer has this badge")
    return packer


def find_order(scanned: str) -> Order:
    """Return the order a scanned barcode names: its number, with or without #, or its id."""
    code = scanned.strip().lstrip("#").strip()
    # Barcodes are printable; NUL or a lone surrogate would only upset the database driver.
    if not code or len(code) > 128 or not is_printable_code(code):
        raise OrderNotFound("scan the order's barcode")
    found = db.session.execute(
        select(Order).where(or_(Order.number == code, Order.external_id == code))
        .order_by((Order.number == code).desc(), Order.id.desc()).limit(1)
    ).scalar_one_or_none()
    if found is None:
        raise OrderNotFound(f"no order {code!r}")
    return found


def packed_or_packable(order: Order) -> Shipment | None:
    """Return the order's shipment if it was packed, None if it may be packed now.

    The one rule of what may be packed: an open order, or one packed before (a reprint,
    whatever became of the order since). Raises OrderNotPackable for an order that was
    never packed and is cancelled or deleted.
    """
    shipment = shipment_of(order)
    if shipment is None and order.status != OrderStatus.OPEN:
        raise OrderNotPackable(f"the order is {order.status}", order=order)
    return shipment


def pack_order(order: Order, packer: Packer, station: str | None = None) -> Shipment:
    """Record that the packer packed the order; a second scan returns the same shipment.

    Two stations scanning the same order at once make one shipment: the insert does
    nothing when the order has one already, and both get the one that was stored first.
    """
    existing = packed_or_packable(order)
    if existing is not None:
        return existing
    insert = dialect_insert(db.session.get_bind().dialect.name)
    db.session.execute(
        insert(Shipment)
        .values(order_id=order.id, packer_id=packer.id, station=station, packed_at=utcnow(),
                feedback_token=new_token(), print_count=0)
        .on_conflict_do_nothing(index_elements=["order_id"]))
    return shipment_of(order)


def shipment_of(order: Order) -> Shipment | None:
    """Return the order's shipment, if it was packed."""
    return db.session.execute(
        select(Shipment).where(Shipment.order_id == order.id)).scalar_one_or_none()


def repack(shipment: Shipment, packer: Packer, station: str | None) -> Shipment:
    """Make the shipment this packer's: a new card, a new feedback token, a new time."""
    shipment.packer_id, shipment.station = packer.id, station
    shipment.packed_at, shipment.feedback_token = utcnow(), new_token()
    return shipment


def count_print(shipment: Shipment) -> None:
    """Count one more print of the shipment's card."""
    shipment.print_count += 1


def recent_shipments(station: str, limit: int = 20) -> list[Shipment]:
    """Return the station's last parcels, newest first."""
    return list(db.session.execute(
        select(Shipment).where(Shipment.station == station)
        .order_by(Shipment.packed_at.desc(), Shipment.id.desc()).limit(limit)
    ).scalars())


def unpacked_orders(limit: int = 500) -> list[Order]:
    """Return open orders that have no shipment yet, oldest first.

    packed_or_packable's rule as a query: of the orders never packed, only open ones.
    """
    return list(db.session.execute(
        select(Order).outerjoin(Shipment, Shipment.order_id == Order.id)
        .where(Shipment.id.is_(None), Order.status == OrderStatus.OPEN)
        .order_by(Order.placed_at.asc().nulls_last(), Order.id).limit(limit)
    ).scalars())


def parse_pick_list(text: str, limit: int = 500) -> list[str]:
    """Split pasted or scanned order numbers (lines, commas, spaces), keeping their order."""
    codes, seen = [], set()
    for code in re.split(r"[\s,;]+", text or ""):
        code = code.strip().lstrip("#")
        if code and code not in seen:
            seen.add(code)
            codes.append(code)
    return codes[:limit]


def orders_of_pick_list(codes: list[str]) -> tuple[list[Order], list[str]]:
    """Return the orders of a pick list that may be packed, and what the rest were."""
    orders, missing = [], []
    for code in codes:
        try:
            order = find_order(code)
            packed_or_packable(order)
        except OrderNotFound:
            missing.append(code)
        except OrderNotPackable as refused:
            missing.append(f"{code} ({refused.order.status})")
        else:
            orders.append(order)
    return orders, missing

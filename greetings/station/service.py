"""Packing: finding orders and packers by what scanners read, recording shipments and cards.

Plain functions over the session; the route or command that calls them commits.
"""

import re
from collections.abc import Sequence

from sqlalchemy import or_, select, union_all
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..cards.tokens import new_token
from ..errors import ProblemError
from ..extensions import db
from ..models import (
    Card,
    InsightChange,
    Integration,
    Order,
    OrderStatus,
    Packer,
    Shipment,
    Station,
    dialect_insert,
    utcnow,
)
from ..people.service import badge_hash  # badges are people's; scans look packers up by them
from ..text import is_printable_code

# More orders than this under one number is no barcode but a data problem.
MAX_CANDIDATES = 20


class OrderNotFound(ProblemError):
    status = 404
    title = "Unknown order"


class OrderAmbiguous(ProblemError):
    """Two or more shops have an order with this number: a person must say which."""

    status = 409
    title = "Several shops have an order with this number"

    def __init__(self, detail, *, orders: list[Order]):
        super().__init__(detail)
        self.orders = orders

    def body(self):
        """Add the shops to choose from (their slugs) to the problem document."""
        return {**super().body(), "shops": [order_shop(order).slug for order in self.orders]}


class OrderNotPackable(ProblemError):
    status = 409
    title = "Order cannot be packed"

    def __init__(self, detail, *, order: Order):
        super().__init__(detail)
        self.order = order


class ShopNotFound(ProblemError):
    status = 422
    title = "Unknown shop"


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


def find_shop(slug: str) -> Integration:
    """Return the shop (integration) with this slug, or raise ShopNotFound."""
    shop = None
    if is_printable_code(slug):
        shop = db.session.execute(
            select(Integration).where(Integration.slug == slug.strip())).scalar_one_or_none()
    if shop is None:
        raise ShopNotFound("no shop (integration) has this slug")
    return shop


def order_shop(order: Order) -> Integration:
    """Return the shop (integration) an order came from."""
    return db.session.get(Integration, order.integration_id)


def find_order(scanned: str, shops: Sequence[Integration] = (), shop_id: int | None = None
               ) -> Order:
    """Return the order a scanned barcode names: its number, with or without #, or its id.

    Only orders of `shops` count when any are given (a station's), and only the one shop
    `shop_id` when a person chose it. A number that orders of two shops share raises
    OrderAmbiguous: guessing could print the wrong customer's card.
    """
    code = scanned.strip().lstrip("#").strip()
    # Barcodes are printable; NUL or a lone surrogate would only upset the database driver.
    if not code or len(code) > 128 or not is_printable_code(code):
        raise OrderNotFound("scan the order's barcode")
    shop_ids = [shop.id for shop in shops] if shops else None
    if shop_id is not None:
        shop_ids = [shop_id] if shop_ids is None or shop_id in shop_ids else []
    in_shops = [] if shop_ids is None else [Order.integration_id.in_(shop_ids)]
    # Each way of matching through an index of its own (the number's; the shop's external
    # ids), then those orders by id. Written as one OR with the shops beside it, SQLite
    # walked every order of the station's shop instead: find_order took 15-22 ms at 50,000
    # orders, growing with the table, against ~1 ms this way.
    matching = union_all(
        select(Order.id).where(Order.number == code, *in_shops),
        select(Order.id).where(Order.external_id == code,
                               *(in_shops or [Order.integration_id.in_(select(Integration.id))])))
    found = db.session.execute(
        select(Order).where(Order.id.in_(matching))
        .order_by((Order.number == code).desc(), Order.id.desc()).limit(MAX_CANDIDATES)
    ).scalars().all()
    if not found:
        raise OrderNotFound(f"no order {code!r}")
    # A number match beats an id match; within a shop the newest order wins.
    by_number = [order for order in found if order.number == code] or found
    newest: dict[int, Order] = {}
    for order in by_number:
        newest.setdefault(order.integration_id, order)
    if len(newest) > 1:
        orders = list(newest.values())
        names = ", ".join(order_shop(order).slug for order in orders)
        raise OrderAmbiguous(f"order {code} exists in {names}: say which shop",
                             orders=orders)
    return by_number[0]


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


def pack_order(order: Order, packer: Packer, station: Station | None = None) -> Shipment:
    """Record that the packer packed the order, with its first card; a second scan returns
    the same shipment.

    Two stations scanning the same order at once make one shipment and one card: the
    insert does nothing when the order has one already, only the one whose insert stored
    the shipment adds its card, and both get the shipment that was stored first.
    """
    existing = packed_or_packable(order)
    if existing is not None:
        return existing
    return store_shipment(order, packer, station)


def store_shipment(order: Order, packer: Packer, station: Station | None = None) -> Shipment:
    """Record the shipment and its first card of an order that packed_or_packable found
    unpacked a moment ago (pack_order without asking again); return the stored shipment.

    Should another station have packed it meanwhile, its shipment comes back unchanged.
    """
    shipment = new_shipment(order, packer, station)
    if shipment is None:
        return shipment_of(order)
    db.session.flush()  # the new card's id, for callers that use it before they commit
    return shipment


def new_shipment(order: Order, packer: Packer, station: Station | None = None
                 ) -> Shipment | None:
    """Record the order's shipment and its first card, unless it has a shipment already
    (then None, and nothing is written): the database keeps it to one per order, however
    many stations try at once. The caller decides that the order may be packed.

    The card is written with the next flush (a scan's commit), with any print counted
    before it, so the card takes one INSERT rather than an INSERT and an UPDATE.
    """
    insert = dialect_insert(db.session.get_bind().dialect.name)
    now = utcnow()
    # RETURNING the entity: the stored row comes back as the session's Shipment, so it is
    # not read again (another statement between Enter and the card).
    shipment = db.session.execute(
        insert(Shipment)
        .values(order_id=order.id, packer_id=packer.id, packed_at=now,
                station_id=station.id if station else None,
                site_id=station.site_id if station else None)
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(Shipment)).scalar_one_or_none()
    if shipment is None:
        return None
    # Stored just now, so its only card is the one added here: no query to find that out.
    set_committed_value(shipment, "cards", [])
    shipment.cards.append(_new_card(packer, station, now))
    return shipment


def _new_card(packer: Packer, station: Station | None, now) -> Card:
    # print_count starts at 0 and count_print raises it: the metrics count that change.
    return Card(packer_id=packer.id, token=new_token(), created_at=now, print_count=0,
                station_id=station.id if station else None)


def shipment_of(order: Order) -> Shipment | None:
    """Return the order's shipment, if it was packed, with its cards."""
    return db.session.execute(
        select(Shipment).options(joinedload(Shipment.cards))
        .where(Shipment.order_id == order.id)).unique().scalar_one_or_none()


def repack(shipment: Shipment, packer: Packer, station: Station | None) -> Card:
    """Make the shipment this packer's with a new card; the old cards stay alive.

    The shipment moves to this packer, station and time; feedback through an old card
    stays credited to the packer named on it.
    """
    now = utcnow()
    # The dashboard's roll-up is told where the parcel and its answers counted until now
    # and where they count from now: no time it watches shows that move (InsightChange).
    db.session.add_all(InsightChange.where_counted(shipment))
    shipment.packer_id, shipment.packed_at = packer.id, now
    shipment.station_id = station.id if station else None
    shipment.site_id = station.site_id if station else None
    card = _new_card(packer, station, now)
    shipment.cards.append(card)
    db.session.add_all(InsightChange.where_counted(shipment))
    db.session.flush()
    return card


def count_print(card: Card) -> None:
    """Count one more print of the card."""
    card.print_count += 1


def recent_cards(station: Station, limit: int = 20) -> list[Card]:
    """Return the cards the station made last, newest first, with order and packer."""
    return list(db.session.execute(
        select(Card).options(joinedload(Card.shipment).joinedload(Shipment.order),
                             joinedload(Card.packer))
        .where(Card.station_id == station.id)
        .order_by(Card.created_at.desc(), Card.id.desc()).limit(limit)
    ).scalars())


def unpacked_orders(shops: Sequence[Integration] = (), limit: int = 500) -> list[Order]:
    """Return open orders that have no shipment yet (of these shops, if any), oldest first.

    packed_or_packable's rule as a query: of the orders never packed, only open ones.
    """
    query = (select(Order).outerjoin(Shipment, Shipment.order_id == Order.id)
             .where(Shipment.id.is_(None), Order.status == OrderStatus.OPEN))
    if shops:
        query = query.where(Order.integration_id.in_([shop.id for shop in shops]))
    return list(db.session.execute(
        query.order_by(Order.placed_at.asc().nulls_last(), Order.id).limit(limit)).scalars())


def parse_pick_list(text: str, limit: int = 500) -> list[str]:
    """Split pasted or scanned order numbers (lines, commas, spaces), keeping their order."""
    codes, seen = [], set()
    for code in re.split(r"[\s,;]+", text or ""):
        code = code.strip().lstrip("#")
        if code and code not in seen:
            seen.add(code)
            codes.append(code)
    return codes[:limit]


def orders_of_pick_list(codes: list[str], shops: Sequence[Integration] = ()
                        ) -> tuple[list[Order], list[tuple[str, ProblemError]]]:
    """Return the orders of a pick list that may be packed, and each code skipped with why.

    Why is the service's own error: unknown, shared by several shops, or not packable.
    """
    orders, skipped = [], []
    for code in codes:
        try:
            order = find_order(code, shops)
            packed_or_packable(order)
        except (OrderNotFound, OrderAmbiguous, OrderNotPackable) as refused:
            skipped.append((code, refused))
        else:
            orders.append(order)
    return orders, skipped


def cards_of_order(number: str) -> list[Card]:
    """Return every card printed for orders with this number (all shops), oldest first."""
    code = number.strip().lstrip("#").strip()
    if not code or len(code) > 128 or not is_printable_code(code):
        return []
    return list(db.session.execute(
        select(Card).join(Shipment, Shipment.id == Card.shipment_id)
        .join(Order, Order.id == Shipment.order_id)
        .options(joinedload(Card.shipment).joinedload(Shipment.order),
                 joinedload(Card.packer), joinedload(Card.station))
        .where(or_(Order.number == code, Order.external_id == code))
        .order_by(Card.id).limit(50)).scalars())


def void_card(card: Card, user) -> None:
    """Take a card out of use (it went into the wrong parcel): its page greets no one by
    name and takes no answer; the shipment and its other cards stay."""
    if card.voided_at is None:
        card.voided_at, card.voided_by_id = utcnow(), user.id

"""The database models: typed SQLAlchemy 2 classes, one module per part of the product.

Everything is re-exported here, so `from greetings.models import Order` is the one way to
reach a model, and importing this package registers every table on `Base.metadata`.
"""

from .base import NAMING_CONVENTION, Base, utcnow
from .feedback import Feedback
from .intake import (
    Delivery,
    Integration,
    IntegrationKind,
    IntegrationSecret,
    Order,
    OrderItem,
    OrderStatus,
)
from .packing import GreetingText, Shipment, Station
from .people import ApiToken, Packer, User
from .throttle import SignInFailure

__all__ = [
    "NAMING_CONVENTION", "ApiToken", "Base", "Delivery", "Feedback", "GreetingText", "Integration",
    "IntegrationKind", "IntegrationSecret", "Order", "OrderItem", "OrderStatus", "Packer",
    "Shipment", "SignInFailure", "Station", "User", "utcnow",
]

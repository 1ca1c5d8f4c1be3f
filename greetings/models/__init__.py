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
from .jobs import JobRun, SchedulerLease
from .outbound import OutboundAttempt, OutboundEndpoint, OutboundEvent
from .packing import GreetingText, Shipment, Station
from .people import ApiToken, Packer, User

__all__ = [
    "NAMING_CONVENTION", "ApiToken", "Base", "Delivery", "Feedback", "GreetingText", "Integration",
    "IntegrationKind", "IntegrationSecret", "JobRun", "Order", "OrderItem", "OrderStatus",
    "OutboundAttempt", "OutboundEndpoint", "OutboundEvent", "Packer", "SchedulerLease",
    "Shipment", "Station", "User", "utcnow",
]

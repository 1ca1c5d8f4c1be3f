"""The database models: typed SQLAlchemy 2 classes, one module per part of the product.

Everything is re-exported here, so `from greetings.models import Order` is the one way to
reach a model, and importing this package registers every table on `Base.metadata`.
"""

from .base import NAMING_CONVENTION, Base, dialect_insert, enum_column, utcnow
from .cards import Card
from .feedback import Feedback
from .intake import (
    Delivery,
    DeliveryOutcome,
    Integration,
    IntegrationKind,
    IntegrationSecret,
    Order,
    OrderItem,
    OrderStatus,
    RefusalTally,
)
from .jobs import JobRun, SchedulerLease
from .outbound import OutboundAttempt, OutboundEndpoint, OutboundEvent
from .packing import GreetingText, PrintMode, Shipment, Site, Station, station_integrations
from .people import ApiToken, Packer, Role, User
from .throttle import SignInFailure

__all__ = [
    "NAMING_CONVENTION", "ApiToken", "Base", "Card", "Delivery", "DeliveryOutcome", "Feedback",
    "GreetingText", "Integration", "IntegrationKind", "IntegrationSecret", "JobRun", "Order",
    "OrderItem", "OrderStatus", "OutboundAttempt", "OutboundEndpoint", "OutboundEvent", "Packer",
    "PrintMode", "RefusalTally", "Role", "SchedulerLease", "Shipment", "SignInFailure", "Site",
    "Station", "User", "dialect_insert", "enum_column", "station_integrations", "utcnow",
]

"""The database models: typed SQLAlchemy 2 classes, one module per part of the product.

Everything is re-exported here, so `from greetings.models import Order` is the one way to
reach a model, and importing this package registers every table on `Base.metadata`.
"""

from .base import NAMING_CONVENTION, Base, dialect_insert, enum_column, utcnow
from .brand import BRAND_ROW, BrandSettings
from .cards import Card
from .feedback import Feedback
from .insight import (
    FollowUp,
    FollowUpStatus,
    InsightChange,
    InsightDay,
    InsightRefresh,
    InsightWeek,
    Pin,
)
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
from .parked import ParkedApplication
from .people import (
    DEFAULT_SCOPES,
    ApiToken,
    ConsentRecord,
    ConsentVia,
    Packer,
    PackerLine,
    Role,
    User,
)
from .throttle import SignInFailure

__all__ = [
    "BRAND_ROW", "DEFAULT_SCOPES", "NAMING_CONVENTION", "ApiToken", "Base", "BrandSettings",
    "Card", "ConsentRecord", "ConsentVia", "Delivery", "DeliveryOutcome", "Feedback",
    "FollowUp", "FollowUpStatus", "GreetingText", "InsightChange", "InsightDay",
    "InsightRefresh", "InsightWeek",
    "Integration", "IntegrationKind", "IntegrationSecret", "JobRun", "Order", "OrderItem",
    "OrderStatus", "OutboundAttempt", "OutboundEndpoint", "OutboundEvent", "Packer", "PackerLine",
    "ParkedApplication", "Pin", "PrintMode", "RefusalTally", "Role", "SchedulerLease",
    "Shipment", "SignInFailure", "Site", "Station", "User", "dialect_insert", "enum_column",
    "station_integrations", "utcnow",
]

"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""
from .base import Base
from .catalog import Product, Variant
from .orders import Order, OrderLine
from .shop import OAuthState, Shop, ShopStatus
from .sync import FlowState, SyncRun
from .users import PERMISSIONS, ApiKey
from .inventory import AtpLevel, Facility, Location, PushedLevel
from .mappings import MappingValue, OmsValue
from .fulfillments import FulfillmentRequest, ReturnRequest
from .returns import ShopifyReturn
from .webhooks import ComplianceRequest, WebhookDelivery
from .reconciliation import ReconciliationReport
from .product_stores import PRODUCT_IDENTIFIERS, ProductStore
from .operators import ROLES, Operator, OperatorFavorite
from .audit import ACTOR_KINDS, AuditEntry

__all__ = ["Base", "Shop", "ShopStatus", "OAuthState", "ApiKey", "FlowState", "SyncRun", "WebhookDelivery", "ComplianceRequest"]

"""The tables of what the app does: every sync flow and every webhook topic.

A reader sees here, in one place, what runs and what answers Shopify's deliveries;
nothing registers itself by being imported. A new flow or topic is a row here (and,
for a topic, a subscription in shopify.app.toml: tests/unit/test_app_toml.py checks
that the two agree).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..models import FlowState
from ..shopify.access import AccessLevel
from . import app_webhooks, bulk, compliance_webhooks
from .flows import Flow
from .fulfillments.run import run_fulfillments
from .inventory import webhooks as inventory_webhooks
from .inventory.push import inventory_stats, run_inventory
from .locations import webhooks as location_webhooks
from .locations.run import run_locations
from .mappings.run import run_mapping_import
from .orders import webhooks as order_webhooks
from .orders.run import order_stats, run_orders
from .products import webhooks as product_webhooks
from .products.run import product_stats, run_products
from .returns import webhooks as return_webhooks

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (
    Flow("products", run_products, AccessLevel.READ, 15,
         "Products and variants, Shopify to OMS", stats=product_stats),
    Flow("orders", run_orders, AccessLevel.READ, 5,
         "Orders, Shopify to OMS (and its brokering queue)", stats=order_stats),
    Flow("inventory", run_inventory, AccessLevel.READ_WRITE, 15,
         "Sellable inventory, OMS to Shopify: only what changed", stats=inventory_stats),
    Flow("fulfillments", run_fulfillments, AccessLevel.READ_WRITE, 5,
         "Shipments (and returns as refunds when the shop uploads them), OMS to Shopify"),
    Flow("locations", run_locations, AccessLevel.READ, 60,
         "Shopify locations (the safety net behind the locations webhooks)"),
    Flow("mappings", run_mapping_import, AccessLevel.READ, 24 * 60,
         "Import the values to map (product types, channels, gateways, shipping rates)"),
)}


@dataclass(frozen=True)
class Batch:
    """How a burst of one topic's deliveries for one shop is applied at once
    (sync/webhook_batches.py): `apply(shop domain, payloads)` writes them without
    committing and returns the shop's id (None: nothing taken); `settle(shop id, started)`
    runs after the commit."""
    apply: Callable[[str, list[dict]], int | None]
    settle: Callable[[int, datetime], None] | None = None


@dataclass(frozen=True)
class Topic:
    handler: Callable[[str, dict], None]  # (shop domain, payload)
    # Deferred handlers ask Shopify for more (a refetch). Every delivery is now applied
    # by its task, off the request (sync/webhooks.py); the mark says which ones call Shopify.
    deferred: bool = False
    # Topics that come in bursts, applied many deliveries to a transaction.
    batch: Batch | None = None


# Every step of a return in Shopify (requested, approved, declined, canceled, closed,
# reopened, processed, updated) and its restocking (dispositions).
RETURN_TOPICS = ("returns/request", "returns/approve", "returns/decline", "returns/cancel", "returns/close",
                 "returns/reopen", "returns/process", "returns/update", "reverse_fulfillment_orders/dispose")

PRODUCT_BATCH = Batch(product_webhooks.products_changed, product_webhooks.settle_product_types)
ORDER_BATCH = Batch(order_webhooks.orders_changed, order_webhooks.settle_order_mappings)

TOPICS: dict[str, Topic] = {
    "app/uninstalled": Topic(app_webhooks.app_uninstalled),
    "app/scopes_update": Topic(app_webhooks.app_scopes_update),
    "customers/data_request": Topic(compliance_webhooks.customers_data_request),
    "customers/redact": Topic(compliance_webhooks.customers_redact),
    "shop/redact": Topic(compliance_webhooks.shop_redact),
    "bulk_operations/finish": Topic(bulk.bulk_operation_finished),
    "products/create": Topic(product_webhooks.product_changed, batch=PRODUCT_BATCH),
    "products/update": Topic(product_webhooks.product_changed, batch=PRODUCT_BATCH),
    "products/delete": Topic(product_webhooks.product_deleted),
    "orders/create": Topic(order_webhooks.order_changed, batch=ORDER_BATCH),
    "orders/updated": Topic(order_webhooks.order_changed, batch=ORDER_BATCH),
    "orders/cancelled": Topic(order_webhooks.order_changed, batch=ORDER_BATCH),
    "orders/edited": Topic(order_webhooks.order_edited, deferred=True),
    "refunds/create": Topic(order_webhooks.refund_created, deferred=True),
    **{topic: Topic(return_webhooks.return_changed, deferred=True) for topic in RETURN_TOPICS},
    "locations/create": Topic(location_webhooks.location_changed),
    "locations/update": Topic(location_webhooks.location_changed),
    "locations/delete": Topic(location_webhooks.location_deleted),
    "inventory_levels/update": Topic(inventory_webhooks.inventory_level_updated),
}


def default_interval(name: str) -> int:
    return FLOWS[name].default_interval_minutes


def interval_for(name: str, state: FlowState | None) -> int:
    """The shop's interval for a flow: its own setting, else the flow's default."""
    if state is not None and state.interval_minutes:
        return state.interval_minutes
    return default_interval(name)

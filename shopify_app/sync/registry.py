"""The tables of what the app does: every sync flow and every webhook topic.

A reader sees here, in one place, what runs and what answers Shopify's deliveries;
nothing registers itself by being imported. A new flow or topic is a row here (and,
for a topic, a subscription in shopify.app.toml: tests/unit/test_app_toml.py checks
that the two agree). A topic's row holds all the app knows of it: its handler, how it
is applied (deferred, batched), what its body holds, where the body names its shop and
its order, whether it waits while the shop is inactive, whether it is a compliance
topic. The modules that act on those facts read them here; the ones the handlers
reach (and so that this module imports) are handed them instead.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from ..models import FlowState
from ..shopify.access import AccessLevel
from . import bulk
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
from .webhooks import app_lifecycle
from .webhooks import compliance as compliance_webhooks

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (
    Flow("products", run_products, AccessLevel.READ, 15,
         "Products and variants, Shopify to OMS", stats=product_stats,
         blank_stats={"imported_24h": 0, "total": 0}, card=True),
    Flow("orders", run_orders, AccessLevel.READ, 5,
         "Orders, Shopify to OMS (and its brokering queue)", stats=order_stats,
         blank_stats={"imported_15m": 0, "total": 0}, card=True),
    Flow("inventory", run_inventory, AccessLevel.READ_WRITE, 15,
         "Sellable inventory, OMS to Shopify: only what changed", stats=inventory_stats,
         blank_stats={"last_pushed_at": None}, card=True),
    Flow("fulfillments", run_fulfillments, AccessLevel.READ_WRITE, 5,
         "Shipments (and returns as refunds when the shop uploads them), OMS to Shopify", card=True),
    Flow("locations", run_locations, AccessLevel.READ, 60,
         "Shopify locations (the safety net behind the locations webhooks)", card=True),
    Flow("mappings", run_mapping_import, AccessLevel.READ, 24 * 60,
         "Import the values to map (product types, channels, gateways, shipping rates)"),
)}


@dataclass(frozen=True)
class Batch:
    """How a burst of one topic's deliveries for one shop is applied at once
    (sync/webhooks/batches.py): `apply(shop domain, payloads)` writes them without
    committing and returns the shop's id (None: nothing taken); `settle(shop id, started)`
    runs after the commit."""
    apply: Callable[[str, list[dict]], int | None]
    settle: Callable[[int, datetime], None] | None = None


@dataclass(frozen=True)
class Topic:
    handler: Callable[[str, dict], None]  # (shop domain, payload)
    # Deferred handlers ask Shopify for more (a refetch). Every delivery is now applied
    # by its task, off the request (sync/webhooks/apply.py); the mark says which ones call Shopify.
    deferred: bool = False
    # Topics that come in bursts, applied many deliveries to a transaction.
    batch: Batch | None = None
    # What every real delivery's body holds, field -> its type(s) (see ../shared/shopify/webhooks/):
    # a body relabelled with another topic lacks them and is refused (sync/webhooks/shapes.py).
    # The fields the handler relies on; None: not checked.
    shape: Mapping[str, type | tuple[type, ...]] | None = None
    # Where the body names its shop: its domain fields and its shop id field, each compared
    # with the delivery's header (sync/webhooks/checks.py).
    shop_claims: tuple[tuple[str, ...], str | None] = ((), None)
    # Applied at once even for an inactive shop, not held (sync/shop_gate.py): it needs no
    # call to Shopify and cannot wait.
    applied_while_inactive: bool = False
    # A compliance topic: its handler deals with the customer's data itself, so no
    # redaction is applied again after it (sync/webhooks/apply.py).
    compliance: bool = False
    # Where the body holds the id of the order it is, or points at (a path of keys): a
    # redaction reaches the deliveries about the orders Shopify lists (sync/privacy_match.py).
    order_id_at: tuple[str, ...] | None = None


def order_id_at(topic: str) -> tuple[str, ...] | None:
    """`Topic.order_id_at` of `topic` (None for a topic not listed). Handed to the privacy
    code, which the handlers below reach and which so cannot import this table."""
    entry = TOPICS.get(topic)
    return entry.order_id_at if entry is not None else None


# Every step of a return in Shopify (requested, approved, declined, canceled, closed,
# reopened, processed, updated) and its restocking (dispositions).
RETURN_TOPICS = ("returns/request", "returns/approve", "returns/decline", "returns/cancel", "returns/close",
                 "returns/reopen", "returns/process", "returns/update", "reverse_fulfillment_orders/dispose")

PRODUCT_BATCH = Batch(product_webhooks.products_changed, product_webhooks.settle_product_types)
ORDER_BATCH = Batch(order_webhooks.orders_changed, order_webhooks.settle_order_mappings)

# The bodies' shapes. A REST id: an integer (a GID string is accepted too, as some topics send them).
ID = (int, str)
COMPLIANCE_BODY = {"shop_id": ID, "shop_domain": str}
PRODUCT_BODY = {"id": ID, "variants": list, "updated_at": str}
ORDER_BODY = {"id": ID, "admin_graphql_api_id": str}
RETURN_BODY = {"admin_graphql_api_id": str}  # the Return's (or reverse fulfillment order's) gid
LOCATION_BODY = {"id": ID}
# What every compliance topic's row says: its body names its shop by domain and id; it is
# applied while the shop is inactive (the law gives the merchant 30 days, whatever our
# operator switched off); its handler deals with the customer's data itself.
COMPLIANCE_ROW = {"shop_claims": (("shop_domain",), "shop_id"), "applied_while_inactive": True, "compliance": True}

TOPICS: dict[str, Topic] = {
    # The app's own lifecycle, applied while inactive: the shop is gone, or what it granted changed.
    # Shopify's own sample (what `shopify app webhook trigger` sends) has no myshopify_domain;
    # `domain` is the primary domain: compared only when it is a myshopify.com one.
    "app/uninstalled": Topic(app_lifecycle.app_uninstalled, shape={"id": ID},
                             shop_claims=(("myshopify_domain", "domain"), "id"), applied_while_inactive=True),
    "app/scopes_update": Topic(app_lifecycle.app_scopes_update, shape={"current": list},
                               shop_claims=((), "shop_id"), applied_while_inactive=True),
    "customers/data_request": Topic(compliance_webhooks.customers_data_request, **COMPLIANCE_ROW, shape={
        **COMPLIANCE_BODY, "customer": dict, "orders_requested": list}),
    # The redaction scrubs the ledger too, by every topic's `order_id_at`: handed over here.
    "customers/redact": Topic(partial(compliance_webhooks.customers_redact, order_id_at=order_id_at),
                              **COMPLIANCE_ROW, shape={**COMPLIANCE_BODY, "customer": dict, "orders_to_redact": list}),
    "shop/redact": Topic(compliance_webhooks.shop_redact, **COMPLIANCE_ROW, shape=COMPLIANCE_BODY),
    "bulk_operations/finish": Topic(bulk.bulk_operation_finished,
                                    shape={"admin_graphql_api_id": str, "status": str}),
    "products/create": Topic(product_webhooks.product_changed, batch=PRODUCT_BATCH, shape=PRODUCT_BODY),
    "products/update": Topic(product_webhooks.product_changed, batch=PRODUCT_BATCH, shape=PRODUCT_BODY),
    "products/delete": Topic(product_webhooks.product_deleted, shape={"id": ID}),
    "orders/create": Topic(order_webhooks.order_changed, batch=ORDER_BATCH, shape=ORDER_BODY, order_id_at=("id",)),
    "orders/updated": Topic(order_webhooks.order_changed, batch=ORDER_BATCH, shape=ORDER_BODY, order_id_at=("id",)),
    "orders/cancelled": Topic(order_webhooks.order_changed, batch=ORDER_BATCH, shape=ORDER_BODY,
                              order_id_at=("id",)),
    "orders/edited": Topic(order_webhooks.order_edited, deferred=True, shape={"order_edit": dict},
                           order_id_at=("order_edit", "order_id")),
    "refunds/create": Topic(order_webhooks.refund_created, deferred=True, shape={"id": ID, "order_id": ID},
                            order_id_at=("order_id",)),
    **{topic: Topic(return_webhooks.return_changed, deferred=True, shape=RETURN_BODY) for topic in RETURN_TOPICS},
    "locations/create": Topic(location_webhooks.location_changed, shape=LOCATION_BODY),
    "locations/update": Topic(location_webhooks.location_changed, shape=LOCATION_BODY),
    "locations/delete": Topic(location_webhooks.location_deleted, shape=LOCATION_BODY),
    "inventory_levels/update": Topic(inventory_webhooks.inventory_level_updated,
                                     shape={"inventory_item_id": ID, "location_id": ID}),
}


def default_interval(name: str) -> int:
    return FLOWS[name].default_interval_minutes


def interval_for(name: str, state: FlowState | None) -> int:
    """The shop's interval for a flow: its own setting, else the flow's default."""
    if state is not None and state.interval_minutes:
        return state.interval_minutes
    return default_interval(name)

"""Looking up in Shopify every value the merchant may want to map."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from ...extensions import db
from ...models import Shop
from ...shopify.graphql_client import GraphQLError
from ..connection import client_for, denied_as_not_permitted
from .catalogue import KINDS
from .values import connection_nodes, record_order_values, record_seen

log = logging.getLogger(__name__)

IMPORT_ORDER_DAYS = 60
IMPORT_MAX_ORDERS = 500
# Page sizes that keep each query under Shopify's single-query cost limit (1000).
ORDERS_PAGE = 50
PROFILES_PAGE = 3


def _pages(client, document: str, root: str, variables: dict, max_pages: int = 50):
    after = None
    for _ in range(max_pages):
        data = client.execute(document, {**variables, "after": after})
        connection = data[root]
        yield connection
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")


def import_mapping_values(shop: Shop, client=None, *, now: datetime | None = None,
                          errors: list[str] | None = None) -> dict[str, int]:
    """Query Shopify for every value the merchant may want to map; returns new values per kind.

    Product types (`productTypes`), sales channels (publications, and recent orders'
    source and app), payment gateways and shipping lines of recent orders, and the
    method definitions of the delivery profiles. A part Shopify refuses (a scope not
    granted) is logged, appended to `errors`, and skipped; the others still count.
    """
    client = client or client_for(shop)
    now = now or datetime.now(timezone.utc)
    added = {kind: 0 for kind in KINDS}

    def part(name, fn):
        try:
            fn()
        except GraphQLError as exc:
            log.warning("mapping import for %s: %s skipped: %s", shop.domain, name, exc)
            if errors is not None:
                errors.append(f"{name}: {exc}"[:500])
        # What a part found is committed before the next Shopify call: a write
        # transaction held across network calls would stall every other writer.
        db.session.commit()

    def product_types():
        for conn in _pages(client, "mapping_product_types", "productTypes", {"first": 250}):
            added["product_type"] += record_seen(shop, "product_type", connection_nodes(conn), source="productTypes")
            db.session.commit()

    def publications():
        names = []
        for conn in _pages(client, "mapping_publications", "publications", {"first": 50}):
            for node in connection_nodes(conn):
                catalog = node.get("catalog") or {}
                apps = connection_nodes(catalog.get("apps"))
                # The app's title is what orders carry as their app name (e.g. "Online Store").
                title = (apps[0].get("title") if apps else None) or catalog.get("title")
                if title:
                    names.append(title)
        added["sales_channel"] += record_seen(shop, "sales_channel", names, source="publications")

    def delivery_profiles():
        names = []
        for conn in _pages(client, "mapping_delivery_profiles", "deliveryProfiles", {"first": PROFILES_PAGE}):
            for profile in connection_nodes(conn):
                for group in profile.get("profileLocationGroups") or []:
                    for zone in connection_nodes(group.get("locationGroupZones")):
                        names.extend(m.get("name") for m in connection_nodes(zone.get("methodDefinitions")))
        added["shipping_method"] += record_seen(shop, "shipping_method", names, source="deliveryProfiles")

    def orders():
        since = (now - timedelta(days=IMPORT_ORDER_DAYS)).date().isoformat()
        for conn in _pages(client, "mapping_recent_orders", "orders",
                           {"first": ORDERS_PAGE, "query": f"created_at:>={since}"},
                           max_pages=IMPORT_MAX_ORDERS // ORDERS_PAGE):
            added.update(record_order_values(shop, connection_nodes(conn), added))
            db.session.commit()

    part("product types", product_types)
    part("publications", publications)
    part("delivery profiles", delivery_profiles)
    part("recent orders", orders)
    return added


@denied_as_not_permitted()
def import_values_now(shop: Shop, errors: list[str]) -> dict[str, int]:
    """`import_mapping_values` as the merchant's "Import" button asks it, with the shop's
    own client: NotPermitted where the mappings flow's run sees AccessDenied."""
    return import_mapping_values(shop, errors=errors)

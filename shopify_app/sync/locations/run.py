"""The `locations` flow: every location pulled from Shopify (periodically, and when the
merchant presses "import")."""
from __future__ import annotations

from ...extensions import db
from ...models import Shop
from ...shopify.access import AccessLevel
from ...shopify.graphql_client import GraphQLError
from ..connection import client_for, denied_as_not_permitted
from ..flows import RunContext
from .store import ensure_default, find_location, locations_of, mark_deleted, upsert_location


class LocationsUnavailable(Exception):
    """Shopify did not answer the locations query (it kept failing past the client's retries)."""


def import_locations(shop: Shop, client) -> dict:
    """Pull every location from Shopify. Returns counts; locations gone from Shopify are marked deleted."""
    seen: set[str] = set()
    after = None
    created = updated = 0
    while True:
        data = client.execute("locations_list", {"first": 100, "after": after})
        conn = data.get("locations") or {}
        for node in conn.get("nodes") or []:
            existed = find_location(shop.id, node["id"]) is not None
            upsert_location(shop, node)
            seen.add(node["id"])
            if existed:
                updated += 1
            else:
                created += 1
        db.session.commit()  # one transaction a page, never held across the next call
        page = conn.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            break
        after = page.get("endCursor")
    removed = 0
    for loc in locations_of(shop.id):
        if loc.shopify_id not in seen:
            mark_deleted(loc)
            removed += 1
    ensure_default(shop.id)
    db.session.commit()
    return {"created": created, "updated": updated, "deleted": removed}


def run_locations(ctx: RunContext) -> None:
    """Pull Shopify locations (the safety net behind the locations webhooks)."""
    counts = import_locations(ctx.shop, ctx.client)
    for key, n in counts.items():
        ctx.count(key, n)


@denied_as_not_permitted()
def import_now(shop: Shop) -> dict:
    """Import the shop's locations now (the merchant's "import" button). Raises
    LocationsUnavailable when Shopify does not answer; NotPermitted (AccessDenied as
    client_for raises it) and NeedsReauthentication."""
    client = client_for(shop, min_level=AccessLevel.READ)
    try:
        return import_locations(shop, client)
    except GraphQLError as exc:
        raise LocationsUnavailable(str(exc)) from exc

"""`locations/create|update|delete` webhooks: applied at once; a pull is queued for what
the REST payload does not say."""
from __future__ import annotations

from ...extensions import db
from ...models import Location, Shop
from ...shopify.gids import gid_of, number_of
from ..run_queue import queue_run
from ..shop import find_shop
from .normalize import address_from_rest
from .store import ensure_default, find_location, keep_facility_in_step, mark_deleted


def apply_rest_location(shop: Shop, payload: dict) -> Location | None:
    gid = gid_of("Location", payload.get("admin_graphql_api_id") or payload.get("id"))
    if gid is None:
        return None
    loc = find_location(shop.id, gid)
    created = loc is None
    if created:
        loc = Location(shop_id=shop.id, shopify_id=gid, fulfills_online_orders=False, pos=False, is_default=False,
                       address={}, active=True, deleted=False)
    loc.legacy_id = number_of(gid)
    loc.name = payload.get("name") or loc.name or ""
    loc.address = address_from_rest(payload)
    if payload.get("active") is not None:
        loc.active = bool(payload.get("active"))
    loc.deleted = False
    if not loc.active and loc.is_default:
        loc.is_default = False
    if created:
        db.session.add(loc)
    keep_facility_in_step(loc)
    # The REST payload does not say whether it fulfils online orders: a pull, queued now, will.
    queue_run(shop.id, "locations", "webhook")
    return loc


def location_changed(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None:
        return
    apply_rest_location(shop, payload)
    ensure_default(shop.id)
    db.session.commit()


def location_deleted(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None:
        return
    gid = gid_of("Location", payload.get("admin_graphql_api_id") or payload.get("id"))
    loc = find_location(shop.id, gid) if gid else None
    if loc is not None:
        mark_deleted(loc)
        ensure_default(shop.id)
    db.session.commit()

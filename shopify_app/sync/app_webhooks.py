"""The app's own lifecycle topics: `app/uninstalled` (applied only when Shopify no longer
takes the shop's token) and `app/scopes_update` (the access level follows the scopes)."""
from __future__ import annotations

from ..extensions import db
from ..models import ShopStatus
from .installation import token_still_works
from .shop import find_shop, mark_uninstalled, update_scopes
from .webhook_checks import Rejected


def app_uninstalled(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None or shop.status == ShopStatus.UNINSTALLED.value:
        return
    db.session.commit()  # no transaction held across the call to Shopify
    if token_still_works(shop):  # raises when Shopify cannot say: retried from the ledger
        db.session.commit()  # keeps the shop id Shopify answered with
        raise Rejected("Shopify still accepts the shop's token: the app is installed, the shop is kept")
    mark_uninstalled(shop)
    db.session.commit()


def app_scopes_update(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    current = payload.get("current")
    if shop is None or not isinstance(current, list):
        return
    update_scopes(shop, [str(s) for s in current])
    db.session.commit()

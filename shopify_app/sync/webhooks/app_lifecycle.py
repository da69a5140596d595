"""The app's own lifecycle topics: `app/uninstalled` (applied only when Shopify no longer
takes the shop's token) and `app/scopes_update` (the access level follows the scopes).

The token is asked whatever the shop's status: an inactive shop too (the one question
it is asked, sync/shop_gate.py), since a delivery's own checks (signed by Shopify, its
body naming this shop, triggered within Shopify's retry window: sync/webhooks/checks.py)
do not show that Shopify's state agrees, and an uninstall leads to shop/redact erasing
everything. A shop holding no token has nothing to ask with: applied on those checks.
An inactive shop's deliveries kept for its activation are dropped with it."""
from __future__ import annotations

from sqlalchemy import null, update

from ...extensions import db
from ...models import ShopStatus, WebhookDelivery
from ..still_installed import token_still_works
from ..shop import find_shop, mark_uninstalled, update_scopes
from ..shop_gate import HELD, is_inactive
from .rejected import Rejected

DROPPED_NOTE = "not applied: the app was uninstalled while the shop was inactive"


def app_uninstalled(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None or shop.status == ShopStatus.UNINSTALLED.value:
        return
    db.session.commit()  # no transaction held across the call to Shopify
    if token_still_works(shop):  # raises when Shopify cannot say: retried from the ledger
        db.session.commit()  # keeps the shop id Shopify answered with
        raise Rejected("Shopify still accepts the shop's token: the app is installed, the shop is kept")
    if is_inactive(shop):
        drop_held(shop_domain)
    mark_uninstalled(shop)
    db.session.commit()


def drop_held(shop_domain: str) -> int:
    """The deliveries kept for an inactive shop that uninstalled: never applied, their
    personal data erased now (shop/redact follows for the rest)."""
    return db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.shop_domain == shop_domain, WebhookDelivery.status == HELD)
        .values(status="ignored", payload=null(), error=DROPPED_NOTE)  # SQL NULL, not JSON null
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def app_scopes_update(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    current = payload.get("current")
    if shop is None or not isinstance(current, list):
        return
    update_scopes(shop, [str(s) for s in current])
    db.session.commit()

"""The app's own lifecycle topics: `app/uninstalled` (applied only when Shopify no longer
takes the shop's token) and `app/scopes_update` (the access level follows the scopes).

An inactive shop is asked nothing, not even whether its token still works: its
`app/uninstalled` is applied on the delivery's own checks (signed by Shopify, its body
naming this shop by domain and Shopify id, triggered within Shopify's retry window:
sync/webhook_checks.py). Waiting for an activation instead would keep a gone shop's
data past its shop/redact, which applies only to an uninstalled shop. Were the delivery
somehow not genuine, the merchant opening the app reconnects it (token exchange)."""
from __future__ import annotations

from sqlalchemy import null, update

from ..extensions import db
from ..models import ShopStatus, WebhookDelivery
from .installation import token_still_works
from .shop import find_shop, mark_uninstalled, update_scopes
from .shop_gate import HELD, is_inactive
from .rejected import Rejected

DROPPED_NOTE = "not applied: the app was uninstalled while the shop was inactive"


def app_uninstalled(shop_domain: str, payload: dict) -> None:
    shop = find_shop(shop_domain)
    if shop is None or shop.status == ShopStatus.UNINSTALLED.value:
        return
    if is_inactive(shop):
        mark_uninstalled(shop)
        drop_held(shop_domain)
        db.session.commit()
        return
    db.session.commit()  # no transaction held across the call to Shopify
    if token_still_works(shop):  # raises when Shopify cannot say: retried from the ledger
        db.session.commit()  # keeps the shop id Shopify answered with
        raise Rejected("Shopify still accepts the shop's token: the app is installed, the shop is kept")
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

"""Customer privacy for returns read from Shopify: the notes a customer wrote on the
lines of their returns are theirs. Listed in `RECORD_KEEPERS` of `sync/privacy.py` as
"order_returns": the keepers run in name order, and this one must find the customer's
orders before the "orders" keeper erases who the customer was."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import ShopifyReturn
from ..orders.privacy import orders_of_customer
from ..privacy_match import CustomerRef


def _returns_of(ref: CustomerRef) -> list[ShopifyReturn]:
    orders = orders_of_customer(ref)
    if not orders:
        return []
    return list(db.session.execute(select(ShopifyReturn).where(
        ShopifyReturn.shop_id == ref.shop.id, ShopifyReturn.order_shopify_id.in_(orders))).scalars())


def export_customer(ref: CustomerRef) -> list[dict]:
    return [{"return_id": r.shopify_id, "order_id": r.order_shopify_id,
             "customer_notes": [l.get("customer_note") for l in r.lines or [] if l.get("customer_note")]}
            for r in _returns_of(ref)]


def redact_customer(ref: CustomerRef) -> int:
    redacted = 0
    for r in _returns_of(ref):
        if any(l.get("customer_note") for l in r.lines or []):
            r.lines = [{**l, "customer_note": None} for l in r.lines]
            redacted += 1
    return redacted

"""Customer privacy for orders: what a customer data request exports from the orders
we hold, and what a redaction erases. Listed in `RECORD_KEEPERS` of `sync/privacy.py`."""
from __future__ import annotations

from sqlalchemy import and_, or_, select, update

from ...extensions import db
from ...models import Order
from ...shopify.gids import gid
from ..privacy_match import CustomerRef


def _customer_clause(ref: CustomerRef):
    conds = []
    if ref.customer_id:
        conds.append(Order.customer_id == gid("Customer", ref.customer_id))
    if ref.email:
        conds.append(Order.email == ref.email)
    if ref.order_ids:
        conds.append(Order.shopify_id.in_([gid("Order", o) for o in ref.order_ids]))
    return and_(Order.shop_id == ref.shop.id, or_(*conds)) if conds else None


def export_customer(ref: CustomerRef) -> list[dict]:
    clause = _customer_clause(ref)
    if clause is None or ref.shop is None:
        return []
    return [{"order_id": o.shopify_id, "name": o.name, "email": o.email, "phone": o.phone, "customer": o.customer,
             "shipping_address": o.shipping_address, "billing_address": o.billing_address}
            for o in db.session.execute(select(Order).where(clause)).scalars()]


def redact_customer(ref: CustomerRef) -> int:
    clause = _customer_clause(ref)
    if clause is None or ref.shop is None:
        return 0
    return db.session.execute(update(Order).where(clause).values(
        email=None, phone=None, customer=None, customer_id=None, shipping_address=None, billing_address=None)
        .execution_options(synchronize_session=False)).rowcount or 0



def orders_of_customer(ref: CustomerRef) -> list[str]:
    """The gids of the customer's orders we hold (for the tables that hang off orders)."""
    clause = _customer_clause(ref)
    if clause is None or ref.shop is None:
        return []
    return list(db.session.execute(select(Order.shopify_id).where(clause)).scalars())

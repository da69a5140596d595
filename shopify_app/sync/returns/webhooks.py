"""The returns webhook topics (`returns/request|approve|decline|cancel|close|reopen|
process|update`, `reverse_fulfillment_orders/dispose`): each refetches the return's
whole order (its payload is partial: no exchange lines, no restocking, no refunds), so
a return is always written with its order's version and the newest one wins, whatever
order deliveries and pulls land in. They ride on the orders flow: nothing comes in for
a shop whose orders flow takes nothing."""
from __future__ import annotations

from ...extensions import db
from ...shopify.gids import gid
from ..orders.run import FLOW, refetch
from ..shop import shop_taking
from .write import order_of_return


def order_named(payload: dict) -> str | None:
    """The order gid a returns delivery names, in any of the shapes Shopify sends."""
    order = payload.get("order")
    if isinstance(order, dict):
        if order.get("admin_graphql_api_id"):
            return order["admin_graphql_api_id"]
        if order.get("id") is not None:
            return gid("Order", order["id"])
    if payload.get("order_id") is not None:
        return gid("Order", payload["order_id"])
    return None


def return_changed(shop_domain: str, payload: dict) -> None:
    shop = shop_taking(shop_domain, FLOW)
    if shop is None:
        return
    order_gid = order_named(payload) or order_of_return(shop.id, [payload.get("admin_graphql_api_id")])
    if order_gid is None:
        return  # a return of an order we never held: the pull brings it if the order is wanted
    refetch(shop, order_gid)
    db.session.commit()

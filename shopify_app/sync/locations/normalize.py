"""A Shopify location's fields as we store them, from a GraphQL node or a webhook's
REST payload (pure)."""
from __future__ import annotations


def is_pos(node: dict) -> bool:
    """A store: not a fulfilment service's location and not fulfilling online orders."""
    return not node.get("isFulfillmentService") and not node.get("fulfillsOnlineOrders")


def address_from_node(address: dict | None) -> dict:
    a = address or {}
    keys = ("address1", "address2", "city", "province", "provinceCode", "zip", "country", "countryCode", "phone")
    return {k: a.get(k) for k in keys}


def address_from_rest(payload: dict) -> dict:
    return {
        "address1": payload.get("address1"),
        "address2": payload.get("address2"),
        "city": payload.get("city"),
        "province": payload.get("province"),
        "provinceCode": payload.get("province_code"),
        "zip": payload.get("zip"),
        "country": payload.get("country_name") or payload.get("country"),
        "countryCode": payload.get("country_code"),
        "phone": payload.get("phone"),
    }

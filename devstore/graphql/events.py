"""Webhook payloads for store changes, built by devstore.payloads (the admin helper's),
with minimal fallbacks so the store keeps working if a builder is missing."""
from __future__ import annotations

import logging

from devstore import payloads
from devstore.store import gid_num

log = logging.getLogger("devstore")


def _call(name, *args, fallback=None):
    try:
        fn = getattr(payloads, name)
    except AttributeError:
        return fallback() if fallback else {}
    try:
        return fn(*args)
    except Exception:
        log.exception("payload builder %s failed", name)
        return fallback() if fallback else {}


def product_payload(p):
    return _call("product_payload", p, fallback=lambda: {"id": gid_num(p["id"]), "admin_graphql_api_id": p["id"],
                                                        "title": p.get("title")})


def product_delete_payload(p):
    return _call("product_delete_payload", p, fallback=lambda: {"id": gid_num(p["id"])})


def location_delete_payload(loc):
    return _call("location_delete_payload", loc, fallback=lambda: {"id": gid_num(loc["id"])})


def order_payload(o):
    return _call("order_payload", o, fallback=lambda: {"id": gid_num(o["id"]), "admin_graphql_api_id": o["id"],
                                                      "name": o.get("name")})


def order_edited_payload(o, edit=None):
    try:
        if hasattr(payloads, "order_edit_payload"):
            return payloads.order_edit_payload(o, edit) if edit is not None else payloads.order_edit_payload(o)
    except Exception:
        log.exception("order_edit_payload failed")
    return {"order_edit": {"id": gid_num(o["id"]) + 1, "app_id": None, "created_at": o.get("updatedAt"),
                           "notify_customer": False, "order_id": gid_num(o["id"]), "staff_note": "",
                           "user_id": None, "line_items": {"additions": [], "removals": []},
                           "discounts": {"line_item": {"additions": [], "removals": []}},
                           "shipping_lines": {"additions": [], "removals": []}}}


def refund_payload(r, o):
    return _call("refund_payload", r, o, fallback=lambda: {"id": gid_num(r["id"]), "order_id": gid_num(o["id"]),
                                                          "admin_graphql_api_id": r["id"]})


def location_payload(loc):
    return _call("location_payload", loc, fallback=lambda: {"id": gid_num(loc["id"]), "name": loc.get("name"),
                                                           "admin_graphql_api_id": loc["id"]})


def inventory_level_payload(level, item):
    return _call("inventory_level_payload", level, item, fallback=lambda: {
        "inventory_item_id": gid_num(item["id"]), "location_id": gid_num(level["location"]["id"]),
        "available": level["quantities"].get("available"), "updated_at": level.get("updatedAt"),
        "admin_graphql_api_id": level["id"]})


def fulfillment_payload(f, o):
    def fb():
        return {"id": gid_num(f["id"]), "order_id": gid_num(o["id"]), "status": "success",
                "tracking_company": (f.get("trackingInfo") or [{}])[0].get("company") if f.get("trackingInfo") else None,
                "admin_graphql_api_id": f["id"]}
    try:
        if hasattr(payloads, "fulfillment_payload"):
            return payloads.fulfillment_payload(f, o)
    except Exception:
        log.exception("fulfillment_payload failed")
    return fb()


def app_uninstalled_payload(st):
    return _call("app_uninstalled_payload", st.shop, fallback=lambda: {
        "id": gid_num(st.shop.get("id", "0")), "name": st.shop.get("name"), "domain": st.domain,
        "myshopify_domain": st.domain})


def bulk_finish_payload(op):
    return _call("bulk_operation_finish_payload", op, fallback=lambda: {
        "admin_graphql_api_id": op["id"], "completed_at": op.get("completedAt"), "created_at": op.get("createdAt"),
        "error_code": (op.get("errorCode") or "").lower() or None, "status": op["status"].lower(),
        "type": op.get("type", "QUERY").lower()})


def return_payload(ret, o):
    return _call("return_payload", ret, o, fallback=lambda: {"id": gid_num(ret["id"]), "admin_graphql_api_id": ret["id"],
                                                             "order_id": gid_num(o["id"])})


def disposal_payload(rfo, ret, o):
    return _call("disposal_payload", rfo, ret, o, fallback=lambda: {
        "id": gid_num(rfo["id"]), "admin_graphql_api_id": rfo["id"], "order_id": gid_num(o["id"])})

"""A Shopify return as a `ShopifyReturn` row: pure, no I/O.

Returns come only as GraphQL nodes (the order documents' `returns`, whole through
`ReturnFields`, or in the bulk download's JSONL as `ReturnSummaryFields`: status and
dates, no lines). A row from a summary lacks `lines`, `exchange_lines`,
`reverse_fulfillment_orders` and `refunds`, so the writer keeps the stored ones.
Rows carry no `shop_id` (the writer stamps it).
"""
from __future__ import annotations

from datetime import datetime

from ...shopify.times import parse_time

# Shopify's ReturnStatus values, as the OMS API shows them
STATUSES = ("requested", "open", "closed", "declined", "canceled")
RESTOCKED = "RESTOCKED"


def _nodes(conn) -> list[dict]:
    return (conn or {}).get("nodes") or [e.get("node") for e in (conn or {}).get("edges") or []]


def _line_item_of(node: dict) -> str | None:
    return (((node.get("fulfillmentLineItem") or {}).get("lineItem")) or {}).get("id")


def return_line(node: dict) -> dict:
    return {"id": node.get("id"), "line_item_id": _line_item_of(node), "quantity": node.get("quantity"),
            "reason": ((node.get("returnReasonDefinition") or {}).get("handle")) or node.get("returnReason"),
            "reason_note": node.get("returnReasonNote") or None, "customer_note": node.get("customerNote"),
            "processed_quantity": node.get("processedQuantity"), "refunded_quantity": node.get("refundedQuantity")}


def exchange_line(node: dict) -> dict:
    return {"id": node.get("id"), "variant_id": node.get("variantId"), "sku": node.get("variantSku"),
            "title": node.get("title"), "variant_title": node.get("variantTitle"), "quantity": node.get("quantity"),
            "processed_quantity": node.get("processedQuantity")}


def reverse_fulfillment_order(node: dict) -> dict:
    lines = []
    for li in _nodes(node.get("lineItems")):
        dispositions = [{"type": d.get("type"), "quantity": d.get("quantity")} for d in li.get("dispositions") or []]
        restocked = sum(d["quantity"] or 0 for d in dispositions if d["type"] == RESTOCKED)
        lines.append({"id": li.get("id"), "line_item_id": _line_item_of(li), "quantity": li.get("totalQuantity"),
                      "restocked": restocked,
                      "not_restocked": sum(d["quantity"] or 0 for d in dispositions if d["type"] != RESTOCKED),
                      "dispositions": dispositions})
    return {"id": node.get("id"), "status": (node.get("status") or "").lower() or None, "lines": lines}


def return_from_node(node: dict, order_gid: str, version: datetime | None, order_refunds: list[dict] | None) -> dict:
    """The row of a return node; the detail columns only when the node lists them.
    `order_refunds`: the order's refund rows (orders/normalize.py), of which those the
    return names are tied to it."""
    decline = node.get("decline")
    row = {
        "shopify_id": node["id"], "order_shopify_id": order_gid, "name": node.get("name"),
        "status": (node.get("status") or "").lower(), "total_quantity": node.get("totalQuantity"),
        "decline": {"reason": decline.get("reason"), "note": decline.get("note")} if decline else None,
        "requested_at": parse_time(node.get("createdAt")), "approved_at": parse_time(node.get("requestApprovedAt")),
        "closed_at": parse_time(node.get("closedAt")), "order_updated_at": version,
    }
    if "returnLineItems" in node:
        row["lines"] = [return_line(n) for n in _nodes(node["returnLineItems"])]
    if "exchangeLineItems" in node:
        row["exchange_lines"] = [exchange_line(n) for n in _nodes(node["exchangeLineItems"])]
    if "reverseFulfillmentOrders" in node:
        row["reverse_fulfillment_orders"] = [reverse_fulfillment_order(n)
                                             for n in _nodes(node["reverseFulfillmentOrders"])]
    if "refunds" in node:
        ids = {r.get("id") for r in _nodes(node["refunds"])}
        row["refunds"] = [r for r in order_refunds or [] if r["id"] in ids or r.get("return_id") == node["id"]]
    return row


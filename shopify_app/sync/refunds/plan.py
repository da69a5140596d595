"""A return as Shopify's `refundCreate` input, against the order as Shopify has it now,
and recognising a refund already made for it (pure)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..oms_requests.checks import resolve_lines


def marker(external_id: str) -> str:
    return f"[OMS return {external_id}]"


def _shop_amount(bag) -> Decimal:
    try:
        return Decimal(str(((bag or {}).get("shopMoney") or {}).get("amount") or "0"))
    except InvalidOperation:
        return Decimal(0)


def refund_input(clean: dict, order: dict) -> tuple[dict | None, list[dict]]:
    """The `refundCreate` input for a return against the order as Shopify has it now."""
    order_lines = (order.get("lineItems") or {}).get("nodes") or []
    wanted, errors = resolve_lines(clean.get("lines") or [], order_lines)
    if errors:
        return None, errors
    by_id = {li["id"]: li for li in order_lines}
    refund_lines = []
    lines_total = Decimal(0)
    for want in wanted:
        li = by_id[want["line_item_id"]]
        refundable = li.get("refundableQuantity")
        if refundable is not None and want["quantity"] > int(refundable):
            errors.append({"field": ["lines"], "message": f"line item {li['id']} has only {refundable} refundable"})
            continue
        line = {"lineItemId": li["id"], "quantity": want["quantity"], "restockType": clean.get("restock_type") or "NO_RESTOCK"}
        if clean.get("location_id") and line["restockType"] != "NO_RESTOCK":
            line["locationId"] = clean["location_id"]
        refund_lines.append(line)
        lines_total += _shop_amount(li.get("discountedUnitPriceSet")) * want["quantity"]
    if errors:
        return None, errors
    amount = Decimal(clean["amount"]) if clean.get("amount") is not None else lines_total
    transactions = []
    txs = order.get("transactions") or []
    parents = [t for t in txs if t.get("status") == "SUCCESS" and t.get("kind") in ("SALE", "CAPTURE")]
    refunded = sum((_shop_amount(t.get("amountSet")) for t in txs
                    if t.get("status") == "SUCCESS" and t.get("kind") == "REFUND"), Decimal(0))
    left = amount
    available = sum((_shop_amount(p.get("amountSet")) for p in parents), Decimal(0)) - refunded
    if left > available:
        left = max(available, Decimal(0))
    for parent in parents:
        if left <= 0:
            break
        take = min(left, _shop_amount(parent.get("amountSet")))
        if take <= 0:
            continue
        transactions.append({"orderId": order["id"], "parentId": parent["id"], "gateway": parent.get("gateway") or "manual",
                             "kind": "REFUND", "amount": format(take.quantize(Decimal("0.01")), "f")})
        left -= take
    note = " ".join(x for x in (clean.get("note"), clean.get("reason") and f"Reason: {clean['reason']}",
                                marker(clean["external_id"])) if x)
    return {
        "orderId": order["id"],
        "note": note,
        "notify": bool(clean.get("notify_customer")),
        "refundLineItems": refund_lines,
        "transactions": transactions,
    }, []


def find_existing_refund(external_id: str, refunds: list[dict]) -> str | None:
    tag = marker(external_id)
    for r in refunds or []:
        if tag in (r.get("note") or ""):
            return r["id"]
    return None

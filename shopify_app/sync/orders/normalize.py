"""A Shopify order as our rows: pure, no I/O.

An order arrives in one of two shapes: a GraphQL node (pages, one-order fetches, bulk
JSONL objects) or a webhook's REST payload (`orders/create|updated|cancelled`). Each
shape has its reader here (`*_from_node`, `*_from_rest`); both hand their values to
the same row builders (`_order_row`, `_line_row`, `_ship_line`), so the columns and
what goes in them are written once. Nothing else reshapes an order.

Rows carry no `shop_id` (the writer stamps it) and no mapped values (the mapper adds
those: `mapper.mapped_fields`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from ...shopify.gids import gid
from ...shopify.times import parse_time
from ..returns.normalize import return_from_node


@dataclass
class OrderRows:
    """One order as rows: its Order row and its OrderLine rows. `order` holds
    `shipping_lines` / `fulfillment_orders` only when the source listed them;
    `whole`: the source lists every line, so stored lines it lacks were removed."""

    order: dict
    lines: list[dict]
    whole: bool
    # the order's returns as ShopifyReturn rows (sync/returns/normalize.py), None when the
    # source does not list them (REST order payloads: the stored ones stay)
    returns: list[dict] | None = None


# --- shared by both shapes ---------------------------------------------------------------

def amount(value) -> str | None:
    """A money value as text: a GraphQL MoneyBag (its `shopMoney`), a money object
    (`amount`) or a REST price (a plain number or string)."""
    if isinstance(value, dict):
        money = value.get("shopMoney") or value
        number = money.get("amount") if isinstance(money, dict) else None
        return None if number is None else str(number)
    return None if value is None else str(value)


def address(a: dict | None) -> dict | None:
    """A mailing address, from GraphQL (camelCase) or REST (snake_case) keys."""
    if not a:
        return None
    return {
        "name": a.get("name"), "first_name": a.get("firstName", a.get("first_name")),
        "last_name": a.get("lastName", a.get("last_name")), "company": a.get("company"),
        "address1": a.get("address1"), "address2": a.get("address2"), "city": a.get("city"),
        "province": a.get("province"), "province_code": a.get("provinceCode", a.get("province_code")),
        "zip": a.get("zip"), "country": a.get("country"),
        "country_code": a.get("countryCodeV2", a.get("country_code")), "phone": a.get("phone"),
    }


def tax_lines(lines) -> list[dict]:
    """Tax lines; GraphQL names the amount `priceSet`, REST `price`."""
    return [{"title": t.get("title"), "rate": t.get("rate"), "amount": amount(t.get("priceSet", t.get("price")))}
            for t in lines or []]


def _optional_gid(kind: str, number) -> str | None:
    return None if number is None else gid(kind, number)


def _customer(customer_id, first_name, last_name, email, phone) -> dict:
    return {"id": customer_id, "first_name": first_name, "last_name": last_name, "email": email, "phone": phone}


def _refund(refund_id, created_at, note, refunded, return_id=None, lines: list[dict] | None = None) -> dict:
    """One refund of the order; `lines`: [{line_item_id, quantity, amount, restocked}],
    None when the source does not list them (the bulk download)."""
    return {"id": refund_id, "created_at": created_at, "note": note, "amount": refunded, "return_id": return_id,
            "lines": lines}


def _refund_line(line_item_id: str | None, quantity, refunded, restocked) -> dict:
    return {"line_item_id": line_item_id, "quantity": int(quantity or 0), "amount": refunded,
            "restocked": bool(restocked)}


def refunded_by_line(refunds: list[dict]) -> dict[str, int] | None:
    """Quantities refunded per line item gid, summed over the order's refunds (either
    shape, once normalised); None when a refund does not list its lines."""
    out: dict[str, int] = {}
    for r in refunds:
        if r["lines"] is None:
            return None
        for rl in r["lines"]:
            if rl["line_item_id"]:
                out[rl["line_item_id"]] = out.get(rl["line_item_id"], 0) + rl["quantity"]
    return out


def refund_from_node(r: dict) -> dict:
    conn = r.get("refundLineItems")
    lines = None if conn is None else [
        _refund_line((rl.get("lineItem") or {}).get("id"), rl.get("quantity"), amount(rl.get("subtotalSet")),
                     rl.get("restocked")) for rl in conn.get("nodes") or []]
    return _refund(r.get("id"), r.get("createdAt"), r.get("note"), amount(r.get("totalRefundedSet")),
                   (r.get("return") or {}).get("id"), lines)


def refund_from_rest(r: dict, line_gids: dict[str, str] | None = None) -> dict:
    """`line_gids`: the payload's line ids -> their GIDs (a REST id and its
    `admin_graphql_api_id` need not share digits: Shopify's own samples differ)."""
    line_gids = line_gids or {}
    lines = []
    for rl in r.get("refund_line_items") or []:
        line_id = rl.get("line_item_id")
        subtotal = (rl.get("subtotal_set") or {}).get("shop_money") or rl.get("subtotal")
        lines.append(_refund_line(line_gids.get(str(line_id)) or _optional_gid("LineItem", line_id), rl.get("quantity"),
                                  amount(subtotal), rl.get("restock_type") not in (None, "no_restock")))
    return _refund(r.get("admin_graphql_api_id") or _optional_gid("Refund", r.get("id")), r.get("created_at"),
                   r.get("note"), _rest_refund_total(r), (r.get("return") or {}).get("admin_graphql_api_id"), lines)


def _rest_refund_total(r: dict) -> str | None:
    """A REST refund's amount: the sum of its successful refund transactions."""
    amounts = [Decimal(str(t["amount"])) for t in r.get("transactions") or []
               if (t.get("kind") or "refund") == "refund" and t.get("status", "success") == "success"
               and t.get("amount") is not None]
    return str(sum(amounts, Decimal("0")).quantize(Decimal("0.01"))) if amounts else None


def _ship_line(line_id, title, code, source, carrier, price, removed) -> dict:
    return {"id": line_id, "title": title, "code": code, "source": source, "carrier": carrier,
            "price": price, "removed": bool(removed)}


def _order_row(*, shopify_id: str, name, email, phone, customer: dict | None, shipping_address, billing_address,
               payment_gateways: list, source_name, channel, discount_codes: list, taxes: list, totals: dict,
               currency, financial_status, fulfillment_status, refunds: list, cancelled_at, cancel_reason, closed,
               processed_at, created_at, updated_at, return_status=None,
               ship_lines: list[dict] | None, fulfillment_orders: list[dict] | None) -> dict:
    row = {
        "shopify_id": shopify_id,
        "name": name,
        "email": email,
        "phone": phone,
        "customer_id": customer["id"] if customer else None,
        "customer": customer,
        "shipping_address": address(shipping_address),
        "billing_address": address(billing_address),
        "payment_gateways": payment_gateways,
        "source_name": source_name,
        "channel": channel,
        "discounts": [{"code": c} for c in discount_codes],
        "tax_lines": taxes,
        "totals": totals,
        "currency": currency,
        "financial_status": financial_status,
        "fulfillment_status": fulfillment_status,
        "refunds": refunds,
        "cancelled_at": parse_time(cancelled_at),
        "cancel_reason": cancel_reason,
        "closed": closed,
        "processed_at": parse_time(processed_at),
        "shopify_created_at": parse_time(created_at),
        "shopify_updated_at": parse_time(updated_at),
        # a new order enters the brokering queue (the writer keeps these once the OMS owns them)
        "broker_status": "queued",
        "queued_at": datetime.now(timezone.utc),
    }
    if return_status:
        row["totals"]["return_status"] = return_status
    if ship_lines is not None:
        row["shipping_lines"] = ship_lines
    if fulfillment_orders is not None:
        row["fulfillment_orders"] = fulfillment_orders
    return row


def _totals(subtotal, total, current_total, tax, discounts, shipping, refunded) -> dict:
    return {"subtotal": subtotal, "total": total, "current_total": current_total, "tax": tax,
            "discounts": discounts, "shipping": shipping, "refunded": refunded}


def _line_row(*, shopify_id: str, order_gid: str, version: datetime | None, product_id, variant_id, sku, title,
              variant_title, quantity, current_quantity, unfulfilled_quantity, refunded_quantity, price,
              discounted_total, discount_amounts: list, taxes: list, requires_shipping) -> dict:
    return {
        "shopify_id": shopify_id,
        "order_shopify_id": order_gid,
        "product_shopify_id": product_id,
        "variant_shopify_id": variant_id,
        "sku": sku or None,
        "title": title,
        "variant_title": variant_title,
        "quantity": quantity,
        "current_quantity": current_quantity,
        "fulfillable_quantity": unfulfilled_quantity,
        "unfulfilled_quantity": unfulfilled_quantity,
        "refunded_quantity": refunded_quantity,
        "price": price,
        "discounted_total": discounted_total,
        "discounts": [{"amount": a} for a in discount_amounts],
        "tax_lines": taxes,
        "requires_shipping": requires_shipping,
        "placeholder_product": False,  # decided by the writer against the catalog
        "removed": current_quantity == 0,
        "order_updated_at": version,
    }


# --- GraphQL nodes --------------------------------------------------------------------------

def channel_of(node: dict) -> str | None:
    """The Shopify value the sales-channel mapping reads: the source name, else the app."""
    return node.get("sourceName") or ((node.get("app") or {}).get("name")) or (
        (node.get("attribution") or {}).get("handle"))


def ship_line_from_node(node: dict) -> dict:
    return _ship_line(node.get("id"), node.get("title"), node.get("code"), node.get("source"),
                      node.get("carrierIdentifier"), amount(node.get("originalPriceSet")), node.get("isRemoved"))


def fulfillment_order_from_node(node: dict) -> dict:
    loc = node.get("assignedLocation") or {}
    return {"id": node.get("id"), "status": node.get("status"), "request_status": node.get("requestStatus"),
            "location_id": (loc.get("location") or {}).get("id"), "location_name": loc.get("name"),
            "updated_at": node.get("updatedAt")}


def order_row_from_node(node: dict, *, ship_lines: list[dict] | None, fulfillment_orders: list[dict] | None) -> dict:
    """The Order row of a GraphQL order node; `ship_lines` / `fulfillment_orders`: None
    when the node does not list them (the stored ones stay)."""
    customer = node.get("customer") or None
    return _order_row(
        shopify_id=node["id"], name=node.get("name"), email=node.get("email"), phone=node.get("phone"),
        customer=_customer(
            customer.get("id"), customer.get("firstName"), customer.get("lastName"),
            (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
            (customer.get("defaultPhoneNumber") or {}).get("phoneNumber")) if customer else None,
        shipping_address=node.get("shippingAddress"), billing_address=node.get("billingAddress"),
        payment_gateways=list(node.get("paymentGatewayNames") or []),
        source_name=node.get("sourceName"), channel=channel_of(node),
        discount_codes=list(node.get("discountCodes") or []), taxes=tax_lines(node.get("taxLines")),
        totals=_totals(amount(node.get("subtotalPriceSet")), amount(node.get("totalPriceSet")),
                       amount(node.get("currentTotalPriceSet")), amount(node.get("totalTaxSet")),
                       amount(node.get("totalDiscountsSet")), amount(node.get("totalShippingPriceSet")),
                       amount(node.get("totalRefundedSet"))),
        currency=node.get("currencyCode"), financial_status=node.get("displayFinancialStatus"),
        fulfillment_status=node.get("displayFulfillmentStatus"),
        refunds=[refund_from_node(r) for r in node.get("refunds") or []],
        cancelled_at=node.get("cancelledAt"), cancel_reason=node.get("cancelReason"), closed=node.get("closed"),
        processed_at=node.get("processedAt"), created_at=node.get("createdAt"), updated_at=node.get("updatedAt"),
        return_status=node.get("returnStatus"), ship_lines=ship_lines, fulfillment_orders=fulfillment_orders)


def line_row_from_node(node: dict, order_gid: str, version: datetime | None,
                       refunded: dict[str, int] | None = None) -> dict:
    """The OrderLine row of a GraphQL line item. Its refunded quantity comes from the
    order's refund lines when the source lists them (pages, one-order fetches); the bulk
    download cannot (a connection inside the `refunds` list), so it is what is no longer
    refundable there."""
    quantity = node.get("quantity")
    if refunded is not None:
        refunded_quantity = refunded.get(node["id"], 0)
    elif quantity is not None and node.get("refundableQuantity") is not None:
        refunded_quantity = max(0, quantity - node["refundableQuantity"])
    else:
        refunded_quantity = None
    return _line_row(
        shopify_id=node["id"], order_gid=order_gid, version=version,
        product_id=(node.get("product") or {}).get("id"), variant_id=(node.get("variant") or {}).get("id"),
        sku=node.get("sku"), title=node.get("title") or node.get("name"), variant_title=node.get("variantTitle"),
        quantity=quantity, current_quantity=node.get("currentQuantity", quantity),
        unfulfilled_quantity=node.get("unfulfilledQuantity"), refunded_quantity=refunded_quantity,
        price=amount(node.get("originalUnitPriceSet")), discounted_total=amount(node.get("discountedTotalSet")),
        discount_amounts=[amount(d.get("allocatedAmountSet")) for d in node.get("discountAllocations") or []],
        taxes=tax_lines(node.get("taxLines")), requires_shipping=node.get("requiresShipping"))


def order_from_node(node: dict) -> OrderRows:
    """A whole GraphQL order node (a page's or a one-order fetch's, lines inline)."""
    ships = None
    if node.get("shippingLines") is not None:
        ships = [ship_line_from_node(s) for s in (node["shippingLines"].get("nodes") or [])]
    fos = None
    if node.get("fulfillmentOrders") is not None:
        fos = [fulfillment_order_from_node(f) for f in (node["fulfillmentOrders"].get("nodes") or [])]
    row = order_row_from_node(node, ship_lines=ships, fulfillment_orders=fos)
    line_nodes = (node.get("lineItems") or {}).get("nodes") or []
    refunded = refunded_by_line(row["refunds"])
    lines = [line_row_from_node(l, row["shopify_id"], row["shopify_updated_at"], refunded) for l in line_nodes]
    returns = None
    if node.get("returns") is not None:
        returns = [return_from_node(r, row["shopify_id"], row["shopify_updated_at"], row["refunds"])
                   for r in node["returns"].get("nodes") or []]
    return OrderRows(row, lines, whole="lineItems" in node, returns=returns)


# --- webhook REST payloads ---------------------------------------------------------------

_REST_FULFILLMENT_STATUS = {"partial": "PARTIALLY_FULFILLED", None: "UNFULFILLED"}


def line_row_from_rest(li: dict, order_gid: str, version: datetime | None, refunded: int) -> dict:
    quantity = li.get("quantity")
    return _line_row(
        shopify_id=li.get("admin_graphql_api_id") or gid("LineItem", li["id"]), order_gid=order_gid, version=version,
        product_id=gid("Product", li["product_id"]) if li.get("product_id") else None,
        variant_id=gid("ProductVariant", li["variant_id"]) if li.get("variant_id") else None,
        sku=li.get("sku"), title=li.get("title") or li.get("name"), variant_title=li.get("variant_title"),
        quantity=quantity, current_quantity=li.get("current_quantity", quantity),
        unfulfilled_quantity=li.get("fulfillable_quantity"), refunded_quantity=refunded,
        price=amount(li.get("price")), discounted_total=None,
        discount_amounts=[amount(d.get("amount")) for d in li.get("discount_allocations") or []],
        taxes=tax_lines(li.get("tax_lines")), requires_shipping=li.get("requires_shipping"))


def order_from_rest(p: dict) -> OrderRows:
    """An orders/* webhook payload: the whole order with its lines and shipping lines
    (REST payloads carry no fulfillment orders: the stored ones stay)."""
    customer = p.get("customer") or None
    line_gids = {str(li["id"]): li.get("admin_graphql_api_id") or gid("LineItem", li["id"])
                 for li in p.get("line_items") or []}
    fin = p.get("financial_status")
    ful = p.get("fulfillment_status")
    ships = [_ship_line(_optional_gid("ShippingLine", s.get("id")), s.get("title"), s.get("code"), s.get("source"),
                        s.get("carrier_identifier"), amount(s.get("price")), s.get("is_removed"))
             for s in p.get("shipping_lines") or []]
    row = _order_row(
        shopify_id=p.get("admin_graphql_api_id") or gid("Order", p["id"]), name=p.get("name"),
        email=p.get("email") or p.get("contact_email"), phone=p.get("phone"),
        customer=_customer(
            customer.get("admin_graphql_api_id") or _optional_gid("Customer", customer.get("id")),
            customer.get("first_name"), customer.get("last_name"),
            customer.get("email") or None, customer.get("phone") or None) if customer else None,
        shipping_address=p.get("shipping_address"), billing_address=p.get("billing_address"),
        payment_gateways=list(p.get("payment_gateway_names") or []),
        source_name=p.get("source_name"), channel=p.get("source_name") or None,
        discount_codes=[d.get("code") for d in p.get("discount_codes") or [] if d.get("code")],
        taxes=tax_lines(p.get("tax_lines")),
        totals=_totals(amount(p.get("subtotal_price")), amount(p.get("total_price")),
                       amount(p.get("current_total_price")), amount(p.get("total_tax")),
                       amount(p.get("total_discounts")),
                       amount((p.get("total_shipping_price_set") or {}).get("shop_money") or None), None),
        currency=p.get("currency"), financial_status=fin.upper() if fin else None,
        fulfillment_status=_REST_FULFILLMENT_STATUS.get(ful, str(ful).upper()),
        refunds=[refund_from_rest(r, line_gids) for r in p.get("refunds") or []],
        cancelled_at=p.get("cancelled_at"), cancel_reason=(p.get("cancel_reason") or "").upper() or None,
        closed=p.get("closed_at") is not None, processed_at=p.get("processed_at"),
        created_at=p.get("created_at"), updated_at=p.get("updated_at"),
        ship_lines=ships, fulfillment_orders=None)
    refunded = refunded_by_line(row["refunds"]) or {}
    lines = [line_row_from_rest(li, row["shopify_id"], row["shopify_updated_at"],
                                refunded.get(line_gids[str(li["id"])], 0)) for li in p.get("line_items") or []]
    return OrderRows(row, lines, whole=True)

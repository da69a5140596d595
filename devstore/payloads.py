"""Webhook payloads: REST-shaped (numeric ids, snake_case, `admin_graphql_api_id`), as
Shopify sends them (see ../shared/shopify/webhooks/*), built from the store's
GraphQL-shaped dicts (devstore.seed / devstore.store).

Every builder is tolerant: fields the store does not hold come out as null / empty,
the way Shopify sends fields that do not apply.
"""
from __future__ import annotations

__all__ = [
    "product_payload", "product_delete_payload", "order_payload", "order_edit_payload", "refund_payload",
    "return_payload", "disposal_payload",
    "fulfillment_payload", "location_payload", "location_delete_payload", "inventory_level_payload",
    "app_uninstalled_payload", "app_scopes_update_payload", "customers_redact_payload",
    "customers_data_request_payload", "shop_redact_payload", "bulk_operation_finish_payload", "gid_num",
]

SHOP_TZ = {"America/New_York": "(GMT-05:00) Eastern Time (US & Canada)",
           "America/Toronto": "(GMT-05:00) Eastern Time (US & Canada)",
           "Europe/Berlin": "(GMT+01:00) Berlin", "Europe/London": "(GMT+00:00) London",
           "Australia/Sydney": "(GMT+11:00) Sydney"}


# --- small helpers ------------------------------------------------------------------
def gid_num(g) -> int | None:
    """`gid://shopify/Product/123` -> 123 (also `...InventoryLevel/1?inventory_item_id=2` -> 1)."""
    if g is None:
        return None
    if isinstance(g, dict):
        g = g.get("id")
        if g is None:
            return None
    if isinstance(g, int):
        return g
    try:
        return int(str(g).rsplit("/", 1)[-1].split("?")[0])
    except ValueError:
        return None


def _id(obj) -> int | None:
    return gid_num(obj.get("id")) if isinstance(obj, dict) else gid_num(obj)


def ts(v) -> str | None:
    """GraphQL `2026-11-23T18:00:00Z` -> REST `2026-11-23T18:00:00+00:00` (an offset, as Shopify's REST)."""
    if not v:
        return None
    v = str(v)
    if v.endswith("Z"):
        return v[:-1] + "+00:00"
    return v


def _lower(v):
    return v.lower() if isinstance(v, str) else v


def _money_set(bag, currency="USD") -> dict | None:
    """MoneyBag -> REST `{shop_money: {amount, currency_code}, presentment_money: ...}`."""
    if bag is None:
        return None
    if isinstance(bag, dict) and "shopMoney" in bag:
        sm, pm = bag.get("shopMoney") or {}, bag.get("presentmentMoney") or bag.get("shopMoney") or {}
    elif isinstance(bag, dict) and "amount" in bag:  # a MoneyV2
        sm = pm = bag
    else:
        sm = pm = {"amount": str(bag), "currencyCode": currency}
    return {"shop_money": {"amount": _amt(sm.get("amount")), "currency_code": sm.get("currencyCode", currency)},
            "presentment_money": {"amount": _amt(pm.get("amount")),
                                  "currency_code": pm.get("currencyCode", currency)}}


def _amt(a) -> str:
    if a is None:
        return "0.00"
    try:
        return f"{float(a):.2f}"
    except (TypeError, ValueError):
        return str(a)


def _amount(bag) -> str:
    """The shop-money amount of a MoneyBag / MoneyV2 / Money string, as a REST string."""
    if bag is None:
        return "0.00"
    if isinstance(bag, dict):
        m = bag.get("shopMoney", bag)
        return _amt(m.get("amount"))
    return _amt(bag)


def _cents(bag) -> int:
    return int(round(float(_amount(bag)) * 100))


def _zero_set(cur):
    return _money_set({"amount": "0.00", "currencyCode": cur}, cur)


def _tags(tags) -> str:
    if isinstance(tags, str):
        return tags
    return ", ".join(tags or [])


def _list(v):
    """A connection stored as a list, or as {edges: [{node}]}/{nodes: []}."""
    if v is None:
        return []
    if isinstance(v, dict):
        if "nodes" in v:
            return list(v["nodes"])
        if "edges" in v:
            return [e.get("node") for e in v["edges"]]
    return list(v)


# --- products ---------------------------------------------------------------------------
def _variant_payload(v: dict, pid: int, product: dict) -> dict:
    opts = [o.get("value") for o in v.get("selectedOptions") or []]
    opts += [None] * (3 - len(opts))
    item = v.get("inventoryItem") or {}
    qty = v.get("inventoryQuantity")
    if qty is None:
        qty = sum((lv.get("quantities") or {}).get("available", 0) for lv in item.get("inventoryLevels") or [])
    image_id = None
    vm = v.get("media") or []
    if vm:
        mid = vm[0]["id"] if isinstance(vm[0], dict) else vm[0]
        for m in product.get("media") or []:
            if m.get("id") == mid and m.get("image"):
                image_id = gid_num(m["image"].get("id"))
    return {
        "admin_graphql_api_id": v.get("id"),
        "barcode": v.get("barcode"),
        "compare_at_price": _amt(v["compareAtPrice"]) if v.get("compareAtPrice") not in (None, "") else None,
        "created_at": ts(v.get("createdAt")),
        "id": gid_num(v.get("id")),
        "inventory_policy": _lower(v.get("inventoryPolicy") or "DENY"),
        "position": v.get("position"),
        "price": _amt(v.get("price")),
        "product_id": pid,
        "sku": v.get("sku") or None,
        "taxable": v.get("taxable", True),
        "title": v.get("title"),
        "updated_at": ts(v.get("updatedAt")),
        "option1": opts[0],
        "option2": opts[1],
        "option3": opts[2],
        "image_id": image_id,
        "inventory_item_id": gid_num(item.get("id")),
        "inventory_quantity": qty,
        "old_inventory_quantity": qty,
    }


def product_payload(product: dict) -> dict:
    """products/create, products/update."""
    pid = gid_num(product.get("id"))
    variants = _list(product.get("variants"))
    images = []
    media_list = _list(product.get("media"))
    for pos, m in enumerate(media_list, 1):
        img = m.get("image") or {}
        images.append({
            "id": gid_num(img.get("id")) or gid_num(m.get("id")),
            "product_id": pid,
            "position": pos,
            "created_at": ts(m.get("createdAt") or product.get("createdAt")),
            "updated_at": ts(m.get("updatedAt") or product.get("updatedAt")),
            "alt": m.get("alt") or img.get("altText"),
            "width": img.get("width"),
            "height": img.get("height"),
            "src": img.get("url"),
            "variant_ids": [gid_num(v["id"]) for v in variants
                            if any((x["id"] if isinstance(x, dict) else x) == m.get("id") for x in v.get("media") or [])],
            "admin_graphql_api_id": img.get("id") or m.get("id"),
        })
    media = [{"id": gid_num(m.get("id")), "position": pos, "created_at": ts(m.get("createdAt")),
              "updated_at": ts(m.get("updatedAt")), "alt": m.get("alt"), "status": _lower(m.get("status") or "READY"),
              "media_content_type": m.get("mediaContentType", "IMAGE"),
              "preview_image": {"width": (m.get("image") or {}).get("width"),
                                "height": (m.get("image") or {}).get("height"),
                                "src": (m.get("image") or {}).get("url"), "status": "ready"},
              "variant_ids": [], "admin_graphql_api_id": m.get("id")}
             for pos, m in enumerate(media_list, 1)]
    options = [{"name": o.get("name"), "id": gid_num(o.get("id")), "product_id": pid, "position": o.get("position"),
                "values": list(o.get("values") or [v.get("name") for v in o.get("optionValues") or []])}
               for o in product.get("options") or []]
    status = _lower(product.get("status") or "ACTIVE")
    pubs = product.get("resourcePublications") or []
    published_scope = "global" if len(pubs) > 1 else "web"
    return {
        "admin_graphql_api_id": product.get("id"),
        "body_html": product.get("descriptionHtml") if product.get("descriptionHtml") is not None else product.get("description"),
        "created_at": ts(product.get("createdAt")),
        "handle": product.get("handle"),
        "id": pid,
        "product_type": product.get("productType") or "",
        "published_at": ts(product.get("publishedAt")),
        "template_suffix": product.get("templateSuffix"),
        "title": product.get("title"),
        "updated_at": ts(product.get("updatedAt")),
        "vendor": product.get("vendor"),
        "status": status,
        "published_scope": published_scope,
        "tags": _tags(product.get("tags")),
        "variants": [_variant_payload(v, pid, product) for v in variants],
        "options": options,
        "images": images,
        "image": images[0] if images else None,
        "media": media,
        "variant_gids": sorted(({"admin_graphql_api_id": v.get("id"), "updated_at": ts(v.get("updatedAt"))}
                                for v in variants), key=lambda x: x["updated_at"] or "", reverse=True),
        "has_variants_that_requires_components": any(v.get("requiresComponents") for v in variants),
        "category": product.get("category"),
    }


def product_delete_payload(product) -> dict:
    """products/delete: only the id."""
    return {"id": _id(product)}


# --- addresses, customers ------------------------------------------------------------------
def address_payload(a: dict | None, customer_id=None, default=None) -> dict | None:
    if not a:
        return None
    first, last = a.get("firstName"), a.get("lastName")
    out = {
        "first_name": first,
        "address1": a.get("address1"),
        "phone": a.get("phone"),
        "city": a.get("city"),
        "zip": a.get("zip"),
        "province": a.get("province"),
        "country": a.get("country"),
        "last_name": last,
        "address2": a.get("address2"),
        "company": a.get("company"),
        "latitude": a.get("latitude"),
        "longitude": a.get("longitude"),
        "name": a.get("name") or " ".join(x for x in (first, last) if x) or None,
        "country_code": a.get("countryCodeV2") or a.get("countryCode"),
        "province_code": a.get("provinceCode"),
    }
    if customer_id is not None:
        out.pop("latitude")
        out.pop("longitude")
        out = {"id": gid_num(a.get("id")), "customer_id": customer_id, **out,
               "country_name": a.get("country"), "default": bool(default)}
    return out


def customer_payload(c: dict | None, currency="USD") -> dict | None:
    if not c:
        return None
    cid = gid_num(c.get("id"))
    email = c.get("email") or (c.get("defaultEmailAddress") or {}).get("emailAddress")
    phone = c.get("phone") or (c.get("defaultPhoneNumber") or {}).get("phoneNumber")
    return {
        "id": cid,
        "created_at": ts(c.get("createdAt")),
        "updated_at": ts(c.get("updatedAt")),
        "first_name": c.get("firstName"),
        "last_name": c.get("lastName"),
        "state": _lower(c.get("state") or "DISABLED"),
        "note": c.get("note"),
        "verified_email": c.get("verifiedEmail", True),
        "multipass_identifier": c.get("multipassIdentifier"),
        "tax_exempt": c.get("taxExempt", False),
        "email": email,
        "phone": phone,
        "currency": currency,
        "tax_exemptions": list(c.get("taxExemptions") or []),
        "admin_graphql_api_id": c.get("id"),
        "default_address": address_payload(c.get("defaultAddress"), customer_id=cid, default=True),
    }


# --- orders ----------------------------------------------------------------------------------
def _line_item_payload(li: dict, cur: str, full: bool = True) -> dict:
    unit = li.get("originalUnitPriceSet")
    disc = li.get("totalDiscountSet")
    grams = 0
    w = li.get("weight")
    if isinstance(w, dict) and w.get("value") is not None:
        unit_name = (w.get("unit") or "GRAMS").upper()
        factor = {"GRAMS": 1, "KILOGRAMS": 1000, "POUNDS": 453.592, "OUNCES": 28.3495}.get(unit_name, 1)
        grams = int(round(float(w["value"]) * factor))
    variant_id = gid_num(li.get("variant"))
    product_id = gid_num(li.get("product"))
    allocs = []
    for i, a in enumerate(li.get("discountAllocations") or []):
        s = a.get("allocatedAmountSet")
        allocs.append({"amount": _amount(s), "discount_application_index": i, "amount_set": _money_set(s, cur)})
    quantity = li.get("quantity", 0)
    current = li.get("currentQuantity", quantity)
    unfulfilled = li.get("unfulfilledQuantity", current)
    fstatus = None
    if current and unfulfilled == 0:
        fstatus = "fulfilled"
    elif current and unfulfilled < current:
        fstatus = "partial"
    out = {
        "id": gid_num(li.get("id")),
        "admin_graphql_api_id": li.get("id"),
        "attributed_staffs": [],
        "current_quantity": current,
        "fulfillable_quantity": unfulfilled,
        "fulfillment_service": "manual",
        "fulfillment_status": fstatus,
        "gift_card": li.get("isGiftCard", False),
        "grams": grams,
        "name": li.get("name"),
        "price": _amount(unit),
        "price_set": _money_set(unit, cur),
        "product_exists": product_id is not None,
        "product_id": product_id,
        "properties": [{"name": a.get("key"), "value": a.get("value")} for a in li.get("customAttributes") or []],
        "quantity": quantity,
        "requires_shipping": li.get("requiresShipping", True),
        "sales_line_item_group_id": None,
        "sku": li.get("sku"),
        "taxable": li.get("taxable", True),
        "title": li.get("title"),
        "total_discount": _amount(disc),
        "total_discount_set": _money_set(disc, cur) if disc else _zero_set(cur),
        "variant_id": variant_id,
        "variant_inventory_management": "shopify" if variant_id else None,
        "variant_title": li.get("variantTitle"),
        "vendor": li.get("vendor"),
        "tax_lines": [_tax_line(t, cur) for t in li.get("taxLines") or []],
        "duties": [],
        "discount_allocations": allocs,
    }
    return out


def _tax_line(t: dict, cur: str) -> dict:
    return {"price": _amount(t.get("priceSet")), "rate": t.get("rate"), "title": t.get("title"),
            "price_set": _money_set(t.get("priceSet"), cur), "channel_liable": False}


def _shipping_line_payload(s: dict, cur: str) -> dict:
    return {
        "id": gid_num(s.get("id")),
        "carrier_identifier": s.get("carrierIdentifier"),
        "code": s.get("code"),
        "current_discounted_price_set": _money_set(s.get("currentDiscountedPriceSet") or s.get("discountedPriceSet"), cur),
        "discounted_price": _amount(s.get("discountedPriceSet") or s.get("originalPriceSet")),
        "discounted_price_set": _money_set(s.get("discountedPriceSet") or s.get("originalPriceSet"), cur),
        "is_removed": s.get("isRemoved", False),
        "phone": s.get("phone"),
        "price": _amount(s.get("originalPriceSet")),
        "price_set": _money_set(s.get("originalPriceSet"), cur),
        "requested_fulfillment_service_id": None,
        "source": s.get("source"),
        "title": s.get("title"),
        "tax_lines": [_tax_line(t, cur) for t in s.get("taxLines") or []],
        "discount_allocations": [],
    }


def _fulfillment_status(order: dict) -> str | None:
    st = order.get("displayFulfillmentStatus")
    if st == "FULFILLED":
        return "fulfilled"
    if st == "PARTIALLY_FULFILLED":
        return "partial"
    if st == "RESTOCKED":
        return "restocked"
    return None


def fulfillment_payload(f: dict, order: dict) -> dict:
    """fulfillments/create, fulfillments/update (and the entries of an order's `fulfillments`)."""
    cur = order.get("currencyCode", "USD")
    lines_by_id = {li.get("id"): li for li in _list(order.get("lineItems"))}
    tracking = f.get("trackingInfo") or []
    f_lines = []
    for fl in _list(f.get("fulfillmentLineItems")):
        li = lines_by_id.get((fl.get("lineItem") or {}).get("id"), fl.get("lineItem") or {})
        p = _line_item_payload(li, cur)
        p["quantity"] = fl.get("quantity", p["quantity"])
        f_lines.append(p)
    ship = order.get("shippingAddress")
    st = (f.get("status") or "SUCCESS").lower()
    return {
        "id": gid_num(f.get("id")),
        "admin_graphql_api_id": f.get("id"),
        "created_at": ts(f.get("createdAt")),
        "location_id": gid_num(f.get("location")),
        "name": f.get("name"),
        "order_id": gid_num(order.get("id")),
        "origin_address": None,
        "receipt": {},
        "service": (f.get("service") or {}).get("handle", "manual") if isinstance(f.get("service"), dict) else "manual",
        "shipment_status": _lower(f.get("displayStatus")) if f.get("displayStatus") in
                           ("DELIVERED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "ATTEMPTED_DELIVERY", "FAILURE",
                            "CONFIRMED", "READY_FOR_PICKUP", "PICKED_UP") else None,
        "status": st,
        "tracking_company": tracking[0].get("company") if tracking else None,
        "tracking_number": tracking[0].get("number") if tracking else None,
        "tracking_numbers": [t.get("number") for t in tracking if t.get("number")],
        "tracking_url": tracking[0].get("url") if tracking else None,
        "tracking_urls": [t.get("url") for t in tracking if t.get("url")],
        "updated_at": ts(f.get("updatedAt") or f.get("createdAt")),
        "email": order.get("email"),
        "destination": address_payload(ship),
        "line_items": f_lines,
    }


def _refund_line_payload(rl: dict, lines_by_id: dict, cur: str) -> dict:
    lid = (rl.get("lineItem") or {}).get("id")
    li = lines_by_id.get(lid, rl.get("lineItem") or {})
    sub = rl.get("subtotalSet")
    tax = rl.get("totalTaxSet")
    return {
        "id": gid_num(rl.get("id")),
        "quantity": rl.get("quantity"),
        "line_item_id": gid_num(lid),
        "location_id": gid_num(rl.get("location")),
        "restock_type": _lower(rl.get("restockType") or "NO_RESTOCK"),
        "subtotal": float(_amount(sub)),
        "total_tax": float(_amount(tax)),
        "subtotal_set": _money_set(sub, cur) if sub else _zero_set(cur),
        "total_tax_set": _money_set(tax, cur) if tax else _zero_set(cur),
        "line_item": _line_item_payload(li, cur) if li else None,
    }


def _transaction_payload(t: dict, order: dict) -> dict:
    cur = order.get("currencyCode", "USD")
    amt = t.get("amountSet")
    return {
        "id": gid_num(t.get("id")),
        "order_id": gid_num(order.get("id")),
        "kind": _lower(t.get("kind") or "refund"),
        "gateway": t.get("gateway"),
        "status": _lower(t.get("status") or "SUCCESS"),
        "message": None,
        "created_at": ts(t.get("createdAt")),
        "test": t.get("test", False),
        "authorization": None,
        "location_id": gid_num(t.get("location")) if t.get("location") else None,
        "user_id": None,
        "parent_id": gid_num(t.get("parentTransaction")) if t.get("parentTransaction") else None,
        "processed_at": ts(t.get("processedAt")),
        "device_id": None,
        "error_code": t.get("errorCode"),
        "source_name": order.get("sourceName"),
        "receipt": {},
        "amount": _amount(amt),
        "currency": (amt or {}).get("shopMoney", {}).get("currencyCode", cur) if isinstance(amt, dict) else cur,
        "payment_id": t.get("paymentId"),
        "total_unsettled_set": _zero_set(cur),
        "manual_payment_gateway": t.get("manualPaymentGateway", False),
        "amount_rounding": None,
        "admin_graphql_api_id": t.get("id"),
    }


def refund_payload(refund: dict, order: dict) -> dict:
    """refunds/create (and the entries of an order's `refunds`)."""
    cur = order.get("currencyCode", "USD")
    lines_by_id = {li.get("id"): li for li in _list(order.get("lineItems"))}
    txs = []
    all_tx = {t.get("id"): t for t in _list(order.get("transactions"))}
    for t in _list(refund.get("transactions")):
        txs.append(_transaction_payload({**all_tx.get(t.get("id"), {}), **t}, order))
    ret = refund.get("return")
    return {
        "id": gid_num(refund.get("id")),
        "order_id": gid_num(order.get("id")),
        "created_at": ts(refund.get("createdAt")),
        "note": refund.get("note"),
        "user_id": None,
        "processed_at": ts(refund.get("processedAt") or refund.get("createdAt")),
        "duties": [],
        "total_duties_set": _zero_set(cur),
        "return": {"id": gid_num(ret), "admin_graphql_api_id": ret.get("id")} if isinstance(ret, dict) and ret.get("id") else None,
        "restock": any(rl.get("restockType") in ("RETURN", "CANCEL", "LEGACY_RESTOCK")
                       for rl in _list(refund.get("refundLineItems"))),
        "refund_shipping_lines": [
            {"id": gid_num(s.get("id")), "shipping_line_id": gid_num(s.get("shippingLine")),
             "subtotal_amount_set": _money_set(s.get("subtotalAmountSet"), cur),
             "shipping_line": _shipping_line_payload(s.get("shippingLine") or {}, cur)}
            for s in _list(refund.get("refundShippingLines"))],
        "admin_graphql_api_id": refund.get("id"),
        "order_adjustments": [],
        "refund_line_items": [_refund_line_payload(rl, lines_by_id, cur) for rl in _list(refund.get("refundLineItems"))],
        "transactions": txs,
    }


def return_payload(ret: dict, order: dict) -> dict:
    """returns/* (and the entries of an order's `returns`)."""
    decline = ret.get("decline")
    return {
        "id": gid_num(ret.get("id")),
        "admin_graphql_api_id": ret.get("id"),
        "order_id": gid_num(order.get("id")),
        "order": {"id": gid_num(order.get("id")), "admin_graphql_api_id": order.get("id")},
        "name": ret.get("name"),
        "status": _lower(ret.get("status")),
        "created_at": ts(ret.get("createdAt")),
        "total_return_line_items": ret.get("totalQuantity"),
        "return_line_items": [
            {"id": gid_num(rl.get("id")), "admin_graphql_api_id": rl.get("id"), "quantity": rl.get("quantity"),
             "return_reason_note": rl.get("returnReasonNote"), "customer_note": rl.get("customerNote"),
             "fulfillment_line_item_id": gid_num(rl.get("fulfillmentLineItem")),
             "line_item_id": gid_num((rl.get("fulfillmentLineItem") or {}).get("lineItem"))}
            for rl in _list(ret.get("returnLineItems"))],
        "decline": {"reason": _lower(decline.get("reason")), "note": decline.get("note")} if decline else None,
        "total_exchange_line_items": sum(x.get("quantity") or 0 for x in _list(ret.get("exchangeLineItems"))),
        "exchange_line_items": [
            {"id": gid_num(x.get("id")), "admin_graphql_api_id": x.get("id"), "quantity": x.get("quantity"),
             "variant_id": gid_num(x.get("variantId")) if x.get("variantId") else None}
            for x in _list(ret.get("exchangeLineItems"))],
    }


def disposal_payload(rfo: dict, ret: dict, order: dict) -> dict:
    """reverse_fulfillment_orders/dispose."""
    return {
        "id": gid_num(rfo.get("id")), "admin_graphql_api_id": rfo.get("id"), "order_id": gid_num(order.get("id")),
        "return": {"id": gid_num(ret.get("id")), "admin_graphql_api_id": ret.get("id")},
        "dispositions": [
            {"reverse_fulfillment_order_line_item": {"id": gid_num(li.get("id"))}, "type": _lower(d.get("type")),
             "quantity": d.get("quantity"), "location": {"id": gid_num((d.get("location") or {}).get("id"))}
             if d.get("location") else None}
            for li in _list(rfo.get("lineItems")) for d in _list(li.get("dispositions"))],
    }


_FINANCIAL = {"AUTHORIZED": "authorized", "EXPIRED": "expired", "PAID": "paid", "PARTIALLY_PAID": "partially_paid",
              "PARTIALLY_REFUNDED": "partially_refunded", "PENDING": "pending", "REFUNDED": "refunded",
              "VOIDED": "voided"}


def order_payload(order: dict) -> dict:
    """orders/create, orders/updated, orders/cancelled, orders/paid, orders/fulfilled."""
    cur = order.get("currencyCode", "USD")
    oid = gid_num(order.get("id"))
    lines = _list(order.get("lineItems"))
    number = order.get("number") or 0
    total_line_items = sum(_cents(li.get("originalTotalSet")) for li in lines)
    weight = order.get("totalWeight")
    try:
        weight = int(weight)
    except (TypeError, ValueError):
        weight = 0
    cust = order.get("customer")
    email = order.get("email") or (customer_payload(cust) or {}).get("email")
    app = order.get("app") or {}
    token = f"{oid:x}" if oid else None
    tax_lines = [_tax_line(t, cur) for t in order.get("taxLines") or []]
    disc_codes = []
    for code in order.get("discountCodes") or []:
        disc_codes.append({"code": code, "amount": _amount(order.get("totalDiscountsSet")), "type": "percentage"})
    return {
        "id": oid,
        "admin_graphql_api_id": order.get("id"),
        "app_id": gid_num(app.get("id")) if app else None,
        "browser_ip": order.get("clientIp"),
        "buyer_accepts_marketing": order.get("customerAcceptsMarketing", False),
        "cancel_reason": _lower(order.get("cancelReason")),
        "cancelled_at": ts(order.get("cancelledAt")),
        "cart_token": order.get("cartToken"),
        "checkout_token": order.get("checkoutToken"),
        "client_details": None,
        "closed_at": ts(order.get("closedAt")),
        "confirmation_number": order.get("confirmationNumber"),
        "confirmed": order.get("confirmed", True),
        "contact_email": email,
        "created_at": ts(order.get("createdAt")),
        "currency": cur,
        "current_shipping_price_set": _money_set(order.get("currentShippingPriceSet") or order.get("totalShippingPriceSet"), cur),
        "current_subtotal_price": _amount(order.get("currentSubtotalPriceSet") or order.get("subtotalPriceSet")),
        "current_subtotal_price_set": _money_set(order.get("currentSubtotalPriceSet") or order.get("subtotalPriceSet"), cur),
        "current_total_additional_fees_set": None,
        "current_total_discounts": _amount(order.get("currentTotalDiscountsSet") or order.get("totalDiscountsSet")),
        "current_total_discounts_set": _money_set(order.get("currentTotalDiscountsSet") or order.get("totalDiscountsSet"), cur),
        "current_total_duties_set": None,
        "current_total_price": _amount(order.get("currentTotalPriceSet") or order.get("totalPriceSet")),
        "current_total_price_set": _money_set(order.get("currentTotalPriceSet") or order.get("totalPriceSet"), cur),
        "current_total_tax": _amount(order.get("currentTotalTaxSet") or order.get("totalTaxSet")),
        "current_total_tax_set": _money_set(order.get("currentTotalTaxSet") or order.get("totalTaxSet"), cur),
        "customer_locale": order.get("customerLocale", "en"),
        "device_id": None,
        "discount_codes": disc_codes,
        "duties_included": order.get("dutiesIncluded", False),
        "email": email,
        "estimated_taxes": order.get("estimatedTaxes", False),
        "financial_status": _FINANCIAL.get(order.get("displayFinancialStatus"), _lower(order.get("displayFinancialStatus"))),
        "fulfillment_status": _fulfillment_status(order),
        "landing_site": None,
        "landing_site_ref": None,
        "location_id": gid_num(order.get("retailLocation")) if order.get("retailLocation") else None,
        "merchant_business_entity_id": None,
        "merchant_of_record_app_id": None,
        "name": order.get("name"),
        "note": order.get("note"),
        "note_attributes": [{"name": a.get("key"), "value": a.get("value")} for a in order.get("customAttributes") or []],
        "number": number - 1000 if number > 1000 else number,
        "order_number": number,
        "order_status_url": f"https://example.myshopify.com/{oid}/orders/{token}/authenticate?key={token}",
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": list(order.get("paymentGatewayNames") or []),
        "phone": order.get("phone"),
        "po_number": order.get("poNumber"),
        "presentment_currency": order.get("presentmentCurrencyCode", cur),
        "processed_at": ts(order.get("processedAt") or order.get("createdAt")),
        "reference": None,
        "referring_site": None,
        "source_identifier": order.get("sourceIdentifier"),
        "source_name": order.get("sourceName"),
        "source_url": None,
        "subtotal_price": _amount(order.get("subtotalPriceSet")),
        "subtotal_price_set": _money_set(order.get("subtotalPriceSet"), cur),
        "tags": _tags(order.get("tags")),
        "tax_exempt": order.get("taxExempt", False),
        "tax_lines": tax_lines,
        "taxes_included": order.get("taxesIncluded", False),
        "test": order.get("test", False),
        "token": token,
        "total_cash_rounding_payment_adjustment_set": _zero_set(cur),
        "total_cash_rounding_refund_adjustment_set": _zero_set(cur),
        "total_discounts": _amount(order.get("totalDiscountsSet")),
        "total_discounts_set": _money_set(order.get("totalDiscountsSet"), cur) or _zero_set(cur),
        "total_line_items_price": f"{total_line_items / 100:.2f}",
        "total_line_items_price_set": _money_set({"amount": f"{total_line_items / 100:.2f}", "currencyCode": cur}, cur),
        "total_outstanding": _amount(order.get("totalOutstandingSet")),
        "total_price": _amount(order.get("totalPriceSet")),
        "total_price_set": _money_set(order.get("totalPriceSet"), cur),
        "total_shipping_price_set": _money_set(order.get("totalShippingPriceSet"), cur) or _zero_set(cur),
        "total_tax": _amount(order.get("totalTaxSet")),
        "total_tax_set": _money_set(order.get("totalTaxSet"), cur) or _zero_set(cur),
        "total_tip_received": _amount(order.get("totalTipReceivedSet")),
        "total_weight": weight,
        "updated_at": ts(order.get("updatedAt")),
        "user_id": None,
        "billing_address": address_payload(order.get("billingAddress")),
        "customer": customer_payload(cust, cur),
        "discount_applications": [],
        "fulfillments": [fulfillment_payload(f, order) for f in _list(order.get("fulfillments"))],
        "line_items": [_line_item_payload(li, cur) for li in lines],
        "payment_terms": None,
        "refunds": [refund_payload(r, order) for r in _list(order.get("refunds"))],
        "shipping_address": address_payload(order.get("shippingAddress")),
        "shipping_lines": [_shipping_line_payload(s, cur) for s in _list(order.get("shippingLines"))],
        "returns": [return_payload(r, order) for r in _list(order.get("returns"))],
        "line_item_groups": [],
    }


def order_edit_payload(order: dict, edit: dict | None = None) -> dict:
    """orders/edited. `edit` may carry `id`, `createdAt`, `staffNote`, `notifyCustomer` and
    `additions` / `removals`: lists of `{"lineItem": {"id"}, "delta": n}` (or `id`/`quantity`)."""
    edit = edit or {}
    oid = gid_num(order.get("id"))

    def changes(key):
        out = []
        for c in edit.get(key) or []:
            lid = (c.get("lineItem") or {}).get("id") or c.get("id")
            out.append({"id": gid_num(lid), "delta": c.get("delta", c.get("quantity", 1))})
        return out

    return {"order_edit": {
        "id": gid_num(edit.get("id")) or (oid or 0) + 1,
        "app_id": None,
        "created_at": ts(edit.get("createdAt") or order.get("updatedAt")),
        "notify_customer": bool(edit.get("notifyCustomer", False)),
        "order_id": oid,
        "staff_note": edit.get("staffNote", ""),
        "user_id": None,
        "line_items": {"additions": changes("additions"), "removals": changes("removals")},
        "discounts": {"line_item": {"additions": [], "removals": []}},
        "shipping_lines": {"additions": [], "removals": []},
    }}


# --- locations and inventory -------------------------------------------------------------------
def location_payload(location: dict) -> dict:
    """locations/create, locations/update."""
    a = location.get("address") or {}
    return {
        "id": gid_num(location.get("id")),
        "name": location.get("name"),
        "address1": a.get("address1"),
        "address2": a.get("address2"),
        "city": a.get("city"),
        "zip": a.get("zip"),
        "province": a.get("province"),
        "country": a.get("countryCode"),
        "phone": a.get("phone"),
        "created_at": ts(location.get("createdAt")),
        "updated_at": ts(location.get("updatedAt")),
        "country_code": a.get("countryCode"),
        "country_name": a.get("country"),
        "province_code": a.get("provinceCode"),
        "legacy": bool(location.get("isFulfillmentService", False)),
        "active": location.get("isActive", True),
        "admin_graphql_api_id": location.get("id"),
        "localized_country_name": a.get("country"),
        "localized_province_name": a.get("province"),
    }


def location_delete_payload(location) -> dict:
    return {"id": _id(location)}


def inventory_level_payload(level: dict, inventory_item: dict | None = None) -> dict:
    """inventory_levels/update (and connect)."""
    q = level.get("quantities") or {}
    if isinstance(q, list):  # [{name, quantity}] as the schema returns them
        q = {x.get("name"): x.get("quantity") for x in q}
    item_id = (inventory_item or {}).get("id") or (level.get("item") or {}).get("id")
    if item_id is None and "inventory_item_id=" in str(level.get("id")):
        item_id = int(str(level["id"]).split("inventory_item_id=")[1].split("&")[0])
    return {
        "inventory_item_id": gid_num(item_id),
        "location_id": gid_num(level.get("location")),
        "available": q.get("available"),
        "updated_at": ts(level.get("updatedAt")),
        "admin_graphql_api_id": level.get("id"),
    }


# --- app lifecycle and compliance ---------------------------------------------------------------
def _shop_dict(shop) -> dict:
    if isinstance(shop, str):
        return {"myshopifyDomain": shop}
    if hasattr(shop, "shop") and isinstance(getattr(shop, "shop"), dict):  # a ShopState
        d = dict(shop.shop)
        d.setdefault("myshopifyDomain", getattr(shop, "domain", None))
        return d
    return shop or {}


def app_uninstalled_payload(shop) -> dict:
    """app/uninstalled: the shop resource."""
    s = _shop_dict(shop)
    addr = s.get("billingAddress") or s.get("shopAddress") or {}
    cur = s.get("currencyCode", "USD")
    plan = s.get("plan") or {}
    domain = s.get("myshopifyDomain")
    primary = (s.get("primaryDomain") or {}).get("host") or domain
    return {
        "id": gid_num(s.get("id")),
        "name": s.get("name"),
        "email": s.get("email"),
        "domain": primary,
        "province": addr.get("province"),
        "country": addr.get("countryCodeV2") or addr.get("countryCode"),
        "address1": addr.get("address1"),
        "zip": addr.get("zip"),
        "city": addr.get("city"),
        "source": None,
        "phone": addr.get("phone"),
        "latitude": addr.get("latitude"),
        "longitude": addr.get("longitude"),
        "primary_locale": "en",
        "address2": addr.get("address2"),
        "created_at": ts(s.get("createdAt")),
        "updated_at": ts(s.get("updatedAt")),
        "country_code": addr.get("countryCodeV2") or addr.get("countryCode"),
        "country_name": addr.get("country"),
        "currency": cur,
        "customer_email": s.get("contactEmail") or s.get("email"),
        "timezone": SHOP_TZ.get(s.get("ianaTimezone"), s.get("ianaTimezone")),
        "iana_timezone": s.get("ianaTimezone"),
        "shop_owner": s.get("shopOwnerName"),
        "money_format": "${{amount}}",
        "money_with_currency_format": "${{amount}} " + cur,
        "weight_unit": {"KILOGRAMS": "kg", "GRAMS": "g", "POUNDS": "lb", "OUNCES": "oz"}.get(s.get("weightUnit"), "kg"),
        "province_code": addr.get("provinceCode"),
        "taxes_included": s.get("taxesIncluded"),
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": s.get("taxShipping"),
        "county_taxes": True,
        "plan_display_name": plan.get("publicDisplayName") or plan.get("displayName"),
        "plan_name": plan.get("name") or _lower(plan.get("publicDisplayName") or plan.get("displayName")),
        "has_discounts": False,
        "has_gift_cards": True,
        "myshopify_domain": domain,
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": "${{amount}}",
        "money_with_currency_in_emails_format": "${{amount}} " + cur,
        "eligible_for_payments": True,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": None,
        "checkout_api_supported": s.get("checkoutApiSupported", True),
        "multi_location_enabled": True,
        "setup_required": s.get("setupRequired", False),
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": list(s.get("enabledPresentmentCurrencies") or [cur]),
        "marketing_sms_consent_enabled_at_checkout": s.get("marketingSmsConsentEnabledAtCheckout", False),
        "transactional_sms_disabled": s.get("transactionalSmsDisabled", False),
    }


def app_scopes_update_payload(shop, previous, current, updated_at=None) -> dict:
    """app/scopes_update."""
    s = _shop_dict(shop)
    return {"id": gid_num(s.get("id")) or 1, "shop_id": s.get("id"), "previous": list(previous or []),
            "current": list(current or []), "updated_at": ts(updated_at or s.get("updatedAt"))}


def _customer_ref(customer) -> dict:
    if isinstance(customer, (str, int)):
        return {"id": gid_num(customer), "email": None, "phone": None}
    c = customer or {}
    return {"id": gid_num(c.get("id")),
            "email": c.get("email") or (c.get("defaultEmailAddress") or {}).get("emailAddress"),
            "phone": c.get("phone") or (c.get("defaultPhoneNumber") or {}).get("phoneNumber")}


def _order_ids(orders) -> list:
    return [gid_num(o) for o in orders or []]


def customers_redact_payload(shop, customer, orders_to_redact=()) -> dict:
    """customers/redact: `orders` are order dicts, GIDs or numbers."""
    s = _shop_dict(shop)
    return {"shop_id": gid_num(s.get("id")), "shop_domain": s.get("myshopifyDomain"),
            "customer": _customer_ref(customer), "orders_to_redact": _order_ids(orders_to_redact)}


def customers_data_request_payload(shop, customer, orders_requested=(), data_request_id=None) -> dict:
    """customers/data_request."""
    s = _shop_dict(shop)
    return {"shop_id": gid_num(s.get("id")), "shop_domain": s.get("myshopifyDomain"),
            "customer": _customer_ref(customer), "orders_requested": _order_ids(orders_requested),
            "data_request": {"id": data_request_id if data_request_id is not None else 1}}


def shop_redact_payload(shop) -> dict:
    """shop/redact (Shopify sends it 48 hours after uninstall)."""
    s = _shop_dict(shop)
    return {"shop_id": gid_num(s.get("id")), "shop_domain": s.get("myshopifyDomain")}


def bulk_operation_finish_payload(op: dict) -> dict:
    """bulk_operations/finish."""
    err = op.get("errorCode")
    return {
        "admin_graphql_api_id": op.get("id"),
        "completed_at": ts(op.get("completedAt")),
        "created_at": ts(op.get("createdAt")),
        "error_code": err.lower() if isinstance(err, str) else None,
        "status": (op.get("status") or "COMPLETED").lower(),
        "type": (op.get("type") or "QUERY").lower(),
    }

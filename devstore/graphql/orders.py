"""Building and editing orders for the control API (same shape as devstore.seed's orders)."""
from __future__ import annotations

import secrets
from decimal import Decimal

from devstore.store import gid_num, now_iso

TWO = Decimal("0.01")


def _m(amount, cur):
    return {"amount": format(Decimal(str(amount)).quantize(TWO), "f"), "currencyCode": cur}


def _bag(amount, cur):
    return {"shopMoney": _m(amount, cur), "presentmentMoney": _m(amount, cur)}


def _amt(bag):
    return Decimal(str(((bag or {}).get("shopMoney") or {}).get("amount", "0")))


def _find_variant(st, spec):
    vid = spec.get("variant_id")
    if vid:
        vid = vid if str(vid).startswith("gid://") else f"gid://shopify/ProductVariant/{vid}"
        v = st.variants.get(vid)
    elif spec.get("sku"):
        v = next((x for x in st.variants.values() if x.get("sku") == spec["sku"]), None)
    else:
        v = None
    if v is None:
        raise ValueError(f"unknown variant in line item {spec}")
    return v


def _line(st, v, qty, price, cur, ship=True):
    p = st.product_of_variant(v["id"]) or {}
    lid = st.new_id("LineItem")
    price = Decimal(str(price if price is not None else v.get("price", "0")))
    total = price * qty
    return {"id": lid, "title": p.get("title"), "name": v.get("displayName") or p.get("title"),
            "variantTitle": None if v.get("title") == "Default Title" else v.get("title"), "sku": v.get("sku"),
            "vendor": p.get("vendor"), "quantity": qty, "currentQuantity": qty, "unfulfilledQuantity": qty,
            "refundableQuantity": qty, "nonFulfillableQuantity": 0, "requiresShipping": ship, "taxable": True,
            "isGiftCard": False, "merchantEditable": True, "restockable": True, "variant": {"id": v["id"]},
            "product": {"id": p.get("id")} if p else None,
            "inventoryItemId": (v.get("inventoryItem") or {}).get("id"), "customAttributes": [],
            "originalUnitPriceSet": _bag(price, cur), "discountedUnitPriceSet": _bag(price, cur),
            "discountedUnitPriceAfterAllDiscountsSet": _bag(price, cur), "originalTotalSet": _bag(total, cur),
            "discountedTotalSet": _bag(total, cur), "totalDiscountSet": _bag(0, cur), "taxLines": [],
            "discountAllocations": [], "duties": [], "unfulfilledDiscountedTotalSet": _bag(total, cur),
            "unfulfilledOriginalTotalSet": _bag(total, cur),
            "weight": {"unit": "GRAMS", "value": float((((v.get("inventoryItem") or {}).get("measurement") or {})
                                                         .get("weight") or {}).get("value") or 0)}}


def _fo_line(st, li, v):
    return {"id": st.new_id("FulfillmentOrderLineItem"), "lineItem": {"id": li["id"]},
            "totalQuantity": li["quantity"], "remainingQuantity": li["quantity"], "sku": li.get("sku"),
            "productTitle": li.get("title"), "variantTitle": li.get("variantTitle"), "vendor": li.get("vendor"),
            "variant": {"id": v["id"]}, "inventoryItemId": li.get("inventoryItemId"),
            "requiresShipping": li.get("requiresShipping", True), "weight": {"unit": "GRAMS", "value": 0.0}}


def move_stock(st, item_id, location_id, committed=0, available=0, on_hand=0):
    """Move an inventory level's quantities (placing an order commits stock, fulfilling ships
    it, cancelling releases it). -> (level, item) when something changed, else None."""
    if not item_id or item_id not in st.inventory_items or location_id not in st.locations:
        return None
    item = st.inventory_items[item_id]
    if not item.get("tracked", True):
        return None
    if not (committed or available or on_hand):
        return None
    level = st.activate_level(item_id, location_id)
    q = level.setdefault("quantities", {})
    q["committed"] = int(q.get("committed", 0) or 0) + committed
    q["available"] = int(q.get("available", 0) or 0) + available
    q["on_hand"] = int(q.get("on_hand", 0) or 0) + on_hand
    level["updatedAt"] = now_iso()
    v = st.variant_of_item(item_id)
    if v is not None:
        v["inventoryQuantity"] = sum(int((l.get("quantities") or {}).get("available", 0) or 0)
                                     for l in item.get("inventoryLevels", []))
    return level, item


def fulfillment_order_of_line(o, line_id):
    for fo in o.get("fulfillmentOrders", []):
        for fl in fo.get("lineItems", []):
            if (fl.get("lineItem") or {}).get("id") == line_id:
                return ((fo.get("assignedLocation") or {}).get("location") or {}).get("id"), fo, fl
    return None, None, None


def commit_order_stock(st, o, sign=1, only=None):
    """Commit (sign=1) or release (sign=-1) the unfulfilled quantities of an order's lines."""
    changed = []
    for li in o.get("lineItems", []):
        if only is not None and li["id"] not in only:
            continue
        loc, _fo, fl = fulfillment_order_of_line(o, li["id"])
        qty = only[li["id"]] if only is not None else (fl["remainingQuantity"] if fl else li.get("currentQuantity", 0))
        if not qty:
            continue
        r = move_stock(st, li.get("inventoryItemId"), loc, committed=sign * qty, available=-sign * qty)
        if r:
            changed.append(r)
    return changed


def _address(a, st=None):
    if not a:
        return None
    base = {"id": a.get("id") or (st.new_id("MailingAddress") if st is not None else None), "formatted": [],
            "formattedArea": None,
            "coordinatesValidated": False,"firstName": None, "lastName": None, "name": None, "company": None, "address1": None, "address2": None,
            "city": None, "province": None, "provinceCode": None, "zip": None, "country": "United States",
            "countryCodeV2": "US", "phone": None, "latitude": None, "longitude": None}
    base.update(a)
    if not base.get("name"):
        base["name"] = " ".join(x for x in (base.get("firstName"), base.get("lastName")) if x) or None
    base["formatted"] = [x for x in (base.get("address1"), base.get("address2"),
                                     " ".join(y for y in (base.get("city"), base.get("provinceCode"), base.get("zip")) if y),
                                     base.get("country")) if x]
    base["formattedArea"] = ", ".join(x for x in (base.get("city"), base.get("province"), base.get("country")) if x) or None
    return base


def _location_gid(st, value) -> str | None:
    """A location id (GID or number) given to the control API; ValueError when the shop has no such location."""
    if value is None or value == "":
        return None
    lid = str(value) if str(value).startswith("gid://") else f"gid://shopify/Location/{value}"
    if lid not in st.locations:
        raise ValueError(f"unknown location {value}")
    return lid


def _assigned_location(st, loc_id) -> dict:
    loc = st.locations.get(loc_id) or {}
    return {"name": loc.get("name"), "location": {"id": loc_id},
            **{k: (loc.get("address") or {}).get(k) for k in ("address1", "city", "province", "zip", "countryCode",
                                                              "phone")}}


def build_order(st, data: dict) -> dict:
    cur = st.shop.get("currencyCode", st.currency)
    specs = data.get("line_items") or []
    if not specs:
        raise ValueError("line_items is required")
    now = now_iso()
    oid = st.new_id("Order")
    number = max([o.get("number") or 1000 for o in st.orders.values()] + [1000]) + 1
    loc_id = _location_gid(st, data.get("location_id"))
    if not loc_id:
        loc_id = next((l["id"] for l in st.locations.values() if l.get("fulfillsOnlineOrders", True)
                       and l.get("isActive", True)), next(iter(st.locations), None))
    # one fulfillment order per assigned location, as Shopify splits an order: a line item's
    # own location_id, else the order's. Lines given the same "fulfillment_order" label share a
    # fulfillment order of their own (several at one location, as after fulfillmentOrderSplit).
    lines, fo_groups = [], {}
    for s in specs:
        v = _find_variant(st, s)
        qty = int(s.get("quantity", 1))
        li = _line(st, v, qty, s.get("price"), cur)
        lines.append(li)
        label = s.get("fulfillment_order")
        group = (_location_gid(st, s.get("location_id")) or loc_id, None if label is None else str(label))
        fo_groups.setdefault(group, []).append(_fo_line(st, li, v))
    subtotal = sum((_amt(li["discountedTotalSet"]) for li in lines), Decimal(0))
    ship = data.get("shipping") or {"title": "Standard Shipping", "code": "STANDARD", "price": "5.95"}
    ship_price = Decimal(str(ship.get("price", "0")))
    tax = (subtotal * Decimal(str(data.get("tax_rate", "0")))).quantize(TWO)
    total = subtotal + ship_price + tax
    gateway = data.get("gateway", "shopify_payments")
    addr = _address(st=st, a=data.get("shipping_address") or {"firstName": "Dev", "lastName": "Customer",
                                                     "address1": "1 Test St", "city": "Chicago",
                                                     "province": "Illinois", "provinceCode": "IL", "zip": "60601"})
    email = data.get("email", "customer@example.com")
    customer = data.get("customer")
    if customer is None and email:
        cid = f"gid://shopify/Customer/{9_100_000_000_000 + gid_num(oid) % 1_000_000}"
        customer = {"id": cid, "legacyResourceId": str(gid_num(cid)),
                    "firstName": addr.get("firstName") if addr else None,
                    "lastName": addr.get("lastName") if addr else None, "email": email, "phone": None,
                    "displayName": (addr or {}).get("name") or email, "note": None, "tags": [], "state": "ENABLED",
                    "locale": "en", "verifiedEmail": True, "taxExempt": False, "taxExemptions": [],
                    "createdAt": now, "updatedAt": now, "defaultAddress": addr, "addresses": [addr] if addr else [],
                    "defaultEmailAddress": {"emailAddress": email, "marketingState": "NOT_SUBSCRIBED"},
                    "defaultPhoneNumber": None}
        st.customers.setdefault(cid, customer)
    source = data.get("source_name", "web")
    ship_line = {"id": st.new_id("ShippingLine"), "title": ship.get("title"), "code": ship.get("code"),
                 "source": ship.get("source", "shopify"), "carrierIdentifier": None, "custom": False,
                 "originalPriceSet": _bag(ship_price, cur), "discountedPriceSet": _bag(ship_price, cur),
                 "currentDiscountedPriceSet": _bag(ship_price, cur), "taxLines": [], "isRemoved": False,
                 "deliveryCategory": ship.get("deliveryCategory", "shipping"), "phone": None,
                 "discountAllocations": [], "shippingRateHandle": None}
    paid = data.get("financial_status", "PAID").upper()
    o = {"id": oid, "legacyResourceId": str(gid_num(oid)), "name": f"#{number}", "number": number,
         "confirmationNumber": secrets.token_hex(5).upper()[:9], "email": email, "phone": None,
         "createdAt": now, "processedAt": data.get("processedAt", now), "updatedAt": now, "closed": False,
         "closedAt": None, "cancelledAt": None, "cancelReason": None, "confirmed": True, "test": False,
         "edited": False, "note": data.get("note"), "currencyCode": cur, "presentmentCurrencyCode": cur,
         "customerLocale": "en", "customerAcceptsMarketing": False, "taxesIncluded": False, "taxExempt": False,
         "estimatedTaxes": False, "dutiesIncluded": False, "sourceName": source, "sourceIdentifier": None,
         "customer": customer, "shippingAddress": addr, "billingAddress": addr,
         "billingAddressMatchesShippingAddress": True, "requiresShipping": True, "shippingLine": ship_line,
         "shippingLines": [ship_line], "lineItems": lines,
         "subtotalLineItemsQuantity": sum(li["quantity"] for li in lines),
         "currentSubtotalLineItemsQuantity": sum(li["quantity"] for li in lines),
         "totalWeight": "0", "currentTotalWeight": "0", "cartDiscountAmountSet": None,
         "displayFulfillmentStatus": "UNFULFILLED", "fulfillable": True,
         "displayFinancialStatus": paid, "fullyPaid": paid == "PAID", "unpaid": paid != "PAID", "refundable": True,
         "canMarkAsPaid": paid != "PAID", "returnStatus": "NO_RETURN", "paymentGatewayNames": [gateway],
         "tags": list(data.get("tags", [])), "discountCodes": [], "taxLines": [],
         "app": {"id": "gid://shopify/App/580111", "name": "Online Store"} if source == "web" else
         {"id": "gid://shopify/App/1354745", "name": source.replace("_", " ").title()},
         "channelInformation": {"app": {"id": "gid://shopify/App/580111", "title": "Online Store"},
                                "channelDefinition": {"handle": "web" if source == "web" else source}},
         "publication": None, "retailLocation": None, "fulfillments": [], "refunds": [], "returns": [],
         "transactions": [{"id": st.new_id("OrderTransaction"), "kind": "SALE", "status": "SUCCESS",
                           "gateway": gateway, "formattedGateway": gateway.replace("_", " ").title(),
                           "manualPaymentGateway": gateway in ("manual", "cash"), "amountSet": _bag(total, cur),
                           "createdAt": now, "processedAt": now, "test": False, "errorCode": None,
                           "paymentId": None, "location": None, "parentTransaction": None}] if paid == "PAID" else [],
         "fulfillmentOrders": [{
             "id": st.new_id("FulfillmentOrder"), "orderId": oid, "orderName": f"#{number}",
             "orderProcessedAt": now, "status": "OPEN", "requestStatus": "UNSUBMITTED", "createdAt": now,
             "updatedAt": now, "fulfillAt": now, "fulfillBy": None, "fulfillmentHolds": [],
             "deliveryMethod": {"methodType": "SHIPPING", "presentedName": ship.get("title")},
             "destination": addr and {k: addr.get(k) for k in ("firstName", "lastName", "address1", "address2",
                                                                "city", "province", "zip", "phone")} | {
                 "countryCode": addr.get("countryCodeV2"), "email": email},
             "assignedLocation": _assigned_location(st, fo_loc),
             "supportedActions": [{"action": "CREATE_FULFILLMENT"}, {"action": "HOLD"}, {"action": "MOVE"}],
             "lineItems": fo_lines} for (fo_loc, _label), fo_lines in fo_groups.items()]}
    _totals(o, cur, subtotal, ship_price, tax, paid == "PAID")
    return o


def _totals(o, cur, subtotal, ship, tax, paid):
    total = subtotal + ship + tax
    for k, v in (("subtotalPriceSet", subtotal), ("currentSubtotalPriceSet", subtotal),
                 ("totalShippingPriceSet", ship), ("currentShippingPriceSet", ship), ("totalTaxSet", tax),
                 ("currentTotalTaxSet", tax), ("totalDiscountsSet", 0), ("currentTotalDiscountsSet", 0),
                 ("totalPriceSet", total), ("currentTotalPriceSet", total), ("originalTotalPriceSet", total),
                 ("totalReceivedSet", total if paid else 0), ("netPaymentSet", total if paid else 0),
                 ("totalOutstandingSet", 0 if paid else total), ("totalCapturableSet", 0),
                 ("totalTipReceivedSet", 0), ("currentCartDiscountAmountSet", 0)):
        o[k] = _bag(v, cur)
    o.setdefault("totalRefundedSet", _bag(0, cur))
    o.setdefault("totalRefundedShippingSet", _bag(0, cur))


def edit_order(st, o, data) -> dict | None:
    """Apply an edit. Returns the edit description (line item additions/removals) or None."""
    if o.get("cancelledAt"):
        raise ValueError("a cancelled order cannot be edited")
    cur = o.get("currencyCode", "USD")
    now = now_iso()
    for k in ("email", "note", "tags", "phone"):
        if k in data:
            o[k] = data[k]
    if "shipping_address" in data:
        o["shippingAddress"] = _address({**(o.get("shippingAddress") or {}), **data["shipping_address"]}, st)
    if "billing_address" in data:
        o["billingAddress"] = _address({**(o.get("billingAddress") or {}), **data["billing_address"]}, st)
    additions, removals = [], []
    lines = {li["id"]: li for li in o.get("lineItems", [])}
    fo_line_of = {}
    for fo in o.get("fulfillmentOrders", []):
        for fl in fo.get("lineItems", []):
            fo_line_of[(fl.get("lineItem") or {}).get("id")] = (fo, fl)
    for change in data.get("line_items", []):
        lid = change["id"] if str(change["id"]).startswith("gid://") else f"gid://shopify/LineItem/{change['id']}"
        li = lines.get(lid)
        if li is None:
            raise ValueError(f"unknown line item {change['id']}")
        new_q = int(change["quantity"])
        fo, fl = fo_line_of.get(lid, (None, None))
        fulfilled = li["quantity"] - (fl["remainingQuantity"] if fl else li.get("unfulfilledQuantity", 0))
        if new_q < fulfilled:
            raise ValueError(f"line item {lid} has {fulfilled} fulfilled; quantity cannot go below it")
        delta = new_q - li["currentQuantity"]
        if delta == 0:
            continue
        li["currentQuantity"] = new_q
        li["unfulfilledQuantity"] = max(0, li.get("unfulfilledQuantity", 0) + delta)
        li["refundableQuantity"] = max(0, li.get("refundableQuantity", 0) + delta)
        if fl is not None:
            fl["remainingQuantity"] = max(0, fl["remainingQuantity"] + delta)
            fl["totalQuantity"] = max(0, fl["totalQuantity"] + delta)
        (additions if delta > 0 else removals).append({"lineItem": {"id": lid}, "delta": abs(delta)})
    for spec in data.get("add", []):
        v = _find_variant(st, spec)
        li = _line(st, v, int(spec.get("quantity", 1)), spec.get("price"), cur)
        o["lineItems"].append(li)
        fos = o.get("fulfillmentOrders") or []
        open_fo = next((f for f in fos if f.get("status") in ("OPEN", "IN_PROGRESS")), None)
        if open_fo is None and fos:
            open_fo = dict(fos[0], id=st.new_id("FulfillmentOrder"), status="OPEN", lineItems=[],
                           createdAt=now, updatedAt=now)
            fos.append(open_fo)
        if open_fo is not None:
            open_fo["lineItems"].append(_fo_line(st, li, v))
        additions.append({"lineItem": {"id": li["id"]}, "delta": li["quantity"]})
    for fo in o.get("fulfillmentOrders", []):
        if fo.get("status") in ("OPEN", "IN_PROGRESS") and all(fl["remainingQuantity"] == 0
                                                               for fl in fo.get("lineItems", [])):
            fo["status"] = "CLOSED"
        fo["updatedAt"] = now
    if additions or removals:
        subtotal = sum((_amt(li["discountedUnitPriceSet"]) * li["currentQuantity"] for li in o["lineItems"]),
                       Decimal(0))
        ship = _amt(o.get("totalShippingPriceSet"))
        tax = _amt(o.get("totalTaxSet"))
        for k, v in (("currentSubtotalPriceSet", subtotal), ("currentTotalPriceSet", subtotal + ship + tax)):
            o[k] = _bag(v, cur)
        o["currentSubtotalLineItemsQuantity"] = sum(li["currentQuantity"] for li in o["lineItems"])
        o["edited"] = True
        remaining = sum(fl["remainingQuantity"] for fo in o.get("fulfillmentOrders", []) for fl in fo["lineItems"])
        if remaining == 0 and o.get("fulfillments"):
            o["displayFulfillmentStatus"] = "FULFILLED"
        o["fulfillable"] = remaining > 0
    o["updatedAt"] = now
    if not (additions or removals):
        return None
    return {"id": f"gid://shopify/OrderEdit/{st.new_num()}", "createdAt": now, "notifyCustomer": False,
            "staffNote": "", "additions": additions, "removals": removals}

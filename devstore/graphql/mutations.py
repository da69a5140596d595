"""Mutations: inventorySetQuantities, fulfillmentCreate, refundCreate, locationEdit, webhook subscriptions.
(bulkOperationRunQuery / bulkOperationCancel live in devstore.bulk.)"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation

from graphql import GraphQLError, value_from_ast_untyped

from devstore.graphql import events
from devstore.graphql.orders import move_stock
from devstore.graphql.resolvers import id_key, paginate, position_key, registrar
from devstore.store import gid_num, gid_type, now_iso

RESOLVERS: dict = {}  # this module's mutations (joined in devstore/graphql_api.py)
resolver = registrar(RESOLVERS)
MAX_INPUT = 250
INVENTORY_REASONS = {"correction", "cycle_count_available", "damaged", "movement_canceled", "movement_created",
                     "movement_received", "movement_updated", "other", "promotion", "quality_control",
                     "received", "reservation_created", "reservation_deleted", "reservation_updated",
                     "restock", "safety_stock", "shrinkage"}


def _ctx(info):
    return info.context


def idempotency_key(info):
    for d in info.field_nodes[0].directives or ():
        if d.name.value == "idempotent":
            for a in d.arguments:
                if a.name.value == "key":
                    return value_from_ast_untyped(a.value, info.variable_values)
    return None


def _max_input(info, arr, path):
    if arr is not None and len(arr) > MAX_INPUT:
        raise GraphQLError(f"The input array size of {len(arr)} is greater than the maximum allowed of {MAX_INPUT}.",
                           info.field_nodes, extensions={"code": "MAX_INPUT_SIZE_EXCEEDED", "path": path})


def _money(amount, currency):
    return {"amount": _fmt(amount), "currencyCode": currency}


def _fmt(d):
    d = Decimal(str(d)).quantize(Decimal("0.01"))
    return format(d, "f")


def _bag(amount, currency):
    return {"shopMoney": _money(amount, currency), "presentmentMoney": _money(amount, currency)}


def _amount(bag):
    try:
        return Decimal(str(((bag or {}).get("shopMoney") or {}).get("amount", "0")))
    except InvalidOperation:
        return Decimal(0)


def _app_ref(ctx):
    cfg = ctx.state.config
    return {"id": "gid://shopify/App/1", "title": cfg.toml.get("name", "App"), "handle": cfg.toml.get("handle", "app"),
            "apiKey": cfg.api_key}


# --- inventorySetQuantities ----------------------------------------------------------------

@resolver("Mutation", "inventorySetQuantities")
def m_inventory_set_quantities(_, info, input):
    ctx = _ctx(info)
    st = ctx.shop
    key = idempotency_key(info)
    if not key:
        raise GraphQLError("The @idempotent directive is required for this mutation: "
                           "inventorySetQuantities(...) @idempotent(key: \"<unique key>\").",
                           info.field_nodes, extensions={"code": "BAD_REQUEST"})
    _max_input(info, input.get("quantities"), ["input", "quantities"])
    fingerprint = hashlib.sha256(json.dumps(input, sort_keys=True, default=str).encode()).hexdigest()
    with st.lock:
        prior = st.idempotency.get(("inventorySetQuantities", key))
        if prior is not None:
            if prior["fingerprint"] != fingerprint:
                return {"inventoryAdjustmentGroup": None, "userErrors": [{
                    "field": ["input"], "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    "message": "The same idempotency key cannot be used with different operation parameters."}]}
            st.inventory_sets.append({**prior["record"], "replayed": True, "at": now_iso()})
            return prior["result"]
        result, record, changed = _set_quantities(ctx, st, input, key)
        st.idempotency[("inventorySetQuantities", key)] = {"fingerprint": fingerprint, "result": result,
                                                           "record": record}
        st.inventory_sets.append(record)
    if changed and ctx.state.wants(st, "inventory_levels/update"):
        for level, item in changed:
            ctx.state.emit(st, "inventory_levels/update", events.inventory_level_payload(level, item))
    return result


def _set_quantities(ctx, st, inp, key):
    name = inp.get("name")
    reason = inp.get("reason")
    errors = []
    if name not in ("available", "on_hand"):
        errors.append({"field": ["input", "name"], "code": "INVALID_NAME",
                       "message": "The quantity name must be either 'available' or 'on_hand'."})
    if reason not in INVENTORY_REASONS:
        errors.append({"field": ["input", "reason"], "code": "INVALID_REASON",
                       "message": "The specified reason is invalid."})
    uri = inp.get("referenceDocumentUri")
    if uri is not None and ("://" not in uri and not uri.startswith("gid:")):
        errors.append({"field": ["input", "referenceDocumentUri"], "code": "INVALID_REFERENCE_DOCUMENT",
                       "message": "The reference document URI is invalid."})
    seen = set()
    plan = []
    for i, q in enumerate(inp.get("quantities") or []):
        path = ["input", "quantities", str(i)]
        item = st.inventory_items.get(q["inventoryItemId"])
        if item is None:
            errors.append({"field": path + ["inventoryItemId"], "code": "INVALID_INVENTORY_ITEM",
                           "message": "The specified inventory item could not be found."})
            continue
        if q["locationId"] not in st.locations:
            errors.append({"field": path + ["locationId"], "code": "INVALID_LOCATION",
                           "message": "The specified location could not be found."})
            continue
        pair = (q["inventoryItemId"], q["locationId"])
        if pair in seen:
            errors.append({"field": path, "code": "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                           "message": "The combination of inventoryItemId and locationId must be unique."})
            continue
        seen.add(pair)
        if q["quantity"] < 0 and name == "on_hand":
            errors.append({"field": path + ["quantity"], "code": "INVALID_QUANTITY_NEGATIVE",
                           "message": "The quantity can't be negative."})
            continue
        if abs(q["quantity"]) > 1_000_000_000:
            errors.append({"field": path + ["quantity"], "code": "INVALID_QUANTITY_TOO_HIGH",
                           "message": "The quantity can't be higher than 1,000,000,000."})
            continue
        if "changeFromQuantity" not in q:
            errors.append({"field": path + ["changeFromQuantity"], "code": "COMPARE_QUANTITY_REQUIRED",
                           "message": "The changeFromQuantity argument must be given to each quantity "
                                      "(pass null explicitly to opt out of the check)."})
            continue
        level = st.level_for(*pair)
        current = int(((level or {}).get("quantities") or {}).get(name, 0) or 0)
        cfq = q.get("changeFromQuantity")
        if cfq is not None and cfq != current:
            errors.append({"field": path + ["changeFromQuantity"], "code": "CHANGE_FROM_QUANTITY_STALE",
                           "message": "The changeFromQuantity value does not match persisted value."})
            continue
        plan.append((q, item, current))
    record = {"at": now_iso(), "idempotency_key": key, "name": name, "reason": reason,
              "referenceDocumentUri": uri, "replayed": False,
              "quantities": [{"inventoryItemId": q["inventoryItemId"], "locationId": q["locationId"],
                              "quantity": q["quantity"], "changeFromQuantity": q.get("changeFromQuantity", "<omitted>")}
                             for q in inp.get("quantities") or []]}
    if errors:
        record["userErrors"] = errors
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}, record, []
    now = now_iso()
    changes, changed = [], []
    for q, item, current in plan:
        level = st.activate_level(q["inventoryItemId"], q["locationId"])
        qty = level.setdefault("quantities", {})
        delta = q["quantity"] - current
        qty[name] = q["quantity"]
        other = "on_hand" if name == "available" else "available"
        qty[other] = int(qty.get(other, 0) or 0) + delta
        level["updatedAt"] = now
        item["updatedAt"] = now
        ref = {"id": q["inventoryItemId"]}
        loc = {"id": q["locationId"]}
        changes.append({"name": name, "delta": delta, "quantityAfterChange": q["quantity"], "item": ref,
                        "location": loc, "ledgerDocumentUri": None})
        changes.append({"name": other, "delta": delta, "quantityAfterChange": qty[other], "item": ref,
                        "location": loc, "ledgerDocumentUri": None})
        if delta:
            changed.append((level, item))
    group = {"id": st.new_id("InventoryAdjustmentGroup"), "createdAt": now, "reason": reason,
             "referenceDocumentUri": uri, "changes": changes, "app": _app_ref(ctx), "staffMember": None}
    record["inventoryAdjustmentGroup"] = group["id"]
    record["applied"] = [{"inventoryItemId": q["inventoryItemId"], "locationId": q["locationId"],
                          "before": current, "after": q["quantity"]} for q, _i, current in plan]
    return {"inventoryAdjustmentGroup": group, "userErrors": []}, record, changed


@resolver("InventoryAdjustmentGroup", "changes")
def r_group_changes(group, info, inventoryItemIds=None, locationIds=None, quantityNames=None):
    out = group.get("changes", [])
    if inventoryItemIds:
        out = [c for c in out if c["item"]["id"] in inventoryItemIds]
    if locationIds:
        out = [c for c in out if c["location"]["id"] in locationIds]
    if quantityNames:
        out = [c for c in out if c["name"] in quantityNames]
    return out


@resolver("InventoryChange", "item")
def r_change_item(change, info):
    return _ctx(info).shop.inventory_items.get(change["item"]["id"])


@resolver("InventoryChange", "location")
def r_change_location(change, info):
    return _ctx(info).shop.locations.get(change["location"]["id"])


# --- fulfillmentCreate ----------------------------------------------------------------------

def _ue(field, message):
    return {"field": field, "message": message}


@resolver("Mutation", "fulfillmentCreate")
def m_fulfillment_create(_, info, fulfillment, message=None):
    ctx = _ctx(info)
    st = ctx.shop
    groups = fulfillment.get("lineItemsByFulfillmentOrder") or []
    _max_input(info, groups, ["fulfillment", "lineItemsByFulfillmentOrder"])
    with st.lock:
        errors, plan, order = [], [], None
        locations, asked = [], {}      # the fulfillment orders' assigned locations; quantity asked per FO line
        if not groups:
            errors.append(_ue(["fulfillment"], "Line items by fulfillment order must not be empty."))
        for gi, g in enumerate(groups):
            fo = st.node(g["fulfillmentOrderId"])
            if fo is None or gid_type(g["fulfillmentOrderId"]) != "FulfillmentOrder":
                errors.append(_ue(["fulfillment", "lineItemsByFulfillmentOrder", str(gi), "fulfillmentOrderId"],
                                  "Fulfillment order does not exist."))
                continue
            o = st.orders.get(st.owner.get(fo["id"]))
            if order is not None and o is not order:
                errors.append(_ue(["fulfillment"], "All fulfillment orders must belong to the same order."))
                continue
            order = o
            loc_id = ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")
            if loc_id not in locations:
                locations.append(loc_id)
            if fo.get("status") not in ("OPEN", "IN_PROGRESS"):
                errors.append(_ue(["fulfillment"], f"Fulfillment order {fo['id']} has an unfulfillable status= "
                                                   f"{(fo.get('status') or '').lower()}."))
                continue
            by_id = {li["id"]: li for li in fo.get("lineItems", [])}
            wanted = g.get("fulfillmentOrderLineItems")
            if wanted is None:
                wanted = [{"id": li["id"], "quantity": li.get("remainingQuantity", 0)}
                          for li in fo.get("lineItems", []) if li.get("remainingQuantity", 0) > 0]
            for li_in in wanted:
                foli = by_id.get(li_in["id"])
                if foli is None:
                    errors.append(_ue(["fulfillment"], f"Fulfillment order line item {li_in['id']} does not belong "
                                                       f"to fulfillment order {fo['id']}."))
                    continue
                asked[foli["id"]] = asked.get(foli["id"], 0) + li_in["quantity"]
                if li_in["quantity"] <= 0 or asked[foli["id"]] > foli.get("remainingQuantity", 0):
                    errors.append(_ue(["fulfillment"], "Invalid fulfillment order line item quantity requested."))
                    continue
                plan.append((fo, foli, li_in["quantity"]))
        if len(locations) > 1:
            # one fulfillment ships from one place: Shopify refuses fulfillment orders assigned to
            # different locations in one call (the caller makes one call per location)
            errors.insert(0, _ue(["fulfillment"], "All fulfillment orders must be assigned to a single location. "
                                                  "Multiple locations with IDs "
                                                  f"[{', '.join(str(gid_num(x)) for x in locations if x)}] were found"))
        if not errors and not plan:
            errors.append(_ue(["fulfillment"], "No line items to fulfill."))
        tracking = fulfillment.get("trackingInfo") or {}
        if errors:
            st.fulfillment_log.append({"at": now_iso(), "input": fulfillment, "userErrors": errors})
            return {"fulfillment": None, "userErrors": errors}
        now = now_iso()
        n = len(order.get("fulfillments") or []) + 1
        numbers = list(tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else []))
        urls = list(tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else []))
        tinfo = [{"company": tracking.get("company"), "number": num,
                  "url": urls[i] if i < len(urls) else None} for i, num in enumerate(numbers)]
        if not tinfo and (tracking.get("company") or urls):
            tinfo = [{"company": tracking.get("company"), "number": None, "url": urls[0] if urls else None}]
        fid = st.new_id("Fulfillment")
        li_by_id = {li["id"]: li for li in order.get("lineItems", [])}
        f_lines = []
        for fo, foli, qty in plan:
            foli["remainingQuantity"] = foli.get("remainingQuantity", 0) - qty
            line_ref = (foli.get("lineItem") or {}).get("id")
            li = li_by_id.get(line_ref)
            if li is not None:
                for k in ("unfulfilledQuantity", "fulfillableQuantity"):
                    if k in li and li[k] is not None:
                        li[k] = max(0, li[k] - qty)
            f_lines.append({"id": st.new_id("FulfillmentLineItem"), "lineItem": {"id": line_ref}, "quantity": qty})
        stock_changed = []
        for fo, foli, qty in plan:   # shipped: committed and on hand go down at the fulfilling location
            loc_id = ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")
            item_id = foli.get("inventoryItemId") or (li_by_id.get((foli.get("lineItem") or {}).get("id")) or {}).get(
                "inventoryItemId")
            r = move_stock(st, item_id, loc_id, committed=-qty, on_hand=-qty)
            if r:
                stock_changed.append(r)
        for fo in {id(fo): fo for fo, _x, _y in plan}.values():
            fo["status"] = "CLOSED" if all(li.get("remainingQuantity", 0) <= 0 for li in fo.get("lineItems", [])) \
                else "IN_PROGRESS"
            fo["updatedAt"] = now
        first_fo = plan[0][0]
        loc = ((first_fo.get("assignedLocation") or {}).get("location")) or None
        f = {"id": fid, "legacyResourceId": str(gid_num(fid)), "name": f"{order.get('name', '#')}-F{n}",
             "status": "SUCCESS", "displayStatus": "FULFILLED", "createdAt": now, "updatedAt": now,
             "deliveredAt": None, "estimatedDeliveryAt": None, "inTransitAt": None,
             "trackingInfo": tinfo, "fulfillmentLineItems": f_lines, "location": loc,
             "totalQuantity": sum(q for _a, _b, q in plan), "requiresShipping": True,
             "service": {"id": "gid://shopify/FulfillmentService/manual", "handle": "manual",
                         "serviceName": "Manual", "type": "MANUAL"},
             "fulfillmentOrders": [{"id": fo["id"]} for fo in {id(fo): fo for fo, _x, _y in plan}.values()],
             "notifyCustomer": bool(fulfillment.get("notifyCustomer")), "originAddress": fulfillment.get("originAddress")}
        order.setdefault("fulfillments", []).append(f)
        st.index[fid] = f
        st.owner[fid] = order["id"]
        for fl in f_lines:
            st.index[fl["id"]] = fl
            st.owner[fl["id"]] = order["id"]
        all_lines = [li for fo in order.get("fulfillmentOrders", []) for li in fo.get("lineItems", [])]
        remaining = sum(li.get("remainingQuantity", 0) for li in all_lines)
        order["displayFulfillmentStatus"] = "FULFILLED" if remaining <= 0 else "PARTIALLY_FULFILLED"
        order["fulfillable"] = remaining > 0
        order["updatedAt"] = now
        st.fulfillment_log.append({"at": now, "fulfillment_id": fid, "order_id": order["id"],
                                   "order_name": order.get("name"), "tracking": tinfo,
                                   "trackingInfo": {"company": tracking.get("company"), "number": tracking.get("number"),
                                                    "url": tracking.get("url")},
                                   "notifyCustomer": bool(fulfillment.get("notifyCustomer")),
                                   "lines": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItemId": foli["id"],
                                              "lineItemId": (foli.get("lineItem") or {}).get("id"), "quantity": q}
                                             for fo, foli, q in plan]})
    ctx.state.emit(st, "fulfillments/create", events.fulfillment_payload(f, order))
    if stock_changed and ctx.state.wants(st, "inventory_levels/update"):
        for level, item in stock_changed:
            ctx.state.emit(st, "inventory_levels/update", events.inventory_level_payload(level, item))
    ctx.state.emit(st, "orders/updated", events.order_payload(order))
    if order["displayFulfillmentStatus"] == "FULFILLED":
        ctx.state.emit(st, "orders/fulfilled", events.order_payload(order))
    else:
        ctx.state.emit(st, "orders/partially_fulfilled", events.order_payload(order))
    return {"fulfillment": f, "userErrors": []}


@resolver("Fulfillment", "trackingInfo")
def r_tracking(f, info, first=None):
    t = f.get("trackingInfo") or []
    return t[:first] if first else t


# --- refundCreate -------------------------------------------------------------------------------

def refund_order(ctx, st, inp, source="app"):
    """Apply a refund to an order. -> (refund, order, userErrors). Caller holds st.lock."""
    order = st.orders.get(inp.get("orderId"))
    if order is None:
        return None, None, [_ue(["orderId"], "Order does not exist")]
    currency = ((order.get("totalPriceSet") or {}).get("shopMoney") or {}).get("currencyCode") or st.currency
    lines = {li["id"]: li for li in order.get("lineItems", [])}
    refunded_qty = {}
    for r in order.get("refunds") or []:
        for rli in r.get("refundLineItems") or []:
            lid = (rli.get("lineItem") or {}).get("id")
            refunded_qty[lid] = refunded_qty.get(lid, 0) + rli.get("quantity", 0)
    errors, rlis = [], []
    _ = refunded_qty
    for i, rl in enumerate(inp.get("refundLineItems") or []):
        li = lines.get(rl["lineItemId"])
        if li is None:
            errors.append(_ue(["refundLineItems", str(i), "lineItemId"], "Line item does not exist"))
            continue
        refundable = li.get("quantity", 0) - refunded_qty.get(li["id"], 0)
        if rl["quantity"] <= 0 or rl["quantity"] > refundable:
            errors.append(_ue(["refundLineItems", str(i), "quantity"],
                              "Quantity cannot refund more items than were purchased"))
            continue
        unit = _amount(li.get("discountedUnitPriceSet") or li.get("originalUnitPriceSet"))
        rlis.append((li, rl, unit))
    total = Decimal(0)
    txs = []
    for i, t in enumerate(inp.get("transactions") or []):
        try:
            amt = Decimal(str(t.get("amount")))
        except InvalidOperation:
            errors.append(_ue(["transactions", str(i), "amount"], "Amount is invalid"))
            continue
        total += amt
        txs.append({"id": st.new_id("OrderTransaction"), "kind": (t.get("kind") or "REFUND").upper(),
                    "status": "SUCCESS", "gateway": t.get("gateway") or (order.get("paymentGatewayNames") or ["manual"])[0],
                    "amountSet": _bag(amt, currency), "processedAt": now_iso(), "createdAt": now_iso(),
                    "parentTransaction": {"id": t["parentId"]} if t.get("parentId") else None})
    received = _amount(order.get("totalReceivedSet") or order.get("totalPriceSet"))
    already = _amount(order.get("totalRefundedSet"))
    if not inp.get("allowOverRefunding") and total > received - already + Decimal("0.001"):
        errors.append(_ue(["transactions"], f"Refund amount {_fmt(total)} is greater than net payment received "
                                            f"{_fmt(received - already)}"))
    if errors:
        return None, order, errors
    now = inp.get("processedAt") or now_iso()
    rid = st.new_id("Refund")
    refund_lines = []
    for li, rl, unit in rlis:
        restock = rl.get("restockType") or "NO_RESTOCK"
        loc = rl.get("locationId")
        rli = {"id": st.new_id("RefundLineItem"), "lineItem": {"id": li["id"]}, "quantity": rl["quantity"],
               "restockType": restock, "restocked": restock in ("RETURN", "CANCEL", "LEGACY_RESTOCK"),
               "location": {"id": loc} if loc else None,
               "priceSet": _bag(unit, currency), "subtotalSet": _bag(unit * rl["quantity"], currency),
               "totalTaxSet": _bag(0, currency)}
        refund_lines.append(rli)
        if "currentQuantity" in li and li["currentQuantity"] is not None:
            li["currentQuantity"] = max(0, li["currentQuantity"] - rl["quantity"])
        if "refundableQuantity" in li and li["refundableQuantity"] is not None:
            li["refundableQuantity"] = max(0, li["refundableQuantity"] - rl["quantity"])
        if rli["restocked"] and loc:
            item_id = li.get("inventoryItemId") or ((st.variants.get((li.get("variant") or {}).get("id")) or {})
                                                    .get("inventoryItem") or {}).get("id")
            if restock == "CANCEL":     # not shipped: released from committed
                move_stock(st, item_id, loc, committed=-rl["quantity"], available=rl["quantity"])
            else:                       # returned: back on hand
                move_stock(st, item_id, loc, available=rl["quantity"], on_hand=rl["quantity"])
    refund = {"id": rid, "legacyResourceId": str(gid_num(rid)), "createdAt": now, "updatedAt": now,
              "note": inp.get("note"), "totalRefundedSet": _bag(total, currency),
              "refundLineItems": refund_lines, "transactions": txs, "order": {"id": order["id"]},
              "return": None, "staffMember": None, "duties": [], "refundShippingLines": [],
              "orderAdjustments": [], "notify": bool(inp.get("notify")), "source": source}
    order.setdefault("refunds", []).append(refund)
    new_total = already + total
    order["totalRefundedSet"] = _bag(new_total, currency)
    if total > 0:
        order["displayFinancialStatus"] = "REFUNDED" if new_total >= received else "PARTIALLY_REFUNDED"
    order["updatedAt"] = now_iso()
    st.index[rid] = refund
    st.owner[rid] = order["id"]
    for rli in refund_lines:
        st.index[rli["id"]] = rli
        st.owner[rli["id"]] = order["id"]
    return refund, order, []


@resolver("Mutation", "refundCreate")
def m_refund_create(_, info, input):
    ctx = _ctx(info)
    st = ctx.shop
    _max_input(info, input.get("refundLineItems"), ["input", "refundLineItems"])
    key = idempotency_key(info)   # optional for refundCreate: with a key, a repeat is not applied twice
    fingerprint = hashlib.sha256(json.dumps(input, sort_keys=True, default=str).encode()).hexdigest()
    with st.lock:
        if key is not None:
            prior = st.idempotency.get(("refundCreate", key))
            if prior is not None:
                if prior["fingerprint"] != fingerprint:
                    return {"refund": None, "order": None, "userErrors": [_ue(
                        ["input"], "The same idempotency key cannot be used with different operation parameters.")]}
                st.refund_log.append({"at": now_iso(), "input": input, "refund_id": prior["refund_id"],
                                      "userErrors": [], "source": "graphql", "idempotency_key": key,
                                      "replayed": True})
                order = st.orders.get(input.get("orderId"))
                refund = st.index.get(prior["refund_id"]) if prior["refund_id"] else None
                return {"refund": refund, "order": order, "userErrors": prior["userErrors"]}
        refund, order, errors = refund_order(ctx, st, input)
        if key is not None:
            st.idempotency[("refundCreate", key)] = {"fingerprint": fingerprint, "userErrors": errors,
                                                     "refund_id": refund and refund["id"]}
        st.refund_log.append({"at": now_iso(), "input": input, "refund_id": refund and refund["id"],
                              "userErrors": errors, "source": "graphql", "idempotency_key": key,
                              "replayed": False})
    if errors:
        return {"refund": None, "order": order, "userErrors": errors}
    ctx.state.emit(st, "refunds/create", events.refund_payload(refund, order))
    ctx.state.emit(st, "orders/updated", events.order_payload(order))
    return {"refund": refund, "order": order, "userErrors": []}


@resolver("Refund", "refundLineItems")
def r_refund_lines(refund, info, **args):
    return paginate(info, refund.get("refundLineItems", []), args, key=position_key)


@resolver("Refund", "transactions")
def r_refund_txs(refund, info, **args):
    return paginate(info, refund.get("transactions", []), args, key=id_key)


# --- webhook subscriptions ----------------------------------------------------------------------

_RESOURCES = sorted(["app", "app_purchases_one_time", "app_subscriptions", "bulk_operations", "carts", "checkouts",
                     "collection_listings", "collections", "companies", "customer_groups", "customers",
                     "customers_marketing_consent", "customer_payment_methods", "disputes", "domains",
                     "draft_orders", "fulfillment_events", "fulfillment_orders", "fulfillments", "inventory_items",
                     "inventory_levels", "locales", "locations", "markets", "order_transactions", "orders",
                     "payment_terms", "product_feeds", "product_listings", "products", "profiles", "refunds",
                     "returns", "reverse_deliveries", "reverse_fulfillment_orders", "scheduled_product_listings",
                     "segments", "selling_plan_groups", "shop", "subscription_billing_attempts",
                     "subscription_contracts", "tender_transactions", "themes", "variants"], key=len, reverse=True)


def topic_to_path(enum_value: str) -> str:
    low = enum_value.lower()
    for r in _RESOURCES:
        if low.startswith(r + "_"):
            return r + "/" + low[len(r) + 1:]
    head, _, tail = low.partition("_")
    return f"{head}/{tail}"


@resolver("Mutation", "webhookSubscriptionCreate")
def m_webhook_create(_, info, topic, webhookSubscription):
    ctx = _ctx(info)
    st = ctx.shop
    uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
    if not uri:
        return {"webhookSubscription": None, "userErrors": [_ue(["webhookSubscription", "uri"], "Address can't be blank")]}
    with st.lock:
        for s in st.webhook_subscriptions.values():
            if s["topic"] == topic and s["uri"] == uri:
                return {"webhookSubscription": None,
                        "userErrors": [_ue(["webhookSubscription", "callbackUrl"],
                                           "Address for this topic has already been taken")]}
        sid = st.new_id("WebhookSubscription")
        now = now_iso()
        sub = {"id": sid, "legacyResourceId": str(gid_num(sid)), "topic": topic, "uri": uri,
               "format": webhookSubscription.get("format") or "JSON", "filter": webhookSubscription.get("filter"),
               "includeFields": webhookSubscription.get("includeFields") or [],
               "metafieldNamespaces": webhookSubscription.get("metafieldNamespaces") or [], "metafields": [],
               "name": webhookSubscription.get("name"), "createdAt": now, "updatedAt": now,
               "apiVersion": {"handle": ctx.api_version, "displayName": ctx.api_version, "supported": True}}
        try:
            try:
                did = ctx.state.dispatcher.add_subscription(st.domain, topic_to_path(topic), uri,
                                                            name=webhookSubscription.get("name"), id=sid)
            except TypeError:
                did = ctx.state.dispatcher.add_subscription(st.domain, topic_to_path(topic), uri)
        except Exception:  # pragma: no cover
            did = None
        sub["_dispatcher_id"] = did if did is not None else sid
        st.webhook_subscriptions[sid] = sub
        st.index[sid] = sub
    return {"webhookSubscription": sub, "userErrors": []}


@resolver("Mutation", "webhookSubscriptionDelete")
def m_webhook_delete(_, info, id):
    ctx = _ctx(info)
    st = ctx.shop
    with st.lock:
        sub = st.webhook_subscriptions.pop(id, None)
        if sub is None:
            return {"deletedWebhookSubscriptionId": None,
                    "userErrors": [_ue(["id"], "Webhook subscription does not exist")]}
        st.index.pop(id, None)
    try:
        ctx.state.dispatcher.remove_subscription(sub.get("_dispatcher_id"))
    except Exception:  # pragma: no cover
        pass
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


@resolver("WebhookSubscription", "endpoint")
def r_sub_endpoint(sub, info):
    return {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub["uri"]}


@resolver("WebhookSubscription", "callbackUrl")
def r_sub_callback(sub, info):
    return sub["uri"]


# --- locationEdit ----------------------------------------------------------------------------

@resolver("Mutation", "locationEdit")
def m_location_edit(_, info, id, input):
    """Name and "fulfil online orders" of a location (address and metafields are not kept)."""
    ctx = _ctx(info)
    st = ctx.shop
    with st.lock:
        loc = st.locations.get(id)
        if loc is None:
            return {"location": None, "userErrors": [{"field": ["id"], "code": "NOT_FOUND",
                                                      "message": "The specified location could not be found."}]}
        errors = []
        if "fulfillsOnlineOrders" in input and loc.get("fulfillmentService") and not input["fulfillsOnlineOrders"]:
            errors.append({"field": ["input", "fulfillsOnlineOrders"],
                           "code": "CANNOT_MODIFY_ONLINE_ORDER_FULFILLMENT_FOR_FS_LOCATION",
                           "message": "Cannot modify the online order fulfillment preference for fulfillment "
                                      "service locations."})
        if "name" in input and not (input["name"] or "").strip():
            errors.append({"field": ["input", "name"], "code": "BLANK", "message": "Name can't be blank"})
        if errors:
            return {"location": None, "userErrors": errors}
        if input.get("fulfillsOnlineOrders") is False and loc.get("fulfillsOnlineOrders"):
            others = [l for l in st.locations.values()
                      if l is not loc and l.get("isActive", True) and l.get("fulfillsOnlineOrders")]
            if not others:  # Shopify keeps at least one location selling online
                return {"location": None, "userErrors": [{
                    "field": ["input", "fulfillsOnlineOrders"], "code": "CANNOT_DISABLE_ONLINE_ORDER_FULFILLMENT",
                    "message": "At least one location must fulfill online orders."}]}
        for key in ("name", "fulfillsOnlineOrders"):
            if key in input and input[key] is not None:
                loc[key] = input[key]
        loc["updatedAt"] = now_iso()
    if ctx.state.wants(st, "locations/update"):
        ctx.state.emit(st, "locations/update", events.location_payload(loc))
    return {"location": loc, "userErrors": []}


assert ("Mutation", "inventorySetQuantities") in RESOLVERS

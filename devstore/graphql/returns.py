"""Returns, as Shopify runs them: a customer requests a return (REQUESTED), the merchant
approves it (OPEN, with a reverse fulfillment order to receive the items), declines it
(DECLINED), cancels it (CANCELED), closes it (CLOSED) or reopens a closed one (OPEN).
Received items are disposed of on the reverse fulfillment order (RESTOCKED puts them back
on hand at a location). Every step changes the order's `updatedAt` and sends its webhook
(`returns/request|approve|decline|cancel|close|reopen`, `reverse_fulfillment_orders/dispose`).

The GraphQL mutations (`returnRequest`, `returnApproveRequest`, `returnDeclineRequest`,
`returnCancel`, `returnClose`, `returnReopen`, `reverseFulfillmentOrderDispose`) and the
control calls (devstore/control.py, `/_devstore/orders/<id>/returns`, `/_devstore/returns/...`)
share the functions here. Callers hold `st.lock`; each returns `(return, userErrors)`.
"""
from __future__ import annotations

from devstore.graphql import events
from devstore.graphql.orders import move_stock
from devstore.graphql.resolvers import default_resolve, id_key, paginate, registrar
from devstore.store import now_iso

REASONS = ("COLOR", "DEFECTIVE", "NOT_AS_DESCRIBED", "OTHER", "SIZE_TOO_LARGE", "SIZE_TOO_SMALL", "STYLE",
           "UNKNOWN", "UNWANTED", "WRONG_ITEM")
CLOSED_FOR_LINES = ("DECLINED", "CANCELED")  # their lines may be returned again
RESOLVERS: dict = {}  # this module's resolvers and mutations (joined in devstore/graphql_api.py)
resolver = registrar(RESOLVERS)


def _ue(field, message, code=None):
    return {"field": field, "message": message, "code": code}


def _order_of(st, ret):
    return st.orders.get(st.owner.get(ret["id"]) or (ret.get("order") or {}).get("id"))


def _touch(st, order):
    order["updatedAt"] = now_iso()
    rets = order.get("returns") or []
    open_ = any(r["status"] in ("REQUESTED", "OPEN") for r in rets)
    order["returnStatus"] = ("RETURN_REQUESTED" if any(r["status"] == "REQUESTED" for r in rets)
                             else "IN_PROGRESS" if open_
                             else "RETURNED" if any(r["status"] == "CLOSED" for r in rets) else "NO_RETURN")


def _fulfilled_lines(order) -> dict[str, tuple[dict, str]]:
    """fulfillment line item id -> (its fulfillment line, the order line's id)."""
    out = {}
    for f in order.get("fulfillments") or []:
        for fli in f.get("fulfillmentLineItems") or []:
            out[fli["id"]] = (fli, (fli.get("lineItem") or {}).get("id"))
    return out


def _in_returns(order, fli_id) -> int:
    return sum(rl["quantity"] for r in order.get("returns") or [] if r["status"] not in CLOSED_FOR_LINES
               for rl in r.get("returnLineItems") or [] if (rl.get("fulfillmentLineItem") or {}).get("id") == fli_id)


def fli_of_line(order, line_id):
    """The fulfillment line of an order line (control calls name order lines)."""
    for fli_id, (fli, lid) in _fulfilled_lines(order).items():
        if lid == line_id:
            return fli_id
    return None


def request_return(st, order, lines: list[dict], exchange: list[dict] | None = None, status="REQUESTED"):
    """`lines`: [{fulfillmentLineItemId, quantity, returnReason?, customerNote?, returnReasonNote?}];
    `exchange`: [{variantId, quantity}] (new items for the customer)."""
    if order is None:
        return None, [_ue(["input", "orderId"], "Order does not exist", "INVALID")]
    fulfilled = _fulfilled_lines(order)
    errors, rlis = [], []
    for i, rl in enumerate(lines):
        hit = fulfilled.get(rl.get("fulfillmentLineItemId"))
        if hit is None:
            errors.append(_ue(["input", "returnLineItems", str(i), "fulfillmentLineItemId"],
                              "Fulfillment line item does not exist", "INVALID"))
            continue
        fli, line_id = hit
        qty = int(rl.get("quantity") or 0)
        if qty <= 0 or qty > fli.get("quantity", 0) - _in_returns(order, fli["id"]):
            errors.append(_ue(["input", "returnLineItems", str(i), "quantity"],
                              "Quantity is not available for return", "INVALID"))
            continue
        reason = (rl.get("returnReason") or "UNKNOWN").upper()
        if reason not in REASONS:
            errors.append(_ue(["input", "returnLineItems", str(i), "returnReason"], "Invalid reason", "INVALID"))
            continue
        rlis.append({"id": st.new_id("ReturnLineItem"), "__typename": "ReturnLineItem", "quantity": qty,
                     "returnReason": reason, "returnReasonNote": rl.get("returnReasonNote") or "",
                     "returnReasonDefinition": {"id": st.new_id("ReturnReasonDefinition"), "handle": reason.lower(),
                                                "name": reason.replace("_", " ").capitalize(), "deleted": False},
                     "customerNote": rl.get("customerNote"),
                     "fulfillmentLineItem": {"id": fli["id"], "lineItem": {"id": line_id}},
                     "processedQuantity": 0, "unprocessedQuantity": qty, "processableQuantity": qty,
                     "refundedQuantity": 0, "refundableQuantity": qty, "restockingFee": None})
    if not rlis and not errors:
        errors.append(_ue(["input", "returnLineItems"], "Return must have at least one line item", "BLANK"))
    xlis = []
    for i, x in enumerate(exchange or []):
        v = st.variants.get(x.get("variantId"))
        if v is None:
            errors.append(_ue(["input", "exchangeLineItems", str(i), "variantId"], "Variant does not exist", "INVALID"))
            continue
        q = int(x.get("quantity") or 1)
        xlis.append({"id": st.new_id("ExchangeLineItem"), "quantity": q, "processedQuantity": 0,
                     "unprocessedQuantity": q, "processableQuantity": q, "variantId": v["id"],
                     "variantSku": v.get("sku"), "variantTitle": v.get("title"),
                     "title": (st.product_of_variant(v["id"]) or {}).get("title"), "productId":
                     (st.product_of_variant(v["id"]) or {}).get("id"), "lineItems": [], "lineItem": None})
    if errors:
        return None, errors
    now = now_iso()
    n = len(order.get("returns") or []) + 1
    ret = {"id": st.new_id("Return"), "name": f"{order['name']}-R{n}", "status": status, "createdAt": now,
           "requestApprovedAt": now if status == "OPEN" else None, "closedAt": None, "decline": None,
           "order": {"id": order["id"]}, "totalQuantity": sum(r["quantity"] for r in rlis),
           "returnLineItems": rlis, "exchangeLineItems": xlis, "reverseFulfillmentOrders": [],
           "returnShippingFees": [], "staffMember": None}
    if status == "OPEN":
        _open_reverse_fulfillment(st, ret)
    order.setdefault("returns", []).append(ret)
    _index(st, order, ret)
    _touch(st, order)
    return ret, []


def _index(st, order, ret):
    for obj in [ret, *ret["returnLineItems"], *ret["exchangeLineItems"], *ret["reverseFulfillmentOrders"],
                *[li for rfo in ret["reverseFulfillmentOrders"] for li in rfo["lineItems"]]]:
        st.index[obj["id"]] = obj
        st.owner[obj["id"]] = order["id"]


def _open_reverse_fulfillment(st, ret):
    ret["reverseFulfillmentOrders"] = [{
        "id": st.new_id("ReverseFulfillmentOrder"), "status": "OPEN", "order": ret["order"],
        "thirdPartyConfirmation": None, "reverseDeliveries": [],
        "lineItems": [{"id": st.new_id("ReverseFulfillmentOrderLineItem"), "totalQuantity": rl["quantity"],
                       "fulfillmentLineItem": rl["fulfillmentLineItem"], "dispositions": []}
                      for rl in ret["returnLineItems"]]}]


def _step(st, ret, allowed: tuple, message: str):
    if ret is None:
        return [_ue(["id"], "Return does not exist", "NOT_FOUND")]
    if ret["status"] not in allowed:
        return [_ue(["id"], message, "INVALID_STATE")]
    return []


def approve(st, ret):
    errors = _step(st, ret, ("REQUESTED",), "Return is not in a requested state")
    if errors:
        return ret, errors
    ret["status"] = "OPEN"
    ret["requestApprovedAt"] = now_iso()
    _open_reverse_fulfillment(st, ret)
    order = _order_of(st, ret)
    _index(st, order, ret)
    _touch(st, order)
    return ret, []


def decline(st, ret, reason="OTHER", note=None):
    errors = _step(st, ret, ("REQUESTED",), "Return is not in a requested state")
    if errors:
        return ret, errors
    ret["status"] = "DECLINED"
    ret["decline"] = {"reason": (reason or "OTHER").upper(), "note": note}
    _touch(st, _order_of(st, ret))
    return ret, []


def cancel(st, ret):
    errors = _step(st, ret, ("REQUESTED", "OPEN"), "Return cannot be canceled")
    if not errors and any(rl["processedQuantity"] for rl in ret["returnLineItems"]):
        errors = [_ue(["id"], "Return has processed items and cannot be canceled", "INVALID_STATE")]
    if errors:
        return ret, errors
    ret["status"] = "CANCELED"
    for rfo in ret["reverseFulfillmentOrders"]:
        rfo["status"] = "CANCELED"
    _touch(st, _order_of(st, ret))
    return ret, []


def close(st, ret):
    errors = _step(st, ret, ("OPEN",), "Return is not open")
    if errors:
        return ret, errors
    ret["status"] = "CLOSED"
    ret["closedAt"] = now_iso()
    for rfo in ret["reverseFulfillmentOrders"]:
        rfo["status"] = "CLOSED"
    _touch(st, _order_of(st, ret))
    return ret, []


def reopen(st, ret):
    errors = _step(st, ret, ("CLOSED",), "Return is not closed")
    if errors:
        return ret, errors
    ret["status"] = "OPEN"
    ret["closedAt"] = None
    for rfo in ret["reverseFulfillmentOrders"]:
        rfo["status"] = "OPEN"
    _touch(st, _order_of(st, ret))
    return ret, []


def dispose(st, inputs: list[dict]):
    """Dispose of received items: [{reverseFulfillmentOrderLineItemId, quantity, dispositionType,
    locationId}]. RESTOCKED puts them back on hand at the location. -> (line items, userErrors, returns)."""
    errors, done, rets = [], [], []
    for i, d in enumerate(inputs):
        li = st.index.get(d.get("reverseFulfillmentOrderLineItemId"))
        ret = _return_of_rfo_line(st, li) if li else None
        qty = int(d.get("quantity") or 0)
        kind = (d.get("dispositionType") or "").upper()
        if li is None or ret is None:
            errors.append(_ue(["dispositionInputs", str(i), "reverseFulfillmentOrderLineItemId"],
                              "Reverse fulfillment order line item does not exist", "NOT_FOUND"))
            continue
        left = li["totalQuantity"] - sum(x["quantity"] for x in li["dispositions"])
        if ret["status"] != "OPEN" or qty <= 0 or qty > left:
            errors.append(_ue(["dispositionInputs", str(i), "quantity"], "Quantity is not disposable", "INVALID"))
            continue
        if kind == "RESTOCKED" and not d.get("locationId"):
            errors.append(_ue(["dispositionInputs", str(i), "locationId"], "Location is required", "BLANK"))
            continue
        li["dispositions"].append({"id": st.new_id("ReverseFulfillmentOrderDisposition"), "type": kind,
                                   "quantity": qty, "createdAt": now_iso(),
                                   "location": {"id": d["locationId"]} if d.get("locationId") else None})
        order = _order_of(st, ret)
        line_id = (li.get("fulfillmentLineItem") or {}).get("lineItem", {}).get("id")
        for rl in ret["returnLineItems"]:
            if (rl.get("fulfillmentLineItem") or {}).get("id") == (li.get("fulfillmentLineItem") or {}).get("id"):
                rl["processedQuantity"] += qty
                rl["unprocessedQuantity"] = max(0, rl["unprocessedQuantity"] - qty)
                rl["processableQuantity"] = max(0, rl["processableQuantity"] - qty)
        if kind == "RESTOCKED":
            line = next((x for x in order.get("lineItems") or [] if x["id"] == line_id), {})
            item_id = line.get("inventoryItemId") or ((st.variants.get((line.get("variant") or {}).get("id")) or {})
                                                      .get("inventoryItem") or {}).get("id")
            move_stock(st, item_id, d["locationId"], available=qty, on_hand=qty)
        _touch(st, order)
        done.append(li)
        if ret not in rets:
            rets.append(ret)
    return done, errors, rets


def _return_of_rfo_line(st, li):
    order = st.orders.get(st.owner.get(li["id"]))
    for ret in (order or {}).get("returns") or []:
        for rfo in ret.get("reverseFulfillmentOrders") or []:
            if li in rfo["lineItems"]:
                return ret
    return None


def emit(state, st, topic, ret):
    state.emit(st, topic, events.return_payload(ret, _order_of(st, ret)))


# --- reading: fields the seed's returns may lack, and the refunds tied to a return ---------------

for _field, _default in (("exchangeLineItems", list), ("reverseFulfillmentOrders", list), ("decline", lambda: None),
                         ("staffMember", lambda: None), ("returnShippingFees", list)):
    def _read(ret, info, _f=_field, _d=_default, **args):
        return default_resolve({**ret, _f: ret.get(_f, _d())}, info, args)
    RESOLVERS[("Return", _field)] = _read


@resolver("Return", "refunds")
def r_return_refunds(ret, info, **args):
    order = _order_of(info.context.shop, ret) or {}
    tied = [r for r in order.get("refunds") or [] if (r.get("return") or {}).get("id") == ret["id"]]
    return paginate(info, tied, args, key=id_key)


@resolver("ReturnLineItem", "returnReasonDefinition")
def r_reason_definition(rl, info):
    if rl.get("returnReasonDefinition"):
        return rl["returnReasonDefinition"]
    reason = (rl.get("returnReason") or "UNKNOWN").upper()
    handle = reason.lower()
    number = REASONS.index(reason) + 1 if reason in REASONS else 99
    return {"id": f"gid://shopify/ReturnReasonDefinition/{number}", "handle": handle,
            "name": handle.replace("_", " ").capitalize(), "deleted": False}


@resolver("ReturnLineItem", "returnReason")
def r_reason(rl, info):
    return rl.get("returnReason") or "UNKNOWN"


# --- the mutations ---------------------------------------------------------------------------------

def _mutate(info, fn, topic, *args):
    ctx = info.context
    st = ctx.shop
    with st.lock:
        ret, errors = fn(st, *args)
    if not errors:
        emit(ctx.state, st, topic, ret)
    return {"return": ret, "userErrors": errors}


@resolver("Mutation", "returnRequest")
def m_return_request(_, info, input):
    st = info.context.shop
    with st.lock:
        ret, errors = request_return(st, st.orders.get(input.get("orderId")), input.get("returnLineItems") or [])
    if not errors:
        emit(info.context.state, st, "returns/request", ret)
    return {"return": ret, "userErrors": errors}


@resolver("Mutation", "returnApproveRequest")
def m_return_approve(_, info, input):
    return _mutate(info, lambda st, i: approve(st, st.index.get(i)), "returns/approve", input.get("id"))


@resolver("Mutation", "returnDeclineRequest")
def m_return_decline(_, info, input):
    return _mutate(info, lambda st, i: decline(st, st.index.get(i), input.get("declineReason"),
                                               input.get("declineNote")), "returns/decline", input.get("id"))


@resolver("Mutation", "returnCancel")
def m_return_cancel(_, info, id, **_a):
    return _mutate(info, lambda st, i: cancel(st, st.index.get(i)), "returns/cancel", id)


@resolver("Mutation", "returnClose")
def m_return_close(_, info, id):
    return _mutate(info, lambda st, i: close(st, st.index.get(i)), "returns/close", id)


@resolver("Mutation", "returnReopen")
def m_return_reopen(_, info, id):
    return _mutate(info, lambda st, i: reopen(st, st.index.get(i)), "returns/reopen", id)


@resolver("Mutation", "reverseFulfillmentOrderDispose")
def m_rfo_dispose(_, info, dispositionInputs):
    st = info.context.shop
    with st.lock:
        done, errors, rets = dispose(st, dispositionInputs)
    if not errors:
        for ret in rets:
            emit_disposed(info.context.state, st, ret)
    return {"reverseFulfillmentOrderLineItems": done, "userErrors": errors}


def emit_disposed(state, st, ret):
    order = _order_of(st, ret)
    for rfo in ret["reverseFulfillmentOrders"]:
        state.emit(st, "reverse_fulfillment_orders/dispose", events.disposal_payload(rfo, ret, order))

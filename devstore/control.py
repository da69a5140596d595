"""The control API (JSON) for tests and demos: `/_devstore/...` and `/<shop>/_devstore/...`.

See devstore/README.md for the list. Changes made here go through the same store as the
GraphQL API and emit the same webhooks Shopify would.
"""
from __future__ import annotations

import random
import re
import socket
import time
from decimal import Decimal

from flask import Blueprint, abort, current_app, jsonify, request

from devstore import payloads
from devstore.config import API_VERSION, PLANS
from devstore.graphql import events
from devstore.graphql import returns as returns_mod
from devstore.graphql.mutations import refund_order
from devstore.graphql.orders import build_order, commit_order_stock, fulfillment_order_of_line, move_stock
from devstore.graphql.orders import edit_order as do_edit
from devstore.oauth import issue
from devstore.store import gid, gid_num, now_iso

bp = Blueprint("devstore_control", __name__)
_rand = random.Random()


def _state():
    return current_app.extensions["devstore"]


def _shop(shop):
    st = _state().shop(shop)
    if st is None:
        resp = jsonify({"error": f"There's no store at {shop}; create it with POST /_devstore/shops"})
        resp.status_code = 404
        abort(resp)
    return st


def _json():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _bad(msg, status=400):
    resp = jsonify({"error": msg})
    resp.status_code = status
    abort(resp)


def _full_gid(kind, value):
    if value is None:
        return None
    s = str(value)
    return s if s.startswith("gid://") else gid(kind, s)


# --- the app's calls ---------------------------------------------------------------------------

# What an app (not a browser) asks of a shop: the Admin API, the token endpoint, bulk files.
APP_CALL = re.compile(r"^/(?:(?P<shop>[^/]+)/admin/(?:api/|oauth/access_token)|_devstore/bulk/(?P<bulk_shop>[^/]+)/)")
APP_CALLS_MAX = 5000


def install_app_call_log(app):
    """Record every app call per shop before anything answers it (faults included)."""
    @app.before_request
    def _record_app_call():
        m = APP_CALL.match(request.path)
        if m is None:
            return None
        st = app.extensions["devstore"].shop(m.group("shop") or m.group("bulk_shop"))
        if st is None:
            return None
        with st.lock:
            st.app_calls.append({"at": now_iso(), "method": request.method, "path": request.path})
            if len(st.app_calls) > APP_CALLS_MAX:
                del st.app_calls[: len(st.app_calls) - APP_CALLS_MAX]
        return None


# --- faults ------------------------------------------------------------------------------------

def install_fault_hooks(app):
    @app.before_request
    def _inject_faults():
        path = request.path
        if path.startswith("/_devstore") or "/_devstore/" in path or path.startswith("/cdn/"):
            return None
        f = app.extensions["devstore"].faults
        pattern = f.get("paths")
        if pattern and not re.search(pattern, path):
            return None
        if f.get("latency_ms"):
            time.sleep(float(f["latency_ms"]) / 1000.0)
        if f.get("drop_rate") and _rand.random() < float(f["drop_rate"]):
            _drop_connection()
        if f.get("error_rate") and _rand.random() < float(f["error_rate"]):
            status = int(f.get("error_status") or 503)
            f["errors_injected"] = f.get("errors_injected", 0) + 1
            return jsonify({"errors": "Service Unavailable" if status == 503 else "Internal Server Error"}), status
        if f.get("fail_next"):
            f["fail_next"] -= 1
            status = int(f.get("error_status") or 503)
            f["errors_injected"] = f.get("errors_injected", 0) + 1
            return jsonify({"errors": "Service Unavailable" if status == 503 else "Internal Server Error"}), status
        return None


def _drop_connection():
    """Close the client socket without an answer (the client sees a dropped connection)."""
    sock = request.environ.get("werkzeug.socket")
    f = _state().faults
    f["drops_injected"] = f.get("drops_injected", 0) + 1
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
    abort(500)


@bp.get("/_devstore/faults")
def get_faults():
    return jsonify(_public_faults(_state().faults))


def _public_faults(f):
    return {k: v for k, v in f.items()}


@bp.route("/_devstore/faults", methods=["PUT", "POST", "PATCH"])
def set_faults():
    data = _json()
    f = _state().faults
    allowed = {"error_rate", "error_status", "latency_ms", "drop_rate", "paths", "bulk_fail", "bulk_chunk_delay_ms",
               "fail_next", "throttled_status"}
    unknown = set(data) - allowed
    if unknown:
        _bad(f"unknown fault(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    bf = data.get("bulk_fail")
    if bf:
        if isinstance(bf, str):
            bf = {"errorCode": bf}
        if bf.get("errorCode", "INTERNAL_SERVER_ERROR") not in ("INTERNAL_SERVER_ERROR", "TIMEOUT", "ACCESS_DENIED"):
            _bad("bulk_fail.errorCode must be INTERNAL_SERVER_ERROR, TIMEOUT or ACCESS_DENIED")
        bf.setdefault("errorCode", "INTERNAL_SERVER_ERROR")
        bf.setdefault("after_objects", 0)
        bf.setdefault("count", 1)
        data["bulk_fail"] = bf
    f.update(data)
    return jsonify(_public_faults(f))


@bp.delete("/_devstore/faults")
def clear_faults():
    f = _state().faults
    f.clear()
    f.update({"error_rate": 0.0, "latency_ms": 0, "drop_rate": 0.0, "bulk_fail": None, "paths": None})
    return jsonify(f)


# --- global -----------------------------------------------------------------------------------

@bp.get("/_devstore/config")
def get_config():
    s = _state()
    c = s.config
    return jsonify({"api_key": c.api_key, "app_url": c.app_url, "scopes": c.scopes, "base_url": c.base_url,
                    "redirect_urls": c.redirect_urls, "resolved_redirect_urls": c.resolved_redirect_urls(),
                    "toml": c.toml_path, "data_dir": c.data_dir, "token_ttl": s.token_ttl,
                    "shop_origin_template": c.base_url + "/{shop}", "plans": {k: v[:2] for k, v in PLANS.items()},
                    "webhook_subscriptions": getattr(s.dispatcher, "subscriptions", []),
                    "muted_topics": sorted(getattr(s, "muted_topics", ()) or ()),
                    "webhook_drop": getattr(s, "webhook_drop", None),
                    "webhooks_paused": bool(getattr(s.dispatcher, "paused", False))})


@bp.route("/_devstore/config", methods=["PATCH", "PUT"])
def patch_config():
    s = _state()
    data = _json()
    if "app_url" in data:
        s.config.app_url = (data["app_url"] or "").rstrip("/")
        s.dispatcher.set_app_url(s.config.app_url)
    if "token_ttl" in data:
        _set_ttl(data["token_ttl"])
    if "webhook_retry_schedule" in data and hasattr(s.dispatcher, "set_retry_schedule"):
        s.dispatcher.set_retry_schedule([float(x) for x in data["webhook_retry_schedule"]])
    if "muted_topics" in data:   # topics not sent at all (e.g. inventory_levels/update during a benchmark)
        s.muted_topics = set(data["muted_topics"] or [])
    if "webhook_drop" in data:   # a share of a topic's events silently never sent (a lossy delivery path)
        s.webhook_drop = _webhook_drop(data["webhook_drop"])
    if "muted_topics" in data or "webhook_drop" in data:
        s.dispatcher.should_deliver = _delivery_filter(getattr(s, "muted_topics", set()),
                                                       getattr(s, "webhook_drop", None))
    if "webhooks_paused" in data and hasattr(s.dispatcher, "paused"):
        s.dispatcher.paused = bool(data["webhooks_paused"])
    if "scopes" in data:
        sc = data["scopes"]
        s.config.scopes = [x.strip() for x in sc.split(",")] if isinstance(sc, str) else list(sc)
    return get_config()


def _webhook_drop(d):
    """`{rate (0..1), topics: [...] (default every orders/* topic), seed}` or null."""
    if not d:
        return None
    rate = float(d.get("rate") or 0)
    if not 0 <= rate <= 1:
        _bad("webhook_drop.rate must be between 0 and 1")
    return {"rate": rate, "topics": list(d.get("topics") or []), "seed": int(d.get("seed") or 0), "dropped": []}


def _delivery_filter(muted, drop):
    """should_deliver(shop, topic): muted topics never; dropped events a `rate` share of
    the matching topics, chosen by a seeded generator (so a test's drops repeat)."""
    if not muted and not drop:
        return None
    rng = random.Random(drop["seed"]) if drop else None

    def should_deliver(shop, topic):
        if topic in muted:
            return False
        if drop and (topic in drop["topics"] or (not drop["topics"] and topic.startswith("orders/"))):
            if rng.random() < drop["rate"]:
                drop["dropped"].append({"shop": shop, "topic": topic, "at": now_iso()})
                return False
        return True
    return should_deliver


def _set_ttl(d):
    s = _state()
    if d.get("access") is not None:
        s.token_ttl["access"] = int(d["access"])
    if d.get("refresh") is not None:
        s.token_ttl["refresh"] = int(d["refresh"])


@bp.route("/_devstore/token-lifetimes", methods=["PUT", "POST"])
def token_lifetimes():
    _set_ttl(_json())
    return jsonify(_state().token_ttl)


@bp.get("/_devstore/shops")
def list_shops():
    return jsonify([_summary(st) for st in _state().shops.values()])


@bp.post("/_devstore/shops")
def create_shop():
    data = _json()
    s = _state()
    name = data.get("shop") or data.get("domain")
    if not name:
        _bad("shop is required")
    try:
        st = s.create_shop(name, seed=data.get("seed"), products=data.get("products"), orders=data.get("orders"),
                           locations=data.get("locations"), plan=data.get("plan"),
                           currency=data.get("currency", "USD"), name=data.get("name"),
                           replace=bool(data.get("replace")))
    except ValueError as e:
        _bad(str(e))
    if data.get("install"):
        scopes = data.get("scopes") or s.config.scopes
        s.install(st.domain, scopes)
    out = _summary(st)
    if data.get("token"):
        out["access_token"] = _issue_token(st, data.get("expiring", False), data.get("scopes"))
    return jsonify(out), 201


@bp.get("/_devstore/skipped-events")
def skipped_events():
    return jsonify(_state().skipped_events)


@bp.get("/_devstore/token-requests")
def all_token_requests():
    return jsonify(_state().token_requests)


@bp.get("/_devstore/webhooks")
def webhook_deliveries_all():
    return jsonify(_deliveries(None))


def _deliveries(shop):
    d = _state().dispatcher
    out = []
    for e in list(getattr(d, "deliveries", [])):
        if shop and e.get("shop") not in (shop, None) and e.get("shop_domain") not in (shop, None):
            continue
        out.append(_jsonable(e))
    topic = request.args.get("topic")
    if topic:
        out = [e for e in out if e.get("topic") == topic]
    return out


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items() if not callable(x)}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


@bp.post("/_devstore/webhooks/wait")
def webhooks_wait():
    d = _state().dispatcher
    timeout = float(_json().get("timeout", 10))
    ok = d.wait_idle(timeout=timeout, include_retries=bool(_json().get("include_retries", False))) \
        if hasattr(d, "wait_idle") else True
    return jsonify({"idle": ok})


# --- per shop: summary, install, tokens --------------------------------------------------------------

def _summary(st):
    return {"shop": st.domain, "name": st.shop.get("name"), "installed": st.installed,
            "granted_scopes": st.granted_scopes, "plan": st.plan, "throttle": st.bucket.status(),
            "counts": {"products": len(st.products), "variants": len(st.variants), "orders": len(st.orders),
                       "locations": len(st.locations), "bulk_operations": len(st.bulk_operations)},
            "origin": f"{_state().config.base_url}/{st.domain}",
            "admin_url": f"{_state().config.base_url}/{st.domain}/admin",
            "graphql_url": f"{_state().config.base_url}/{st.domain}/admin/api/{API_VERSION}/graphql.json"}


@bp.get("/<shop>/_devstore")
@bp.get("/<shop>/_devstore/")
def shop_summary(shop):
    return jsonify(_summary(_shop(shop)))


@bp.post("/<shop>/_devstore/install")
def shop_install(shop):
    st = _shop(shop)
    data = _json()
    _state().install(st.domain, data.get("scopes") or _state().config.scopes)
    out = _summary(st)
    if data.get("token"):
        out["access_token"] = _issue_token(st, data.get("expiring", False), None)
    return jsonify(out)


@bp.post("/<shop>/_devstore/uninstall")
def shop_uninstall(shop):
    st = _shop(shop)
    return jsonify({"uninstalled": _state().uninstall(st.domain)})


def _issue_token(st, expiring, scopes):
    with st.lock:
        body = issue(_state(), st, scopes or st.granted_scopes, bool(expiring))
    return body if expiring else body["access_token"]


@bp.post("/<shop>/_devstore/tokens")
def shop_new_token(shop):
    """Issue an offline token directly (no OAuth round trip): `{"expiring": false, "scopes": [...]}`."""
    st = _shop(shop)
    data = _json()
    if not st.installed:
        _bad("the app is not installed on this shop", 409)
    with st.lock:
        body = issue(_state(), st, data.get("scopes") or st.granted_scopes, bool(data.get("expiring")))
    return jsonify(body), 201


@bp.get("/<shop>/_devstore/tokens")
def shop_tokens(shop):
    st = _shop(shop)
    now = time.time()
    with st.lock:
        access = [{**t, "expired": bool(t.get("expires_at") and now > t["expires_at"])} for t in st.tokens.values()]
        refresh = [{**r, "expired": now > r["expires_at"]} for r in st.refresh_tokens.values()]
    return jsonify({"access_tokens": access, "refresh_tokens": refresh})


@bp.post("/<shop>/_devstore/tokens/<token>/expire")
def shop_expire_token(shop, token):
    st = _shop(shop)
    rec = st.tokens.get(token) or st.refresh_tokens.get(token)
    if rec is None:
        _bad("unknown token", 404)
    rec["expires_at"] = time.time() - 1
    return jsonify({"expired": token})


@bp.get("/<shop>/_devstore/token-requests")
def shop_token_requests(shop):
    st = _shop(shop)
    items = list(st.token_requests)
    g = request.args.get("grant_type")
    if g:
        items = [t for t in items if t.get("grant_type") == g]
    return jsonify(items)


@bp.post("/<shop>/_devstore/session-token")
def shop_session_token(shop):
    st = _shop(shop)
    data = _json()
    extra = data.get("claims") or {}
    tok = _state().mint_session_token(st.domain, user_id=data.get("user_id", 1), ttl=int(data.get("ttl", 60)),
                                      **extra)
    return jsonify({"token": tok})


# --- throttle ------------------------------------------------------------------------------------

@bp.route("/<shop>/_devstore/plan", methods=["PUT", "POST"])
def shop_plan(shop):
    st = _shop(shop)
    data = _json()
    try:
        _state().set_plan(st.domain, data.get("plan"), data.get("size") or data.get("maximumAvailable"),
                          data.get("rate") or data.get("restoreRate"))
    except ValueError as e:
        _bad(str(e))
    if data.get("available") is not None or data.get("currentlyAvailable") is not None:
        with st.bucket.lock:
            st.bucket.available = float(data.get("available", data.get("currentlyAvailable")))
            st.bucket.stamp = time.monotonic()
    return jsonify({"plan": st.plan, "throttle": st.bucket.status()})


@bp.get("/<shop>/_devstore/throttle")
def shop_throttle(shop):
    st = _shop(shop)
    return jsonify({"plan": st.plan, "throttle": st.bucket.status()})


# --- read back ------------------------------------------------------------------------------------

def _since(items):
    since = request.args.get("since", type=int)
    return items[since:] if since else items


@bp.get("/<shop>/_devstore/graphql-log")
def shop_graphql_log(shop):
    st = _shop(shop)
    return jsonify(_since(list(st.graphql_log)))


@bp.get("/<shop>/_devstore/app-calls")
def shop_app_calls(shop):
    return jsonify(_since(list(_shop(shop).app_calls)))


@bp.get("/<shop>/_devstore/inventory-sets")
def shop_inventory_sets(shop):
    return jsonify(_since(list(_shop(shop).inventory_sets)))


@bp.get("/<shop>/_devstore/fulfillments")
def shop_fulfillments(shop):
    return jsonify(_since(list(_shop(shop).fulfillment_log)))


@bp.get("/<shop>/_devstore/refunds")
def shop_refunds(shop):
    return jsonify(_since(list(_shop(shop).refund_log)))


@bp.get("/<shop>/_devstore/webhooks")
def shop_webhooks(shop):
    _shop(shop)
    return jsonify(_deliveries(shop))


@bp.get("/<shop>/_devstore/bulk-operations")
def shop_bulk_ops(shop):
    st = _shop(shop)
    return jsonify([{k: v for k, v in op.items() if not k.startswith("_")} for op in st.bulk_operations.values()])


@bp.delete("/<shop>/_devstore/logs")
def shop_clear_logs(shop):
    st = _shop(shop)
    with st.lock:
        for lst in (st.graphql_log, st.inventory_sets, st.fulfillment_log, st.refund_log, st.token_requests,
                    st.app_calls):
            lst.clear()
    return jsonify({"cleared": True})


# --- objects: read ------------------------------------------------------------------------------------

@bp.get("/<shop>/_devstore/nodes/<path:gid_value>")
def shop_node(shop, gid_value):
    st = _shop(shop)
    node = st.node(gid_value if gid_value.startswith("gid://") else "gid://" + gid_value.split("gid:/", 1)[-1])
    if node is None:
        _bad("not found", 404)
    return jsonify(node)


@bp.get("/<shop>/_devstore/products")
def shop_products(shop):
    st = _shop(shop)
    limit = request.args.get("limit", 100, type=int)
    items = list(st.products.values())[:limit]
    return jsonify([{"id": p["id"], "title": p.get("title"), "status": p.get("status"), "updatedAt": p.get("updatedAt"),
                     "variants": [{"id": v["id"], "sku": v.get("sku"),
                                   "inventoryItemId": (v.get("inventoryItem") or {}).get("id")}
                                  for v in p.get("variants", [])]} for p in items])


@bp.get("/<shop>/_devstore/products/<pid>")
def shop_product(shop, pid):
    st = _shop(shop)
    p = st.products.get(_full_gid("Product", pid))
    if p is None:
        _bad("not found", 404)
    return jsonify(p)


@bp.get("/<shop>/_devstore/orders")
def shop_orders(shop):
    st = _shop(shop)
    limit = request.args.get("limit", 100, type=int)
    return jsonify([{"id": o["id"], "name": o.get("name"), "updatedAt": o.get("updatedAt"),
                     "displayFulfillmentStatus": o.get("displayFulfillmentStatus"),
                     "displayFinancialStatus": o.get("displayFinancialStatus"),
                     "cancelledAt": o.get("cancelledAt"), "closed": o.get("closed")}
                    for o in list(st.orders.values())[:limit]])


@bp.get("/<shop>/_devstore/orders/<oid>")
def shop_order(shop, oid):
    st = _shop(shop)
    o = _find_order(st, oid)
    return jsonify(o)


def _find_order(st, oid):
    o = st.orders.get(_full_gid("Order", oid))
    if o is None:
        for x in st.orders.values():
            if x.get("name") in (oid, "#" + str(oid)):
                return x
        _bad("order not found", 404)
    return o


@bp.get("/<shop>/_devstore/locations")
def shop_locations(shop):
    return jsonify(list(_shop(shop).locations.values()))


@bp.get("/<shop>/_devstore/inventory")
def shop_inventory(shop):
    """Levels, filtered by `sku`, `inventory_item_id`, `location_id`."""
    st = _shop(shop)
    sku = request.args.get("sku")
    item_id = _full_gid("InventoryItem", request.args.get("inventory_item_id"))
    loc = _full_gid("Location", request.args.get("location_id"))
    out = []
    for iid, item in st.inventory_items.items():
        if item_id and iid != item_id:
            continue
        if sku and item.get("sku") != sku:
            continue
        for lv in item.get("inventoryLevels", []):
            if loc and lv["location"]["id"] != loc:
                continue
            out.append({"inventoryItemId": iid, "sku": item.get("sku"), "locationId": lv["location"]["id"],
                        "quantities": lv.get("quantities"), "updatedAt": lv.get("updatedAt"), "id": lv["id"]})
        if len(out) > 20000:
            break
    return jsonify(out)


# --- objects: write -------------------------------------------------------------------------------------

def _emit(st, topic, payload):
    _state().emit(st, topic, payload)


def _money(amount, cur):
    return {"amount": format(Decimal(str(amount)).quantize(Decimal("0.01")), "f"), "currencyCode": cur}


def _bag(amount, cur):
    return {"shopMoney": _money(amount, cur), "presentmentMoney": _money(amount, cur)}


def _new_levels(st, item_id, quantities: dict, now):
    levels = []
    locs = list(st.locations)
    for loc in locs:
        q = int(quantities.get(loc, quantities.get(str(gid_num(loc)), quantities.get("*", 0))) or 0) \
            if isinstance(quantities, dict) else int(quantities or 0) if loc == locs[0] else 0
        levels.append({"id": f"gid://shopify/InventoryLevel/{gid_num(loc)}?inventory_item_id={gid_num(item_id)}",
                       "location": {"id": loc}, "isActive": True, "canDeactivate": True,
                       "quantities": {"available": q, "on_hand": q, "committed": 0, "incoming": 0, "reserved": 0,
                                      "damaged": 0, "safety_stock": 0, "quality_control": 0},
                       "createdAt": now, "updatedAt": now})
    return levels


def _build_variant(st, p, spec, position, now, cur):
    vid = st.new_id("ProductVariant")
    iid = st.new_id("InventoryItem")
    sku = spec.get("sku") or f"DEV-{gid_num(vid)}"
    opts = spec.get("options") or {"Title": spec.get("title") or "Default Title"}
    if isinstance(opts, list):
        opts = {f"Option{i + 1}": v for i, v in enumerate(opts)}
    title = " / ".join(str(v) for v in opts.values())
    price = str(spec.get("price", "10.00"))
    v = {"id": vid, "legacyResourceId": str(gid_num(vid)), "title": title,
         "displayName": f"{p['title']} - {title}", "sku": sku, "barcode": spec.get("barcode"),
         "price": format(Decimal(price).quantize(Decimal("0.01")), "f"),
         "compareAtPrice": spec.get("compareAtPrice"), "position": position,
         "inventoryPolicy": spec.get("inventoryPolicy", "DENY"), "inventoryQuantity": 0, "availableForSale": True,
         "taxable": True, "requiresComponents": False,
         "selectedOptions": [{"name": k, "value": str(val), "optionValue": {"id": None, "name": str(val)}}
                             for k, val in opts.items()],
         "media": [], "product": {"id": p["id"]}, "createdAt": now, "updatedAt": now,
         "inventoryItem": {"id": iid, "legacyResourceId": str(gid_num(iid)), "sku": sku,
                           "tracked": spec.get("tracked", True), "requiresShipping": True,
                           "countryCodeOfOrigin": None, "harmonizedSystemCode": None,
                           "unitCost": _money(spec.get("cost", "0.00"), cur),
                           "measurement": {"weight": {"unit": "GRAMS", "value": float(spec.get("grams", 0))}},
                           "createdAt": now, "updatedAt": now}}
    v["inventoryItem"]["inventoryLevels"] = _new_levels(st, iid, spec.get("quantities", spec.get("quantity", 0)), now)
    v["inventoryQuantity"] = sum(lv["quantities"]["available"] for lv in v["inventoryItem"]["inventoryLevels"])
    return v


def _product_options(p):
    names = []
    values: dict = {}
    for v in p["variants"]:
        for so in v.get("selectedOptions", []):
            if so["name"] not in values:
                names.append(so["name"])
                values[so["name"]] = []
            if so["value"] not in values[so["name"]]:
                values[so["name"]].append(so["value"])
    p["options"] = [{"id": f"gid://shopify/ProductOption/{gid_num(p['id'])}{i}", "name": n, "position": i + 1,
                     "values": values[n], "optionValues": [{"id": None, "name": x, "hasVariants": True,
                                                            "linkedMetafieldValue": None, "swatch": None}
                                                           for x in values[n]], "linkedMetafield": None}
                    for i, n in enumerate(names)]
    p["hasOnlyDefaultVariant"] = names == ["Title"] and len(p["variants"]) == 1
    prices = [Decimal(str(v.get("price") or "0")) for v in p["variants"]] or [Decimal(0)]
    cur = ((p.get("priceRangeV2") or {}).get("minVariantPrice") or {}).get("currencyCode") or "USD"
    p["priceRangeV2"] = {"minVariantPrice": _money(min(prices), cur), "maxVariantPrice": _money(max(prices), cur)}
    p["variantsCount"] = {"count": len(p["variants"]), "precision": "EXACT"}
    p.setdefault("resourcePublications", [])
    p["totalInventory"] = sum(v.get("inventoryQuantity", 0) for v in p["variants"])


PRODUCT_FIELDS = ("title", "handle", "descriptionHtml", "productType", "vendor", "status", "tags", "templateSuffix")


@bp.post("/<shop>/_devstore/products")
def create_product(shop):
    st = _shop(shop)
    data = _json()
    now = now_iso()
    cur = st.shop.get("currencyCode", "USD")
    with st.lock:
        pid = st.new_id("Product")
        title = data.get("title") or f"Devstore product {gid_num(pid)}"
        handle = data.get("handle") or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        p = {"id": pid, "legacyResourceId": str(gid_num(pid)), "title": title, "handle": handle,
             "descriptionHtml": data.get("descriptionHtml", f"<p>{title}</p>"),
             "description": re.sub(r"<[^>]+>", "", data.get("descriptionHtml", f"<p>{title}</p>")),
             "productType": data.get("productType", ""), "vendor": data.get("vendor", st.shop.get("name", "")),
             "status": data.get("status", "ACTIVE"), "tags": list(data.get("tags", [])), "templateSuffix": None,
             "isGiftCard": False, "hasOnlyDefaultVariant": True, "hasOutOfStockVariants": False,
             "tracksInventory": True, "totalInventory": 0, "createdAt": now, "updatedAt": now,
             "publishedAt": now if data.get("status", "ACTIVE") == "ACTIVE" else None, "onlineStoreUrl": None,
             "seo": {"title": None, "description": None}, "category": None, "media": [], "images": [],
             "featuredMedia": None, "featuredImage": None, "variants": [],
             "priceRangeV2": {"minVariantPrice": _money(0, cur), "maxVariantPrice": _money(0, cur)}}
        specs = data.get("variants") or [{}]
        for i, spec in enumerate(specs):
            p["variants"].append(_build_variant(st, p, spec, i + 1, now, cur))
        _product_options(p)
        st.put_product(p)
    _emit(st, "products/create", events.product_payload(p))
    return jsonify(p), 201


@bp.patch("/<shop>/_devstore/products/<pid>")
def update_product(shop, pid):
    st = _shop(shop)
    data = _json()
    with st.lock:
        p = st.products.get(_full_gid("Product", pid))
        if p is None:
            _bad("not found", 404)
        for k in PRODUCT_FIELDS:
            if k in data:
                p[k] = data[k]
        if "descriptionHtml" in data:
            p["description"] = re.sub(r"<[^>]+>", "", data["descriptionHtml"] or "")
        p["updatedAt"] = data.get("updatedAt") or now_iso()
    _emit(st, "products/update", events.product_payload(p))
    return jsonify(p)


@bp.delete("/<shop>/_devstore/products/<pid>")
def delete_product(shop, pid):
    st = _shop(shop)
    p = st.remove_product(_full_gid("Product", pid))
    if p is None:
        _bad("not found", 404)
    _emit(st, "products/delete", events.product_delete_payload(p))
    return jsonify({"deletedProductId": p["id"]})


@bp.post("/<shop>/_devstore/products/<pid>/variants")
def create_variant(shop, pid):
    st = _shop(shop)
    data = _json()
    now = now_iso()
    with st.lock:
        p = st.products.get(_full_gid("Product", pid))
        if p is None:
            _bad("not found", 404)
        v = _build_variant(st, p, data, len(p["variants"]) + 1, now, st.shop.get("currencyCode", "USD"))
        p["variants"].append(v)
        st._put_variant(p, v)
        _product_options(p)
        p["updatedAt"] = now
    _emit(st, "products/update", events.product_payload(p))
    return jsonify(v), 201


VARIANT_FIELDS = ("sku", "barcode", "price", "compareAtPrice", "title", "inventoryPolicy", "taxable")


@bp.patch("/<shop>/_devstore/variants/<vid>")
def update_variant(shop, vid):
    st = _shop(shop)
    data = _json()
    with st.lock:
        v = st.variants.get(_full_gid("ProductVariant", vid))
        if v is None:
            _bad("not found", 404)
        for k in VARIANT_FIELDS:
            if k in data:
                v[k] = data[k]
        if "sku" in data and v.get("inventoryItem"):
            v["inventoryItem"]["sku"] = data["sku"]
        now = data.get("updatedAt") or now_iso()
        v["updatedAt"] = now
        p = st.product_of_variant(v["id"])
        p["updatedAt"] = now
    _emit(st, "products/update", events.product_payload(p))
    return jsonify(v)


@bp.delete("/<shop>/_devstore/variants/<vid>")
def delete_variant(shop, vid):
    st = _shop(shop)
    with st.lock:
        v = st.variants.get(_full_gid("ProductVariant", vid))
        if v is None:
            _bad("not found", 404)
        p = st.product_of_variant(v["id"])
        p["variants"] = [x for x in p["variants"] if x["id"] != v["id"]]
        st._drop_variant(v)
        _product_options(p)
        p["updatedAt"] = now_iso()
    _emit(st, "products/update", events.product_payload(p))
    return jsonify({"deletedProductVariantId": v["id"]})


# --- inventory ---------------------------------------------------------------------------------

@bp.route("/<shop>/_devstore/inventory", methods=["PUT", "POST"])
def set_inventory(shop):
    """`{"inventory_item_id" | "sku", "location_id", "available" | "on_hand"}` or a list of them."""
    st = _shop(shop)
    data = request.get_json(silent=True)
    rows = data if isinstance(data, list) else [data or {}]
    changed, out = [], []
    with st.lock:
        for row in rows:
            item_id = _full_gid("InventoryItem", row.get("inventory_item_id"))
            if not item_id and row.get("sku"):
                item_id = next((i for i, it in st.inventory_items.items() if it.get("sku") == row["sku"]), None)
            loc = _full_gid("Location", row.get("location_id")) or next(iter(st.locations), None)
            if item_id not in st.inventory_items or loc not in st.locations:
                _bad(f"unknown inventory item or location in {row}", 404)
            lv = st.activate_level(item_id, loc)
            q = lv["quantities"]
            for name in ("available", "on_hand", "committed", "incoming", "reserved", "damaged", "safety_stock",
                         "quality_control"):
                if name in row:
                    delta = int(row[name]) - int(q.get(name, 0) or 0)
                    q[name] = int(row[name])
                    if name == "available" and "on_hand" not in row:
                        q["on_hand"] = int(q.get("on_hand", 0) or 0) + delta
                    if name == "on_hand" and "available" not in row:
                        q["available"] = int(q.get("available", 0) or 0) + delta
            lv["updatedAt"] = now_iso()
            item = st.inventory_items[item_id]
            v = st.variant_of_item(item_id)
            if v is not None:
                v["inventoryQuantity"] = sum((l.get("quantities") or {}).get("available", 0)
                                             for l in item.get("inventoryLevels", []))
            changed.append((lv, item))
            out.append({"inventoryItemId": item_id, "locationId": loc, "quantities": dict(q)})
    for lv, item in changed:
        _emit(st, "inventory_levels/update", events.inventory_level_payload(lv, item))
    return jsonify(out)


# --- locations ---------------------------------------------------------------------------------

LOCATION_FIELDS = ("name", "isActive", "fulfillsOnlineOrders", "shipsInventory", "address")


@bp.post("/<shop>/_devstore/locations")
def create_location(shop):
    st = _shop(shop)
    data = _json()
    now = now_iso()
    with st.lock:
        lid = st.new_id("Location")
        addr = {"address1": None, "address2": None, "city": None, "province": None, "provinceCode": None, "zip": None,
                "country": "United States", "countryCode": "US", "phone": None, "latitude": None, "longitude": None,
                "formatted": []}
        addr.update(data.get("address") or {})
        loc = {"id": lid, "legacyResourceId": str(gid_num(lid)), "name": data.get("name", f"Location {gid_num(lid)}"),
               "address": addr, "isActive": data.get("isActive", True), "activatable": False,
               "deactivatable": True, "deletable": True, "deactivatedAt": None,
               "fulfillsOnlineOrders": data.get("fulfillsOnlineOrders", True),
               "shipsInventory": data.get("shipsInventory", True), "hasActiveInventory": False,
               "hasUnfulfilledOrders": False, "isFulfillmentService": False, "fulfillmentService": None,
               "isPrimary": False, "addressVerified": False, "createdAt": now, "updatedAt": now}
        st.put_location(loc)
    _emit(st, "locations/create", events.location_payload(loc))
    return jsonify(loc), 201


@bp.patch("/<shop>/_devstore/locations/<lid>")
def update_location(shop, lid):
    st = _shop(shop)
    data = _json()
    with st.lock:
        loc = st.locations.get(_full_gid("Location", lid))
        if loc is None:
            _bad("not found", 404)
        for k in LOCATION_FIELDS:
            if k in data:
                if k == "address":
                    loc["address"].update(data["address"])
                else:
                    loc[k] = data[k]
        if data.get("isActive") is False:
            loc["deactivatedAt"] = now_iso()
        loc["updatedAt"] = now_iso()
    _emit(st, "locations/update", events.location_payload(loc))
    return jsonify(loc)


@bp.delete("/<shop>/_devstore/locations/<lid>")
def delete_location(shop, lid):
    st = _shop(shop)
    with st.lock:
        loc = st.locations.pop(_full_gid("Location", lid), None)
        if loc is None:
            _bad("not found", 404)
        st.index.pop(loc["id"], None)
    _emit(st, "locations/delete", events.location_delete_payload(loc))
    return jsonify({"deletedLocationId": loc["id"]})


# --- orders ------------------------------------------------------------------------------------------

@bp.post("/<shop>/_devstore/orders")
def create_order(shop):
    """Place an order: `{"line_items": [{"variant_id" | "sku", "quantity", "price"?, "location_id"?,
    "fulfillment_order"?}], "email"?, "source_name"?, "gateway"?, "shipping": {"title", "code", "price"}?,
    "location_id"?, "shipping_address"?}`. One fulfillment order per assigned location (a line's
    location_id, else the order's); see devstore.graphql.orders.build_order."""
    st = _shop(shop)
    data = _json()
    with st.lock:
        try:
            o = build_order(st, data)
        except ValueError as e:
            _bad(str(e))
        st.put_order(o)
        changed = commit_order_stock(st, o, +1)     # available -> committed at the assigned location
    _emit(st, "orders/create", events.order_payload(o))
    _emit_levels(st, changed)
    return jsonify(o), 201


def _emit_levels(st, changed):
    if changed and _state().wants(st, "inventory_levels/update"):
        for lv, item in changed:
            _emit(st, "inventory_levels/update", events.inventory_level_payload(lv, item))


@bp.patch("/<shop>/_devstore/orders/<oid>")
def edit_order(shop, oid):
    """Edit an order: `{"line_items": [{"id", "quantity"}], "add": [{"variant_id"|"sku", "quantity"}],
    "shipping_address": {...}, "email", "note", "tags"}`. Quantity changes and additions are an
    order edit (orders/edited); every change also sends orders/updated."""
    st = _shop(shop)
    data = _json()
    with st.lock:
        o = _find_order(st, oid)

        def remaining():
            out = {}
            for li in o.get("lineItems", []):
                loc, _fo, fl = fulfillment_order_of_line(o, li["id"])
                out[li["id"]] = (loc, fl["remainingQuantity"] if fl else 0, li.get("inventoryItemId"))
            return out
        before = remaining()
        try:
            edit = do_edit(st, o, data)
        except ValueError as e:
            _bad(str(e))
        st.put_order(o)
        changed = []
        for lid, (loc, qty, item_id) in remaining().items():
            delta = qty - before.get(lid, (loc, 0, item_id))[1]
            r = move_stock(st, item_id, loc, committed=delta, available=-delta) if delta else None
            if r:
                changed.append(r)
    _emit_levels(st, changed)
    if edit:
        _emit(st, "orders/edited", events.order_edited_payload(o, edit))
    _emit(st, "orders/updated", events.order_payload(o))
    return jsonify(o)


@bp.post("/<shop>/_devstore/orders/<oid>/cancel")
def cancel_order(shop, oid):
    st = _shop(shop)
    data = _json()
    with st.lock:
        o = _find_order(st, oid)
        if o.get("cancelledAt"):
            _bad("order is already cancelled", 409)
        if data.get("restock", True):
            changed = commit_order_stock(st, o, -1)          # committed -> available
        else:
            changed = []
            for li in o.get("lineItems", []):
                loc, _fo, fl = fulfillment_order_of_line(o, li["id"])
                if fl and fl["remainingQuantity"]:
                    r = move_stock(st, li.get("inventoryItemId"), loc, committed=-fl["remainingQuantity"],
                                   on_hand=-fl["remainingQuantity"])
                    if r:
                        changed.append(r)
        now = now_iso()
        o["cancelledAt"] = now
        o["cancelReason"] = (data.get("reason") or "CUSTOMER").upper()
        o["closed"] = True
        o["closedAt"] = now
        o["updatedAt"] = now
        for fo in o.get("fulfillmentOrders", []):
            if fo.get("status") in ("OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD"):
                fo["status"] = "CLOSED" if any(li.get("remainingQuantity", 0) < li.get("totalQuantity", 0)
                                               for li in fo.get("lineItems", [])) else "CANCELLED"
                fo["updatedAt"] = now
        for li in o.get("lineItems", []):
            if "unfulfilledQuantity" in li:
                li["unfulfilledQuantity"] = 0
        o["fulfillable"] = False
        refund = None
        if data.get("refund", False):
            amt = (o.get("totalReceivedSet") or o.get("totalPriceSet") or {}).get("shopMoney", {}).get("amount", "0")
            refund, _o, errs = refund_order(None, st, {"orderId": o["id"], "transactions": [
                {"amount": amt, "kind": "REFUND", "gateway": (o.get("paymentGatewayNames") or ["manual"])[0]}]},
                source="admin")
    _emit(st, "orders/cancelled", events.order_payload(o))
    _emit_levels(st, changed)
    if refund:
        _emit(st, "refunds/create", events.refund_payload(refund, o))
    _emit(st, "orders/updated", events.order_payload(o))
    return jsonify(o)


def control_refund(st, o, data, note, refund_lines):
    """A refund made from the control API (`amount` from `data`), logged. Caller holds st.lock.
    -> (refund, input, userErrors)"""
    inp = {"orderId": o["id"], "note": note, "refundLineItems": refund_lines}
    if data.get("amount") is not None:
        inp["transactions"] = [{"amount": str(data["amount"]), "kind": "REFUND",
                                "gateway": (o.get("paymentGatewayNames") or ["manual"])[0]}]
    refund, _o, errors = refund_order(None, st, inp, source="admin")
    st.refund_log.append({"at": now_iso(), "input": inp, "refund_id": refund and refund["id"],
                          "userErrors": errors, "source": "control"})
    return refund, inp, errors


@bp.post("/<shop>/_devstore/orders/<oid>/refund")
def refund_order_view(shop, oid):
    """`{"line_items": [{"id", "quantity", "restock_type"?, "location_id"?}], "amount"?, "note"?}`"""
    st = _shop(shop)
    data = _json()
    with st.lock:
        o = _find_order(st, oid)
        refund, _inp, errors = control_refund(st, o, data, data.get("note"), [
            {"lineItemId": _full_gid("LineItem", li["id"]), "quantity": int(li["quantity"]),
             "restockType": li.get("restock_type", "NO_RESTOCK"),
             "locationId": _full_gid("Location", li.get("location_id"))}
            for li in data.get("line_items", [])])
    if errors:
        return jsonify({"userErrors": errors}), 422
    _emit(st, "refunds/create", events.refund_payload(refund, o))
    _emit(st, "orders/updated", events.order_payload(o))
    return jsonify(refund), 201


@bp.post("/<shop>/_devstore/orders/<oid>/close")
def close_order(shop, oid):
    st = _shop(shop)
    with st.lock:
        o = _find_order(st, oid)
        o["closed"] = True
        o["closedAt"] = o["updatedAt"] = now_iso()
    _emit(st, "orders/updated", events.order_payload(o))
    return jsonify(o)


@bp.post("/<shop>/_devstore/orders/<oid>/touch")
def touch_order(shop, oid):
    """Bump updatedAt (and send orders/updated), e.g. to test incremental pulls; `fields`
    sets raw fields of the stored order unchecked (e.g. a value an app cannot read)."""
    st = _shop(shop)
    data = _json()
    with st.lock:
        o = _find_order(st, oid)
        o.update(data.get("fields") or {})
        o["updatedAt"] = data.get("updatedAt") or now_iso()
    if data.get("webhook", True):
        _emit(st, "orders/updated", events.order_payload(o))
    return jsonify(o)


# --- returns ---------------------------------------------------------------------------------------
# A customer requests a return; the merchant approves, declines, cancels, closes or reopens it,
# restocks what came back and refunds it: each step as devstore/graphql/returns.py runs it for
# the GraphQL mutations, with the same webhooks (`"webhook": false` sends none).

def _return(st, rid):
    ret = st.index.get(_full_gid("Return", rid))
    if ret is None or "returnLineItems" not in ret:
        _bad("no such return", 404)
    return ret


def _return_answer(st, ret, topic, errors, status=200):
    if errors:
        return jsonify({"userErrors": errors}), 422
    if _json().get("webhook", True):
        returns_mod.emit(_state(), st, topic, ret)
    return jsonify(ret), status


@bp.post("/<shop>/_devstore/orders/<oid>/returns")
def request_return_view(shop, oid):
    """`{"lines": [{"line_item_id" | "fulfillment_line_item_id", "quantity", "reason", "customer_note",
    "reason_note"}], "exchange": [{"variant_id", "quantity"}], "status": "REQUESTED" | "OPEN"}`"""
    st = _shop(shop)
    data = _json()
    with st.lock:
        o = _find_order(st, oid)
        lines = []
        for rl in data.get("lines") or []:
            fli = _full_gid("FulfillmentLineItem", rl.get("fulfillment_line_item_id")) or returns_mod.fli_of_line(
                o, _full_gid("LineItem", rl.get("line_item_id")))
            lines.append({"fulfillmentLineItemId": fli, "quantity": rl.get("quantity", 1),
                          "returnReason": rl.get("reason"), "customerNote": rl.get("customer_note"),
                          "returnReasonNote": rl.get("reason_note")})
        exchange = [{"variantId": _full_gid("ProductVariant", x.get("variant_id")), "quantity": x.get("quantity", 1)}
                    for x in data.get("exchange") or []]
        ret, errors = returns_mod.request_return(st, o, lines, exchange,
                                                 status=(data.get("status") or "REQUESTED").upper())
    return _return_answer(st, ret, "returns/request" if not ret or ret["status"] == "REQUESTED" else "returns/approve",
                          errors, 201)


@bp.get("/<shop>/_devstore/returns/<rid>")
def get_return(shop, rid):
    st = _shop(shop)
    return jsonify(_return(st, rid))


@bp.post("/<shop>/_devstore/returns/<rid>/<action>")
def return_step(shop, rid, action):
    """approve | decline `{reason, note}` | cancel | close | reopen | restock
    `{lines: [{line_item_id?, quantity, location_id}], disposition: RESTOCKED}` | refund
    `{lines: [{line_item_id, quantity}], amount, note}`"""
    st = _shop(shop)
    data = _json()
    steps = {"approve": (returns_mod.approve, "returns/approve"), "cancel": (returns_mod.cancel, "returns/cancel"),
             "close": (returns_mod.close, "returns/close"), "reopen": (returns_mod.reopen, "returns/reopen")}
    with st.lock:
        ret = _return(st, rid)
        if action in steps:
            fn, topic = steps[action]
            ret, errors = fn(st, ret)
            return _return_answer(st, ret, topic, errors)
        if action == "decline":
            ret, errors = returns_mod.decline(st, ret, data.get("reason"), data.get("note"))
            return _return_answer(st, ret, "returns/decline", errors)
        if action == "restock":
            return _restock(st, ret, data)
        if action == "refund":
            return _refund_return(st, ret, data)
    _bad(f"unknown return step {action}", 404)


def _restock(st, ret, data):
    rfo_lines = [li for rfo in ret.get("reverseFulfillmentOrders") or [] for li in rfo["lineItems"]]
    inputs = []
    for want in data.get("lines") or [{}]:
        line_id = _full_gid("LineItem", want.get("line_item_id"))
        li = next((x for x in rfo_lines if not line_id
                   or (x.get("fulfillmentLineItem") or {}).get("lineItem", {}).get("id") == line_id), None)
        if li is None:
            _bad("the return has no such line to receive (approve it first)", 422)
        inputs.append({"reverseFulfillmentOrderLineItemId": li["id"], "quantity": want.get("quantity", 1),
                       "dispositionType": (data.get("disposition") or "RESTOCKED").upper(),
                       "locationId": _full_gid("Location", want.get("location_id"))
                       or (st.locations and next(iter(st.locations)))})
    done, errors, _rets = returns_mod.dispose(st, inputs)
    if errors:
        return jsonify({"userErrors": errors}), 422
    if data.get("webhook", True):
        returns_mod.emit_disposed(_state(), st, ret)
    return jsonify(ret), 200


def _refund_return(st, ret, data):
    o = st.orders.get(st.owner.get(ret["id"]))
    wanted = data.get("lines") or [{"line_item_id": (rl["fulfillmentLineItem"].get("lineItem") or {}).get("id"),
                                    "quantity": rl["quantity"]} for rl in ret["returnLineItems"]]
    refund, inp, errors = control_refund(st, o, data, data.get("note") or f"Refund for {ret['name']}", [
        {"lineItemId": _full_gid("LineItem", w["line_item_id"]), "quantity": int(w["quantity"]),
         "restockType": "NO_RESTOCK"} for w in wanted])
    if errors:
        return jsonify({"userErrors": errors}), 422
    refund["return"] = {"id": ret["id"]}
    for w in inp["refundLineItems"]:
        for rl in ret["returnLineItems"]:
            if (rl["fulfillmentLineItem"].get("lineItem") or {}).get("id") == w["lineItemId"]:
                rl["refundedQuantity"] += w["quantity"]
                rl["refundableQuantity"] = max(0, rl["refundableQuantity"] - w["quantity"])
    if data.get("webhook", True):
        _emit(st, "refunds/create", events.refund_payload(refund, o))
        _emit(st, "orders/updated", events.order_payload(o))
    return jsonify(refund), 201


@bp.post("/<shop>/_devstore/orders/<oid>/hide")
def hide_order(shop, oid):
    """Leave the order out of `orders(query:)` answers for `seconds` (Shopify's search
    index lags its writes): `ordersCount` and `order(id:)` still see it."""
    st = _shop(shop)
    data = _json()
    seconds = float(data.get("seconds", 5))
    with st.lock:
        o = _find_order(st, oid)
        st.__dict__.setdefault("search_hidden", {})[o["id"]] = time.monotonic() + seconds
    return jsonify({"id": o["id"], "seconds": seconds})


# --- compliance -------------------------------------------------------------------------------------

@bp.post("/<shop>/_devstore/compliance/<path:topic>")
def compliance(shop, topic):
    """`customers/redact`, `customers/data_request` (body: `{"customer_id"?}`) or `shop/redact`."""
    st = _shop(shop)
    data = _json()
    if topic == "shop/redact":
        payload = payloads.shop_redact_payload(st.shop)
    elif topic in ("customers/redact", "customers/data_request"):
        cid = _full_gid("Customer", data.get("customer_id"))
        orders = [o for o in st.orders.values() if ((o.get("customer") or {}).get("id")) == cid] if cid else []
        if cid is None:
            o = next((o for o in st.orders.values() if o.get("customer")), None)
            cid = (o or {}).get("customer", {}).get("id")
            orders = [x for x in st.orders.values() if ((x.get("customer") or {}).get("id")) == cid]
        customer = st.customers.get(cid) or (orders[0].get("customer") if orders else {"id": cid})
        if topic == "customers/redact":
            payload = payloads.customers_redact_payload(st.shop, customer, [o["id"] for o in orders])
        else:
            payload = payloads.customers_data_request_payload(st.shop, customer, [o["id"] for o in orders],
                                                              data.get("data_request_id"))
    else:
        _bad("topic must be customers/redact, customers/data_request or shop/redact")
    _emit(st, topic, payload)
    return jsonify({"topic": topic, "payload": payload})

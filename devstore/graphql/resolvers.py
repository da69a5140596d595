"""Resolvers over the store. One generic field resolver (scope check, registered resolver,
or the dict key of the same name) plus specific resolvers for roots, back references,
computed fields and connections. A field the store does not model is an error naming it."""
from __future__ import annotations

import time

import base64
import json

from graphql import GraphQLError

from devstore.config import API_VERSION
from devstore.graphql import search
from devstore.graphql.schema import get_scopes, is_connection
from devstore.store import gid_num, gid_type

MAX_PAGE = 250
QUANTITY_NAMES = ("available", "committed", "damaged", "incoming", "on_hand", "quality_control",
                  "reserved", "safety_stock")


def registrar(table: dict):
    """A decorator listing a function in `table` as the resolver of `type_name.field_name`.
    Each module that defines resolvers keeps its own table; devstore/graphql_api.py joins them."""
    def resolver(type_name, field_name):
        def deco(fn):
            table[(type_name, field_name)] = fn
            return fn
        return deco
    return resolver


def joined(*tables: dict) -> dict:
    """One table of resolvers from several; a field answered in two of them is a mistake."""
    out: dict = {}
    for table in tables:
        twice = out.keys() & table.keys()
        if twice:
            raise ValueError(f"resolvers defined twice: {sorted(twice)}")
        out.update(table)
    return out


RESOLVERS: dict = {}  # this module's resolvers (joined in devstore/graphql_api.py)
resolver = registrar(RESOLVERS)


class Context:
    """Per-request context: devstore state, shop, the token's scopes, bulk mode."""

    def __init__(self, state, shop, scopes, token=None, api_version=API_VERSION, bulk=None, request_info=None, *,
                 resolvers):
        self.state = state
        self.resolvers = resolvers  # (type, field) -> resolver: devstore/graphql_api.py's table
        self.shop = shop
        self.scopes = scopes
        self.token = token
        self.api_version = api_version
        self.bulk = bulk            # None, or dict(offset, limit, total) when running a bulk query
        self.warnings: dict = {}
        self.denied: dict = {}
        self._scope_cache: dict = {}
        self.request_info = request_info or {}


# --- errors --------------------------------------------------------------------------------

def not_modeled(info, what=None):
    name = what or f"{info.parent_type.name}.{info.field_name}"
    return GraphQLError(
        f"devstore does not model the field {name}: devstore answers only what its store holds "
        f"(see devstore/README.md, 'What is modelled').",
        info.field_nodes, extensions={"code": "NOT_MODELED_BY_DEVSTORE", "field": name})


def access_denied(info, text):
    return GraphQLError(
        f"Access denied for {info.field_name} field. Required access: {text}".rstrip(),
        info.field_nodes,
        extensions={"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": text})


def user_error(message, info):
    return GraphQLError(message, info.field_nodes)


# --- the generic resolver ------------------------------------------------------------------

def check_scopes(ctx: Context, info):
    key = (info.parent_type.name, info.field_name)
    hit = ctx._scope_cache.get(key)
    if hit is None:
        hit = ""
        for anyof, text in get_scopes().requirements(key[0], key[1], info.return_type):
            if not any(s in ctx.scopes for s in anyof):
                hit = text or " or ".join(f"`{s}` access scope" for s in anyof) + "."
                break
        ctx._scope_cache[key] = hit
    if hit:
        raise access_denied(info, hit)


def field_resolver(parent, info, **args):
    ctx: Context = info.context
    check_scopes(ctx, info)
    if ctx.bulk is not None and info.path.prev is None and "items" in ctx.bulk:
        off, lim = ctx.bulk["offset"], ctx.bulk["limit"]
        return _conn(ctx.bulk["items"][off:off + lim], ctx.bulk["key"], False, False)
    fn = ctx.resolvers.get((info.parent_type.name, info.field_name))
    if fn is not None:
        return fn(parent, info, **args)
    return default_resolve(parent, info, args)


def default_resolve(parent, info, args):
    name = info.field_name
    if isinstance(parent, dict):
        if name not in parent:
            raise not_modeled(info)
        v = parent[name]
    else:
        raise not_modeled(info)
    rt = info.return_type
    if is_connection(rt) and isinstance(v, list):
        return paginate(info, expand(info.context, v), args, key=position_key)
    if isinstance(v, list):
        v = expand(info.context, v)
        n = args.get("first")
        return v[:n] if isinstance(n, int) else v
    return expand_one(info.context, v)


def type_resolver(value, info, abstract_type):
    if isinstance(value, dict):
        t = value.get("__typename") or gid_type(value.get("id"))
        if t:
            return t
    return None


def expand_one(ctx, v):
    """A reference `{"id": gid}` is replaced by the stored object of that id."""
    if isinstance(v, dict) and v.keys() <= {"id", "__typename"} and "id" in v:
        full = ctx.shop.node(v["id"])
        if full is not None:
            return full
    return v


def expand(ctx, items):
    return [expand_one(ctx, v) for v in items]


# --- connections --------------------------------------------------------------------------

def position_key(item):
    return (item.get("position", 0) if isinstance(item, dict) else 0, gid_num(item.get("id")) if isinstance(item, dict) else 0)


def id_key(item):
    return (gid_num(item["id"]),)


def _encode_cursor(key):
    last_id = key[-1] if isinstance(key, tuple) else key
    last_value = key[0] if isinstance(key, tuple) else key
    raw = json.dumps({"last_id": last_id, "last_value": last_value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def _decode_cursor(info, cursor, keylen):
    try:
        d = json.loads(base64.b64decode(cursor.encode()).decode())
        if keylen == 1:
            return (d["last_id"],)
        return (d["last_value"], d["last_id"])
    except Exception:
        raise GraphQLError("Invalid cursor for current pagination sort.", info.field_nodes,
                           extensions={"code": "BAD_USER_INPUT"})


def _safe_key(k):
    return tuple("" if x is None else x for x in k)


def paginate(info, items, args, key=id_key, sort_needed=True):
    """Relay pagination as Shopify does it: first/after/last/before/reverse, max 250."""
    ctx: Context = info.context
    if sort_needed:
        items = sorted(items, key=lambda it: _safe_key(key(it)))
    if args.get("reverse"):
        items = list(reversed(items))
    first, last = args.get("first"), args.get("last")
    if ctx.bulk is not None:
        if ctx.bulk.get("root_path") == _path_tuple(info.path):
            off, lim = ctx.bulk["offset"], ctx.bulk["limit"]
            ctx.bulk["total"] = len(items)
            ctx.bulk["items"], ctx.bulk["key"] = items, key
            page = items[off:off + lim]
            return _conn(page, key, False, False)
        return _conn(items, key, False, False)
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", info.field_nodes)
    for name, n in (("first", first), ("last", last)):
        if n is not None and (n < 0 or n > MAX_PAGE):
            raise GraphQLError(f"The maximum number of records per page is {MAX_PAGE}: {name}: {n}" if n > MAX_PAGE
                               else f"{name} must be a positive number", info.field_nodes,
                               extensions={"code": "BAD_USER_INPUT"})
    rev = bool(args.get("reverse"))
    start, end = 0, len(items)
    probe = key(items[0]) if items else (0,)
    try:
        if args.get("after"):
            ak = _safe_key(_decode_cursor(info, args["after"], len(probe)))
            start = next((i for i, it in enumerate(items)
                          if (_safe_key(key(it)) < ak if rev else _safe_key(key(it)) > ak)), len(items))
        if args.get("before"):
            bk = _safe_key(_decode_cursor(info, args["before"], len(probe)))
            end = next((i for i, it in enumerate(items)
                        if (_safe_key(key(it)) <= bk if rev else _safe_key(key(it)) >= bk)), len(items))
            end = max(end, start)
    except TypeError:   # a cursor from another sort order
        raise GraphQLError("Invalid cursor for current pagination sort.", info.field_nodes,
                           extensions={"code": "BAD_USER_INPUT"})
    window = items[start:end]
    if first is not None:
        page = window[:first]
        has_next = len(window) > first or (end < len(items) and bool(page))
        has_prev = start > 0
    else:
        page = window[-last:] if last else []
        has_prev = len(window) > len(page) or start > 0
        has_next = end < len(items)
    return _conn(page, key, has_next, has_prev)


def _path_tuple(path):
    out = []
    while path is not None:
        out.append(path.key)
        path = path.prev
    return tuple(reversed(out))


def _conn(page, key, has_next, has_prev):
    cursors = [_encode_cursor(key(n)) for n in page]
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, page)],
        "nodes": page,
        "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_prev,
                     "startCursor": cursors[0] if cursors else None,
                     "endCursor": cursors[-1] if cursors else None},
    }


def string_conn(info, values, args):
    ctx = info.context
    if ctx.bulk is None and args.get("first") is None and args.get("last") is None:
        raise GraphQLError("you must provide one of first or last", info.field_nodes)
    items = sorted(values)
    if args.get("reverse"):
        items.reverse()
    start = 0
    if args.get("after"):
        try:
            av = json.loads(base64.b64decode(args["after"]).decode())["last_value"]
        except Exception:
            raise GraphQLError("Invalid cursor for current pagination sort.", info.field_nodes)
        start = next((i for i, v in enumerate(items) if (v < av if args.get("reverse") else v > av)), len(items))
    window = items[start:]
    n = args.get("first") or args.get("last") or len(window)
    page = window[:n] if args.get("first") or ctx.bulk else window[-n:]
    cur = [base64.b64encode(json.dumps({"last_id": v, "last_value": v}).encode()).decode() for v in page]
    return {"edges": [{"cursor": c, "node": v} for c, v in zip(cur, page)], "nodes": page,
            "pageInfo": {"hasNextPage": len(window) > len(page), "hasPreviousPage": start > 0,
                         "startCursor": cur[0] if cur else None, "endCursor": cur[-1] if cur else None}}


def add_warnings(info, warnings):
    if warnings:
        info.context.warnings.setdefault(info.field_name, set()).update(warnings)


# --- search fields per resource ----------------------------------------------------------

def _t(k):
    return lambda o: o.get(k)


PRODUCT_FIELDS = {
    "id": ("id", _t("id")), "title": ("text", _t("title")), "handle": ("text", _t("handle")),
    "status": ("text", _t("status")), "product_type": ("text", _t("productType")),
    "vendor": ("text", _t("vendor")), "tag": ("text", lambda o: o.get("tags") or []),
    "updated_at": ("time", _t("updatedAt")), "created_at": ("time", _t("createdAt")),
    "published_at": ("time", _t("publishedAt")),
    "sku": ("text", lambda o: [v.get("sku") for v in o.get("variants", [])]),
    "barcode": ("text", lambda o: [v.get("barcode") for v in o.get("variants", [])]),
    "product_id": ("id", _t("id")),
}

VARIANT_FIELDS = {
    "id": ("id", _t("id")), "sku": ("text", _t("sku")), "barcode": ("text", _t("barcode")),
    "title": ("text", _t("title")), "updated_at": ("time", _t("updatedAt")),
    "created_at": ("time", _t("createdAt")),
}


def _order_status(o):
    if o.get("cancelledAt"):
        return ["cancelled", "any"]
    if o.get("closedAt") or o.get("closed"):
        return ["closed", "any"]
    return ["open", "any"]


def _fulfillment_status(o):
    s = (o.get("displayFulfillmentStatus") or "UNFULFILLED").upper()
    m = {"UNFULFILLED": ["unfulfilled", "unshipped"], "PARTIALLY_FULFILLED": ["partial", "unfulfilled"],
         "FULFILLED": ["shipped", "fulfilled"], "IN_PROGRESS": ["unfulfilled"], "ON_HOLD": ["unfulfilled", "on_hold"],
         "SCHEDULED": ["unfulfilled", "scheduled"], "RESTOCKED": ["restocked"]}
    return m.get(s, [s.lower()]) + ["any"]


ORDER_FIELDS = {
    "id": ("id", _t("id")), "name": ("text", lambda o: [o.get("name"), (o.get("name") or "").lstrip("#")]),
    "status": ("text", _order_status), "fulfillment_status": ("text", _fulfillment_status),
    "financial_status": ("text", lambda o: [(o.get("displayFinancialStatus") or "").lower(), "any"]),
    "updated_at": ("time", _t("updatedAt")), "created_at": ("time", _t("createdAt")),
    "processed_at": ("time", lambda o: o.get("processedAt") or o.get("createdAt")),
    "source_name": ("text", _t("sourceName")), "email": ("text", _t("email")),
    "tag": ("text", lambda o: o.get("tags") or []),
    "sku": ("text", lambda o: [li.get("sku") for li in o.get("lineItems", [])]),
}

LOCATION_FIELDS = {"id": ("id", _t("id")), "name": ("text", _t("name")),
                   "active": ("text", lambda o: str(o.get("isActive", True)).lower())}

INVENTORY_ITEM_FIELDS = {"id": ("id", _t("id")), "sku": ("text", _t("sku")),
                         "updated_at": ("time", _t("updatedAt")), "created_at": ("time", _t("createdAt"))}

BULK_FIELDS = {"status": ("text", _t("status")), "operation_type": ("text", _t("type")),
               "created_at": ("time", _t("createdAt")), "id": ("id", _t("id"))}

PRODUCT_SORT = {"ID": lambda p: (gid_num(p["id"]),), "TITLE": lambda p: ((p.get("title") or "").lower(), gid_num(p["id"])),
                "UPDATED_AT": lambda p: (p.get("updatedAt") or "", gid_num(p["id"])),
                "CREATED_AT": lambda p: (p.get("createdAt") or "", gid_num(p["id"])),
                "PUBLISHED_AT": lambda p: (p.get("publishedAt") or "", gid_num(p["id"])),
                "PRODUCT_TYPE": lambda p: (p.get("productType") or "", gid_num(p["id"])),
                "VENDOR": lambda p: (p.get("vendor") or "", gid_num(p["id"])),
                "INVENTORY_TOTAL": lambda p: (p.get("totalInventory") or 0, gid_num(p["id"])),
                "RELEVANCE": lambda p: (gid_num(p["id"]),)}

ORDER_SORT = {"ID": lambda o: (gid_num(o["id"]),),
              "CREATED_AT": lambda o: (o.get("createdAt") or "", gid_num(o["id"])),
              "UPDATED_AT": lambda o: (o.get("updatedAt") or "", gid_num(o["id"])),
              "PROCESSED_AT": lambda o: (o.get("processedAt") or o.get("createdAt") or "", gid_num(o["id"])),
              "ORDER_NUMBER": lambda o: (o.get("number") or gid_num(o["id"]), gid_num(o["id"])),
              "RELEVANCE": lambda o: (gid_num(o["id"]),)}


def _filtered(info, items, q, fields, default_text=None):
    pred, warnings = search.matcher(q, fields, **({"default_text": default_text} if default_text else {}))
    add_warnings(info, warnings)
    return [it for it in items if pred(it)]


def _sort_key(table, name, info):
    fn = table.get(name or "ID")
    if fn is None:
        raise GraphQLError(f"devstore does not model sortKey {name} on {info.field_name}", info.field_nodes,
                           extensions={"code": "NOT_MODELED_BY_DEVSTORE"})
    return fn


def _ctx(info) -> Context:
    return info.context


def _lookup(info, gid_value, *types):
    if not isinstance(gid_value, str) or not gid_value.startswith("gid://shopify/"):
        raise GraphQLError(f"Invalid global id '{gid_value}'", info.field_nodes)
    if types and gid_type(gid_value) not in types:
        return None
    return _ctx(info).shop.node(gid_value.split("?")[0] if types and types[0] != "InventoryLevel" else gid_value)


# --- QueryRoot -----------------------------------------------------------------------------

@resolver("QueryRoot", "shop")
def r_shop(_, info):
    return _ctx(info).shop.shop


@resolver("QueryRoot", "products")
def r_products(_, info, query=None, sortKey="ID", **args):
    st = _ctx(info).shop
    items = _filtered(info, list(st.products.values()), query, PRODUCT_FIELDS)
    return paginate(info, items, args, key=_sort_key(PRODUCT_SORT, sortKey, info))


@resolver("QueryRoot", "productVariants")
def r_variants(_, info, query=None, sortKey="ID", **args):
    st = _ctx(info).shop
    fields = dict(VARIANT_FIELDS)
    fields["product_id"] = ("id", lambda v: st.variant_product.get(v["id"]))
    items = _filtered(info, list(st.variants.values()), query, fields, default_text=lambda v: v.get("title"))
    key = {"ID": id_key, "SKU": lambda v: (v.get("sku") or "", gid_num(v["id"])),
           "TITLE": lambda v: (v.get("title") or "", gid_num(v["id"])),
           "POSITION": position_key}.get(sortKey or "ID", id_key)
    return paginate(info, items, args, key=key)


@resolver("QueryRoot", "inventoryItems")
def r_inventory_items(_, info, query=None, **args):
    st = _ctx(info).shop
    items = _filtered(info, list(st.inventory_items.values()), query, INVENTORY_ITEM_FIELDS,
                      default_text=lambda i: i.get("sku"))
    return paginate(info, items, args, key=id_key)


@resolver("QueryRoot", "orders")
def r_orders(_, info, query=None, sortKey="PROCESSED_AT", **args):
    st = _ctx(info).shop
    items = _filtered(info, list(st.orders.values()), query, ORDER_FIELDS, default_text=lambda o: o.get("name"))
    hidden = getattr(st, "search_hidden", None)
    if hidden and query:  # the control API's search lag: these orders are not indexed yet
        now = time.monotonic()
        items = [o for o in items if hidden.get(o["id"], 0) <= now]
    return paginate(info, items, args, key=_sort_key(ORDER_SORT, sortKey, info))


def _count(n, limit):
    if limit is not None and n > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": n, "precision": "EXACT"}


@resolver("QueryRoot", "ordersCount")
def r_orders_count(_, info, query=None, limit=10000, **_a):
    st = _ctx(info).shop
    return _count(len(_filtered(info, list(st.orders.values()), query, ORDER_FIELDS)), limit)


@resolver("QueryRoot", "productsCount")
def r_products_count(_, info, query=None, limit=10000, **_a):
    st = _ctx(info).shop
    return _count(len(_filtered(info, list(st.products.values()), query, PRODUCT_FIELDS)), limit)


@resolver("QueryRoot", "productVariantsCount")
def r_variants_count(_, info, query=None, limit=10000, **_a):
    st = _ctx(info).shop
    return _count(len(_filtered(info, list(st.variants.values()), query, VARIANT_FIELDS)), limit)


def _locations(st, include_inactive=False):
    return [l for l in st.locations.values() if include_inactive or l.get("isActive", True)]


@resolver("QueryRoot", "locations")
def r_locations(_, info, query=None, includeInactive=False, includeLegacy=False, sortKey="NAME", **args):
    st = _ctx(info).shop
    items = _filtered(info, _locations(st, includeInactive), query, LOCATION_FIELDS)
    key = id_key if sortKey == "ID" else (lambda l: ((l.get("name") or "").lower(), gid_num(l["id"])))
    return paginate(info, items, args, key=key)


@resolver("QueryRoot", "locationsCount")
def r_locations_count(_, info, query=None, limit=10000, **_a):
    st = _ctx(info).shop
    return _count(len(_filtered(info, _locations(st), query, LOCATION_FIELDS)), limit)


@resolver("QueryRoot", "productTypes")
def r_product_types(_, info, **args):
    st = _ctx(info).shop
    values = {p.get("productType") for p in st.products.values() if p.get("productType")}
    return string_conn(info, values, args)


@resolver("QueryRoot", "publications")
def r_publications(_, info, catalogType=None, **args):
    return paginate(info, list(_ctx(info).shop.publications.values()), args, key=id_key)


@resolver("QueryRoot", "deliveryProfiles")
def r_delivery_profiles(_, info, merchantOwnedOnly=None, **args):
    return paginate(info, list(_ctx(info).shop.delivery_profiles.values()), args, key=id_key)


@resolver("QueryRoot", "bulkOperations")
def r_bulk_operations(_, info, query=None, sortKey="CREATED_AT", **args):
    st = _ctx(info).shop
    items = _filtered(info, list(st.bulk_operations.values()), query, BULK_FIELDS)
    return paginate(info, items, args, key=lambda b: (b.get("createdAt") or "", gid_num(b["id"])))


@resolver("QueryRoot", "currentBulkOperation")
def r_current_bulk(_, info, type="QUERY"):
    ops = [b for b in _ctx(info).shop.bulk_operations.values() if b.get("type") == type]
    return ops[-1] if ops else None


@resolver("QueryRoot", "webhookSubscriptions")
def r_webhook_subs(_, info, topics=None, uri=None, callbackUrl=None, format=None, query=None,
                   sortKey="CREATED_AT", **args):
    items = list(_ctx(info).shop.webhook_subscriptions.values())
    if topics:
        items = [s for s in items if s["topic"] in topics]
    if uri or callbackUrl:
        items = [s for s in items if s["uri"] == (uri or callbackUrl)]
    return paginate(info, items, args, key=id_key)


@resolver("QueryRoot", "currentAppInstallation")
def r_current_installation(_, info):
    ctx = _ctx(info)
    cfg = ctx.state.config
    return {
        "id": f"gid://shopify/AppInstallation/{gid_num(ctx.shop.shop.get('id', '0'))}",
        "accessScopes": [{"handle": s, "description": s.replace("_", " ")}
                         for s in ((ctx.token or {}).get("scopes") or ctx.shop.granted_scopes)],
        "app": {"id": "gid://shopify/App/1", "title": cfg.toml.get("name", "App"), "handle": cfg.toml.get("handle", "app"),
                "apiKey": cfg.api_key, "embedded": bool(cfg.toml.get("embedded", True))},
        "launchUrl": f"{cfg.base_url}/{ctx.shop.domain}/admin/apps/{cfg.api_key}",
    }


def _by_id(*types):
    def fn(_, info, id):
        return _lookup(info, id, *types)
    return fn


for _field, _types in {"product": ("Product",), "productVariant": ("ProductVariant",),
                       "inventoryItem": ("InventoryItem",), "inventoryLevel": ("InventoryLevel",),
                       "location": ("Location",), "order": ("Order",), "fulfillmentOrder": ("FulfillmentOrder",),
                       "fulfillment": ("Fulfillment",), "refund": ("Refund",), "return": ("Return",),
                       "customer": ("Customer",), "publication": ("Publication",),
                       "deliveryProfile": ("DeliveryProfile",), "bulkOperation": ("BulkOperation",),
                       "webhookSubscription": ("WebhookSubscription",)}.items():
    RESOLVERS[("QueryRoot", _field)] = _by_id(*_types)


@resolver("QueryRoot", "node")
def r_node(_, info, id):
    return _lookup(info, id)


@resolver("QueryRoot", "nodes")
def r_nodes(_, info, ids):
    if len(ids) > MAX_PAGE:
        raise GraphQLError(f"The maximum number of ids is {MAX_PAGE}", info.field_nodes)
    return [_lookup(info, i) for i in ids]


# --- products, variants, inventory ------------------------------------------------------------

@resolver("Product", "variants")
def r_product_variants(p, info, sortKey="POSITION", **args):
    key = position_key if sortKey in (None, "POSITION") else {
        "ID": id_key, "SKU": lambda v: (v.get("sku") or "", gid_num(v["id"])),
        "TITLE": lambda v: (v.get("title") or "", gid_num(v["id"]))}.get(sortKey, id_key)
    return paginate(info, p.get("variants", []), args, key=key)


@resolver("Product", "variantsCount")
def r_product_variants_count(p, info, **_a):
    return {"count": len(p.get("variants", [])), "precision": "EXACT"}


@resolver("Product", "totalInventory")
def r_total_inventory(p, info):
    if "totalInventory" in p:
        return p["totalInventory"]
    return sum(_variant_qty(v) for v in p.get("variants", []))


@resolver("Product", "tracksInventory")
def r_tracks_inventory(p, info):
    if "tracksInventory" in p:
        return p["tracksInventory"]
    return any((v.get("inventoryItem") or {}).get("tracked") for v in p.get("variants", []))


def _variant_qty(v):
    item = v.get("inventoryItem") or {}
    return sum((lv.get("quantities") or {}).get("available", 0) or 0 for lv in item.get("inventoryLevels", []))


@resolver("ProductVariant", "inventoryQuantity")
def r_variant_qty(v, info):
    return _variant_qty(v)


@resolver("ProductVariant", "product")
def r_variant_product(v, info):
    p = _ctx(info).shop.product_of_variant(v["id"])
    if p is None:
        p = v.get("product")
        return expand_one(_ctx(info), p) if p else None
    return p


@resolver("InventoryItem", "variant")
def r_item_variant(item, info):
    return _ctx(info).shop.variant_of_item(item["id"])


@resolver("InventoryItem", "inventoryLevels")
def r_item_levels(item, info, query=None, includeInactive=False, **args):
    levels = list(item.get("inventoryLevels", []))
    if query:
        levels = _filtered(info, levels, query, {"location_id": ("id", lambda l: l["location"]["id"]),
                                                 "updated_at": ("time", _t("updatedAt"))})
    return paginate(info, levels, args, key=lambda l: (gid_num(l["location"]["id"]),))


@resolver("InventoryItem", "inventoryLevel")
def r_item_level(item, info, locationId, includeInactive=False):
    return _ctx(info).shop.level_for(item["id"], locationId)


@resolver("InventoryItem", "locationsCount")
def r_item_locations_count(item, info, **_a):
    return {"count": len(item.get("inventoryLevels", [])), "precision": "EXACT"}


@resolver("InventoryLevel", "quantities")
def r_level_quantities(level, info, names):
    q = level.get("quantities") or {}
    out = []
    for n in names:
        if n not in QUANTITY_NAMES:
            raise GraphQLError(f"The quantity name '{n}' is not valid. Valid names are: {', '.join(QUANTITY_NAMES)}.",
                               info.field_nodes, extensions={"code": "BAD_USER_INPUT"})
        out.append({"id": f"gid://shopify/InventoryQuantity/{gid_num(level['id'].split('?')[0])}?name={n}"
                          f"&location_id={gid_num(level['location']['id'])}",
                    "name": n, "quantity": int(q.get(n, 0) or 0), "updatedAt": level.get("updatedAt")})
    return out


@resolver("InventoryLevel", "item")
def r_level_item(level, info):
    return _ctx(info).shop.item_of_level(level["id"])


@resolver("InventoryLevel", "isActive")
def r_level_active(level, info):
    return level.get("isActive", True)


@resolver("InventoryLevel", "canDeactivate")
def r_level_can_deactivate(level, info):
    return level.get("canDeactivate", True)


@resolver("InventoryLevel", "createdAt")
def r_level_created(level, info):
    return level.get("createdAt") or level.get("updatedAt")


@resolver("InventoryLevel", "deactivationAlert")
def r_level_alert(level, info):
    return level.get("deactivationAlert")


@resolver("Location", "inventoryLevels")
def r_location_levels(loc, info, query=None, includeInactive=False, **args):
    st = _ctx(info).shop
    levels = list(st.location_levels.get(loc["id"], {}).values())
    return paginate(info, levels, args, key=lambda l: (gid_num(st.level_item.get(l["id"], "0")),))


@resolver("Location", "inventoryLevel")
def r_location_level(loc, info, inventoryItemId):
    return _ctx(info).shop.level_for(inventoryItemId, loc["id"])


# --- orders ---------------------------------------------------------------------------------

def _owner(info, obj, kind="Order"):
    st = _ctx(info).shop
    oid = st.owner.get(obj.get("id")) if hasattr(st, "owner") else None
    if oid:
        return st.orders.get(oid)
    ref = obj.get("order")
    return expand_one(_ctx(info), ref) if ref else None


for _t_name in ("FulfillmentOrder", "Fulfillment", "Refund", "Return"):
    RESOLVERS[(_t_name, "order")] = lambda obj, info: _owner(info, obj)


@resolver("LineItem", "variant")
def r_line_variant(li, info):
    ref = li.get("variant")
    if not ref:
        return None
    return _ctx(info).shop.variants.get(ref["id"] if isinstance(ref, dict) else ref)


@resolver("LineItem", "product")
def r_line_product(li, info):
    ref = li.get("product")
    st = _ctx(info).shop
    if ref:
        return st.products.get(ref["id"] if isinstance(ref, dict) else ref)
    v = li.get("variant")
    if v:
        return st.product_of_variant(v["id"] if isinstance(v, dict) else v)
    return None


@resolver("Order", "fulfillmentOrders")
def r_order_fos(o, info, query=None, displayable=False, **args):
    fos = list(o.get("fulfillmentOrders", []))
    if displayable:
        fos = [f for f in fos if f.get("status") not in ("CANCELLED", "INCOMPLETE", "CLOSED")]
    return paginate(info, fos, args, key=id_key)


@resolver("Order", "fulfillments")
def r_order_fulfillments(o, info, first=None, query=None):
    fs = o.get("fulfillments", [])
    return fs[:first] if first else fs


@resolver("FulfillmentOrder", "fulfillments")
def r_fo_fulfillments(fo, info, **args):
    """The order's fulfillments that took lines of this fulfillment order, oldest first."""
    order = _owner(info, fo) or {}
    fs = [f for f in order.get("fulfillments", [])
          if any(ref.get("id") == fo.get("id") for ref in f.get("fulfillmentOrders") or [])]
    return paginate(info, fs, args, key=id_key)


@resolver("Order", "refunds")
def r_order_refunds(o, info, first=None):
    rs = o.get("refunds", [])
    return rs[:first] if first else rs


@resolver("Order", "returns")
def r_order_returns(o, info, query=None, **args):
    return paginate(info, o.get("returns", []), args, key=id_key)

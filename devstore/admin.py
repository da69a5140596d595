"""The embedded admin: a Shopify-admin-like frame that embeds the app, and the App Bridge stand-in.

URLs (PORT is devstore's):
- `GET  /<shop>/admin`                                 admin home (shop summary, the app in the menu)
- `GET  /<shop>/admin/apps/<api_key>[/<path>]`          the app embedded in an iframe, opened as Shopify opens it
                                                        (`{app_url}/<path>?embedded=1&hmac&host&id_token&locale&session&shop&timestamp`);
                                                        the install page when the app is not installed
                                                        (or the update page when the toml asks for more scopes)
- `POST /<shop>/admin/apps/<api_key>/install`           managed installation with the toml's scopes
- `POST /<shop>/admin/apps/<api_key>/uninstall`         uninstall (revokes tokens, sends app/uninstalled)
- `POST /<shop>/admin/apps/<api_key>/session-token`     a fresh App Bridge session token (JSON), for the frame
- `GET  /<shop>/admin/apps/<api_key>/launch-url`        JSON: the URL the iframe would open (for scripts and tests)
- `GET  /<shop>/admin/{products,orders,settings/locations}[/<id>]`  simple read-only views of the store
- `GET  /cdn/shopifycloud/app-bridge.js`                the App Bridge stand-in (`window.shopify`)
- `GET  /cdn/shop/files/<name>.svg`                     placeholder product images
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import time
import zlib
from urllib.parse import urlencode, urlsplit

from flask import (Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request,
                   send_from_directory, url_for)

from devstore import payloads

bp = Blueprint("devstore_admin", __name__, template_folder="templates", static_folder="static",
               static_url_path="/_devstore/admin-static")

SHOP_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")

SCOPE_TEXT = {
    "products": "Products, variants, collections and product types",
    "orders": "Orders, transactions, fulfillments and abandoned checkouts",
    "all_orders": "All orders, not only the last 60 days",
    "customers": "Customer details and customer groups",
    "inventory": "Inventory levels and inventory items",
    "locations": "Store locations",
    "merchant_managed_fulfillment_orders": "Fulfillment orders assigned to merchant-managed locations",
    "assigned_fulfillment_orders": "Fulfillment orders assigned to the app's locations",
    "third_party_fulfillment_orders": "Fulfillment orders assigned to third-party locations",
    "fulfillments": "Fulfillment services",
    "publications": "Sales channels and product publications",
    "shipping": "Shipping rates, carriers and delivery profiles",
    "returns": "Returns",
    "discounts": "Discounts",
    "draft_orders": "Draft orders",
    "price_rules": "Price rules",
    "reports": "Reports",
    "themes": "Themes",
    "content": "Blog posts, pages and comments",
    "markets": "Markets",
}


# --- helpers ------------------------------------------------------------------------
def _state():
    st = current_app.extensions.get("devstore")
    if st is None:
        abort(500, "devstore state missing")
    return st


def _cfg():
    return _state().config


def _app_name() -> str:
    cfg = _cfg()
    toml = getattr(cfg, "toml", None) or {}
    return toml.get("name") or "App"


def _shop_or_404(shop: str, create: bool = True):
    if not SHOP_RE.match(shop or ""):
        abort(404)
    state = _state()
    st = state.shop(shop)
    if st is None and create and hasattr(state, "create_shop"):
        st = state.create_shop(shop)
    if st is None:
        abort(404)
    return st


def _check_key(api_key: str):
    """The app is addressed by its API key or, as in Shopify admin URLs, by its toml `handle`."""
    cfg = _cfg()
    handle = (getattr(cfg, "toml", None) or {}).get("handle")
    if api_key != cfg.api_key and not (handle and api_key == handle):
        abort(404, description=f"No app with API key {api_key} in this devstore")


def _admin_netloc() -> str:
    cfg = _cfg()
    port = getattr(cfg, "port", 0)
    if port:
        host = getattr(cfg, "host", "127.0.0.1") or "127.0.0.1"
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"{host}:{port}"
    return request.host


def host_param(shop: str) -> str:
    """`host`: base64 of the admin host (`127.0.0.1:PORT/<shop>/admin`), unpadded as Shopify sends it."""
    return base64.b64encode(f"{_admin_netloc()}/{shop}/admin".encode()).decode().rstrip("=")


def query_hmac(params: dict, secret: str) -> str:
    """Hex HMAC-SHA256 over the sorted `k=v` pairs joined by `&` (without `hmac`)."""
    msg = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


def launch_url(shop: str, subpath: str = "", extra: dict | None = None) -> str:
    """The URL Shopify opens in the iframe for `/admin/apps/<api_key>/<subpath>`."""
    state = _state()
    cfg = state.config
    base = (cfg.app_url or "").rstrip("/")
    url = f"{base}/{subpath.lstrip('/')}" if subpath else f"{base}/"
    token = state.mint_session_token(shop)
    try:
        sid = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")).get("sid")
    except Exception:
        sid = None
    params = {k: v for k, v in (extra or {}).items()
              if k not in ("embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp")}
    params.update({
        "embedded": "1",
        "host": host_param(shop),
        "id_token": token,
        "locale": "en",
        "session": sid or hashlib.sha256(f"{shop}:{time.time()}".encode()).hexdigest(),
        "shop": shop,
        "timestamp": str(int(time.time())),
    })
    params["hmac"] = query_hmac(params, cfg.api_secret)
    return url + "?" + urlencode(sorted(params.items()))


def _missing_scopes(st) -> list[str]:
    requested = list(_cfg().scopes or [])
    granted = set(getattr(st, "granted_scopes", None) or [])
    implied = set(granted)
    for s in granted:
        if s.startswith("write_"):
            implied.add("read_" + s[6:])
    return [s for s in requested if s not in implied]


def _scope_rows(scopes) -> list[dict]:
    rows = {}
    for s in scopes:
        access, _, resource = s.partition("_")
        if s.startswith("unauthenticated_"):
            access, resource = "storefront", s[len("unauthenticated_"):]
        label = SCOPE_TEXT.get(resource, resource.replace("_", " ").capitalize())
        row = rows.setdefault(resource, {"resource": resource, "label": label, "read": False, "write": False,
                                         "scopes": []})
        row["scopes"].append(s)
        if access == "write":
            row["write"] = True
            row["read"] = True
        else:
            row["read"] = True
    return list(rows.values())


def _nav_context(shop: str, st, active: str = ""):
    cfg = _cfg()
    shop_dict = getattr(st, "shop", None) or {}
    return {
        "shop": shop,
        "shop_name": shop_dict.get("name") or shop.split(".")[0].replace("-", " ").title(),
        "api_key": cfg.api_key,
        "app_name": _app_name(),
        "installed": bool(getattr(st, "installed", False)),
        "active": active,
    }


# --- the embedded app ------------------------------------------------------------------------
@bp.get("/<shop>/admin/apps/<api_key>")
@bp.get("/<shop>/admin/apps/<api_key>/<path:subpath>")
def app_page(shop, api_key, subpath=""):
    if subpath in ("install", "uninstall", "session-token", "launch-url"):
        abort(405)
    st = _shop_or_404(shop)
    _check_key(api_key)
    cfg = _cfg()
    ctx = _nav_context(shop, st, active="app")
    if not ctx["installed"] or _missing_scopes(st):
        updating = ctx["installed"]
        scopes = list(cfg.scopes or [])
        return render_template("devstore_admin/install.html", **ctx, updating=updating,
                               scope_rows=_scope_rows(scopes), scopes=scopes,
                               missing=_missing_scopes(st) if updating else scopes,
                               next_path=subpath, app_url=cfg.app_url)
    if not cfg.app_url:
        return render_template("devstore_admin/message.html", **ctx, title="The app has no URL",
                               message="Start devstore with the app's URL (--app-url or SHOPIFY_APP_URL) "
                                       "to open it here."), 409
    extra = request.args.to_dict(flat=True)
    src = launch_url(shop, subpath, extra)
    app_origin = "{0.scheme}://{0.netloc}".format(urlsplit(cfg.app_url))
    return render_template("devstore_admin/app.html", **ctx, iframe_src=src, app_origin=app_origin,
                           subpath=subpath)


@bp.post("/<shop>/admin/apps/<api_key>/install")
def install(shop, api_key):
    st = _shop_or_404(shop)
    _check_key(api_key)
    state = _state()
    cfg = state.config
    previous = list(getattr(st, "granted_scopes", None) or [])
    was_installed = bool(getattr(st, "installed", False))
    state.install(shop, list(cfg.scopes or []))
    if was_installed and set(previous) != set(cfg.scopes or []):
        try:
            payload = payloads.app_scopes_update_payload(getattr(st, "shop", {}) or shop, previous, list(cfg.scopes),
                                                         time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            if hasattr(state, "emit"):
                state.emit(shop, "app/scopes_update", payload)
            else:
                state.dispatcher.emit(shop, "app/scopes_update", payload)
        except Exception:  # pragma: no cover
            current_app.logger.exception("app/scopes_update failed")
    nxt = (request.form.get("next") or "").lstrip("/")
    target = url_for("devstore_admin.app_page", shop=shop, api_key=api_key, subpath=nxt) if nxt else \
        url_for("devstore_admin.app_page", shop=shop, api_key=api_key)
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify({"installed": True, "scopes": list(cfg.scopes or []), "app_page": target})
    return redirect(target, 303)


@bp.post("/<shop>/admin/apps/<api_key>/uninstall")
def uninstall(shop, api_key):
    _shop_or_404(shop, create=False)
    _check_key(api_key)
    done = _state().uninstall(shop)
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify({"uninstalled": bool(done)})
    return redirect(url_for("devstore_admin.app_page", shop=shop, api_key=api_key), 303)


@bp.post("/<shop>/admin/apps/<api_key>/session-token")
def session_token(shop, api_key):
    st = _shop_or_404(shop, create=False)
    _check_key(api_key)
    if not getattr(st, "installed", False):
        return jsonify({"error": "The app is not installed on this shop"}), 403
    token = _state().mint_session_token(shop)
    resp = jsonify({"token": token, "expires_in": 60,
                    "scopes": list(getattr(st, "granted_scopes", None) or [])})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/<shop>/admin/apps/<api_key>/launch-url")
def launch_url_view(shop, api_key):
    st = _shop_or_404(shop)
    _check_key(api_key)
    if not getattr(st, "installed", False):
        return jsonify({"error": "The app is not installed on this shop"}), 403
    return jsonify({"url": launch_url(shop, request.args.get("path", ""))})


# --- the rest of the admin --------------------------------------------------------------------------
def _values(d):
    if isinstance(d, dict):
        return list(d.values())
    return list(d or [])


@bp.get("/<shop>/admin")
@bp.get("/<shop>/admin/")
def home(shop):
    st = _shop_or_404(shop)
    ctx = _nav_context(shop, st, active="home")
    counts = {
        "products": len(getattr(st, "products", {}) or {}),
        "variants": len(getattr(st, "variants", {}) or {}),
        "orders": len(getattr(st, "orders", {}) or {}),
        "locations": len(getattr(st, "locations", {}) or {}),
    }
    return render_template("devstore_admin/home.html", **ctx, counts=counts,
                           granted=list(getattr(st, "granted_scopes", None) or []),
                           plan=getattr(st, "plan", None))


@bp.get("/<shop>/admin/apps")
def apps(shop):
    st = _shop_or_404(shop)
    return redirect(url_for("devstore_admin.app_page", shop=shop, api_key=_cfg().api_key))


def _money(m):
    if isinstance(m, dict):
        m = m.get("shopMoney", m)
        return f"{m.get('amount')} {m.get('currencyCode', '')}".strip()
    return m or ""


@bp.get("/<shop>/admin/products")
def products(shop):
    st = _shop_or_404(shop)
    rows = []
    for p in _values(getattr(st, "products", {}))[:250]:
        vs = p.get("variants") or []
        rows.append([("link", p["id"].rsplit("/", 1)[-1], p.get("title")), p.get("status"), p.get("productType"),
                     p.get("vendor"), len(vs), sum(v.get("inventoryQuantity") or 0 for v in vs)])
    return render_template("devstore_admin/table.html", **_nav_context(shop, st, "products"), title="Products",
                           columns=["Product", "Status", "Type", "Vendor", "Variants", "Available"], rows=rows,
                           base=url_for("devstore_admin.products", shop=shop))


@bp.get("/<shop>/admin/orders")
def orders(shop):
    st = _shop_or_404(shop)
    rows = []
    for o in sorted(_values(getattr(st, "orders", {})), key=lambda o: o.get("createdAt") or "", reverse=True)[:250]:
        rows.append([("link", o["id"].rsplit("/", 1)[-1], o.get("name")), o.get("createdAt"), o.get("sourceName"),
                     o.get("displayFinancialStatus"), o.get("displayFulfillmentStatus"),
                     _money(o.get("totalPriceSet"))])
    return render_template("devstore_admin/table.html", **_nav_context(shop, st, "orders"), title="Orders",
                           columns=["Order", "Date", "Channel", "Payment", "Fulfillment", "Total"], rows=rows,
                           base=url_for("devstore_admin.orders", shop=shop))


@bp.get("/<shop>/admin/settings/locations")
def locations(shop):
    st = _shop_or_404(shop)
    rows = []
    for l in _values(getattr(st, "locations", {})):
        a = l.get("address") or {}
        rows.append([("link", l["id"].rsplit("/", 1)[-1], l.get("name")), a.get("city"),
                     "yes" if l.get("fulfillsOnlineOrders") else "no", "active" if l.get("isActive", True) else "inactive"])
    return render_template("devstore_admin/table.html", **_nav_context(shop, st, "locations"), title="Locations",
                           columns=["Location", "City", "Fulfils online orders", "Status"], rows=rows,
                           base=url_for("devstore_admin.locations", shop=shop))


@bp.get("/<shop>/admin/webhooks")
def webhooks(shop):
    """Recent webhook delivery attempts for this shop, newest first."""
    st = _shop_or_404(shop)
    disp = _state().dispatcher
    attempts = [d for d in list(getattr(disp, "deliveries", []) or []) if d.get("shop") == shop][-250:][::-1]
    rows = []
    for d in attempts:
        result = d.get("status") if d.get("status") is not None else (d.get("error") or "")
        if d.get("next_retry_at"):
            result = f"{result} (retry at {d['next_retry_at'][:19]}Z)"
        rows.append([(d.get("at") or "")[:19].replace("T", " "), d.get("topic"), d.get("attempt"), result,
                     d.get("duration_ms"), d.get("url") or d.get("uri"), d.get("webhook_id")])
    subs = [s for s in list(getattr(disp, "subscriptions", []) or []) if s.get("shop") in (None, shop)]
    return render_template("devstore_admin/table.html", **_nav_context(shop, st, "webhooks"), title="Webhooks",
                           columns=["Attempted", "Topic", "Attempt", "Result", "ms", "Address", "Webhook id"],
                           rows=rows, base="", subtitle=f"{len(subs)} subscriptions: " + ", ".join(
                               sorted({s["topic"] for s in subs})))


def _detail(shop, kind, num, collection, active):
    st = _shop_or_404(shop)
    gid = f"gid://shopify/{kind}/{num}"
    obj = (getattr(st, collection, {}) or {}).get(gid)
    if obj is None:
        abort(404)
    title = obj.get("title") or obj.get("name") or gid
    body = json.dumps(obj, indent=2, default=str)
    return render_template("devstore_admin/object.html", **_nav_context(shop, st, active), title=title, gid=gid,
                           body=body)


@bp.get("/<shop>/admin/products/<int:num>")
def product_detail(shop, num):
    return _detail(shop, "Product", num, "products", "products")


@bp.get("/<shop>/admin/orders/<int:num>")
def order_detail(shop, num):
    return _detail(shop, "Order", num, "orders", "orders")


@bp.get("/<shop>/admin/settings/locations/<int:num>")
def location_detail(shop, num):
    return _detail(shop, "Location", num, "locations", "locations")


# --- assets ----------------------------------------------------------------------------------------
@bp.get("/cdn/shopifycloud/app-bridge.js")
def app_bridge_js():
    resp = send_from_directory(bp.static_folder, "devstore/app-bridge.js", mimetype="application/javascript",
                               max_age=0)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


_PALETTE = ["#008060", "#5c6ac4", "#de3618", "#eec200", "#47c1bf", "#9c6ade", "#f49342", "#50b83c"]


@bp.get("/cdn/shop/files/<name>.svg")
def placeholder_image(name):
    label = html.escape(name.replace("-", " ")[:40])
    color = _PALETTE[zlib.crc32(name.encode()) % len(_PALETTE)]
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800">'
           f'<rect width="800" height="800" fill="{color}"/>'
           f'<circle cx="400" cy="330" r="150" fill="#ffffff" fill-opacity="0.25"/>'
           f'<text x="400" y="640" font-family="sans-serif" font-size="40" fill="#ffffff" '
           f'text-anchor="middle">{label}</text></svg>')
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400",
                                                            "Access-Control-Allow-Origin": "*"})

"""The install entry (application_url) and the embedded pages.

Shopify opens application_url with `shop`, `host`, `timestamp`, `hmac` and, when
embedded, `embedded=1` and `id_token`. Managed installation exchanges that ID
token for an offline token; without an ID token and without a usable token the
merchant goes through the authorization-code flow, out of the iframe.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from ..shopify.hmac_checks import verify_query_hmac, verify_query_timestamp
from ..shopify.session_token import InvalidSessionToken
from ..shopify.shop_domain import InvalidShopDomain, decode_host, embedded_app_url, validate_shop_domain
from ..sync.oauth_install import (InstallFailed, StaleIdToken, connect_by_token_exchange, has_usable_token,
                                  needs_token_exchange)
from ..sync.shop import find_shop
from .oauth import auth_start_throttle, authorization_redirect
from .csp import frame_ancestors
from .pages import BY_SLUG, PAGES
from .session import verify_session_token

bp = Blueprint("embedded", __name__)


def embedded_page(template: str, domain: str | None, status: int = 200, **context):
    cfg = current_app.config
    response = make_response(
        render_template(
            template,
            api_key=cfg["SHOPIFY_API_KEY"],
            app_bridge_url=cfg["APP_BRIDGE_URL"],
            shop_domain=domain,
            **context,
        ),
        status,
    )
    response.headers["Content-Security-Policy"] = frame_ancestors(domain)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/", defaults={"slug": "overview"})
def entry(slug: str = "overview"):
    """Every page of the app opens as Shopify opens application_url, its path added."""
    args = request.args.to_dict()
    if not args.get("shop") and not args.get("id_token"):
        if slug != "overview":
            return redirect(url_for("embedded.entry"))
        return embedded_page("landing.html", None)

    id_token = args.get("id_token")
    shop_param = args.get("shop")
    if shop_param:
        try:
            shop_param = validate_shop_domain(shop_param)
        except InvalidShopDomain:
            abort(400, "The shop parameter is not a myshopify.com domain.")
    if "hmac" in args:
        if not verify_query_hmac(request.args.items(multi=True), current_app.config["SHOPIFY_API_SECRET"]):
            abort(400, "The request's HMAC signature is not valid.")
        if not verify_query_timestamp(args):
            abort(400, "The request's timestamp is too old or in the future.")
    elif not id_token:
        abort(400, "The request is not signed by Shopify (no hmac).")

    if id_token:
        try:
            session_token = verify_session_token(id_token)
        except InvalidSessionToken:
            if not shop_param:
                abort(400, "The ID token is not valid.")
            # An expired or stale token on a reload: fetch a fresh one through App Bridge.
            return bounce(shop_param)
        if shop_param and session_token.shop != shop_param:
            abort(400, "The ID token is for another shop.")
        return open_embedded(session_token.shop, id_token, args.get("host"), slug)

    shop = find_shop(shop_param)
    if args.get("embedded") == "1":
        if has_usable_token(shop):
            return bounce(shop_param)
        # The sign-in starts at top level, where its state cookie can be set.
        return exit_iframe(shop_param, auth_start_url(shop_param))
    if has_usable_token(shop):
        return redirect(embedded_app_url(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop_param, current_app.config["SHOPIFY_API_KEY"]))
    return throttled_authorization_redirect(shop_param)


@auth_start_throttle
def throttled_authorization_redirect(shop: str):
    """The signed entry's sign-in start, counted with /auth's (429 past the limit): only
    this branch writes a state row, so the entry's page loads are never throttled."""
    return authorization_redirect(shop)


def open_embedded(shop_domain: str, id_token: str, host: str | None, slug: str = "overview"):
    shop = find_shop(shop_domain)
    if shop is not None and shop.status == "inactive":
        return embedded_page("inactive.html", shop_domain, status=403, shop=shop)
    if needs_token_exchange(shop):
        try:
            shop = connect_by_token_exchange(shop_domain, id_token)
        except StaleIdToken:
            return bounce(shop_domain)
        except InstallFailed:
            return embedded_page(
                "error.html", shop_domain, status=502,
                message="Shopify did not grant access to this store. Reload the page to try again.",
            )
    page = BY_SLUG[slug]
    return embedded_page(f"pages/{slug}.html", shop_domain, shop=shop, host=host, page=page, pages=PAGES)


for _page in PAGES[1:]:
    bp.add_url_rule(_page.path, "entry", entry, defaults={"slug": _page.slug})


def bounce(shop: str):
    """The session-token refresh page: App Bridge fetches an ID token and reloads with it."""
    params = {k: v for k, v in request.args.items() if k not in ("id_token", "hmac", "timestamp")}
    params["shop"] = shop
    reload_url = request.path + "?" + urlencode(params)
    return embedded_page("session_token_bounce.html", shop, reload_url=reload_url)


def exit_iframe(shop: str, target: str):
    """Leave Shopify admin's iframe (OAuth cannot run inside it) and go to `target`."""
    return embedded_page("exit_iframe.html", shop, target=target)


def auth_start_url(shop: str) -> str:
    """`/auth` for this shop, absolute: the exit-iframe page opens it in the top window."""
    return current_app.config["SHOPIFY_APP_URL"] + "/auth?" + urlencode({"shop": shop})


@bp.get("/auth")
@auth_start_throttle
def auth_start():
    """Begin the authorization-code flow at top level: from the landing form, or leaving
    Shopify admin's iframe. Throttled per address: each start stores a state."""
    try:
        shop = validate_shop_domain(request.args.get("shop"))
    except InvalidShopDomain:
        abort(400, "Enter your store's myshopify.com domain.")
    return authorization_redirect(shop)


@bp.app_template_filter("admin_host")
def admin_host_filter(host):
    return decode_host(host) or ""

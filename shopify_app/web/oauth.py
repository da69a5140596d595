"""The authorization-code flow: redirect to Shopify with a state nonce, and the callback.

The state is bound to the browser that started the sign-in, as Shopify's own libraries
bind it (shopify-api-js, the shopify_app gem): the top-level redirect to Shopify sets
the nonce in a signed, HttpOnly, SameSite=Lax cookie `shopify_app_state` (Secure when
the app's URL is HTTPS), and the callback requires that cookie to carry the state it
is given. A callback opened in another browser, or with a forged or tampered cookie,
installs nothing. Starting a sign-in writes a row, so every start (`/auth`, and the
signed install entry outside Shopify admin) counts against one limit per address
(Flask-Limiter; in-process memory by default, `RATELIMIT_STORAGE_URI` to share it).
"""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, after_this_request, current_app, redirect, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..shopify.hmac_checks import verify_query_hmac, verify_query_timestamp
from ..shopify.shop_domain import InvalidShopDomain, embedded_app_url, validate_shop_domain
from ..sync.oauth_install import (STATE_LIFETIME, InstallFailed, begin_authorization, consume_state,
                                  install_from_authorization_code)
from ..sync.shop_gate import ShopInactive

bp = Blueprint("oauth", __name__)

CALLBACK_PATH = "/auth/callback"
STATE_COOKIE = "shopify_app_state"
# Per client address; a merchant starts a sign-in a few times at most.
DEFAULT_AUTH_START_LIMIT = "10 per minute"

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


@limiter.request_filter
def is_webhook_delivery() -> bool:
    """Shopify's deliveries are never throttled by address: the limiter is not even asked
    (its checks cost the door, which answers sale-day bursts, a tenth of its time)."""
    return request.endpoint == "webhooks.receive"


@bp.record_once
def init_throttle(state) -> None:
    state.app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(state.app)


def auth_start_limit() -> str:
    """The rate at which one address may start sign-ins (Flask-Limiter notation)."""
    return current_app.config.get("AUTH_START_RATE_LIMIT") or DEFAULT_AUTH_START_LIMIT


# Each start writes a state row: the routes that start one share this count (one scope),
# so that a client cannot add up the limits of several.
auth_start_throttle = limiter.shared_limit(auth_start_limit, scope="auth-start")


def redirect_uri() -> str:
    return current_app.config["SHOPIFY_APP_URL"] + CALLBACK_PATH


def state_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=STATE_COOKIE)


def cookie_options() -> dict:
    return {"path": "/", "httponly": True, "samesite": "Lax",
            "secure": current_app.config["SHOPIFY_APP_URL"].startswith("https://")}


def authorization_redirect(shop: str):
    """302 to Shopify's authorize page, with a fresh single-use state nonce, also set in
    this browser's state cookie. Only at top level: a cookie set inside Shopify admin's
    iframe is a third-party cookie, which browsers refuse for SameSite=Lax."""
    url, nonce = begin_authorization(shop, redirect_uri())
    response = redirect(url)
    response.set_cookie(STATE_COOKIE, state_signer().dumps(nonce),
                        max_age=int(STATE_LIFETIME.total_seconds()), **cookie_options())
    return response


def state_from_cookie() -> str | None:
    """The nonce this browser's state cookie carries, when we signed it and it is fresh."""
    raw = request.cookies.get(STATE_COOKIE)
    if not raw:
        return None
    try:
        nonce = state_signer().loads(raw, max_age=int(STATE_LIFETIME.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    return nonce if isinstance(nonce, str) else None


@bp.get(CALLBACK_PATH)
def callback():
    @after_this_request
    def forget_state(response):
        # Single use, whatever the outcome, as Shopify's libraries do.
        response.delete_cookie(STATE_COOKIE, **cookie_options())
        return response

    args = request.args.to_dict()
    try:
        shop = validate_shop_domain(args.get("shop"))
    except InvalidShopDomain:
        abort(400, "The shop parameter is not a myshopify.com domain.")
    if not verify_query_hmac(request.args.items(multi=True), current_app.config["SHOPIFY_API_SECRET"]):
        abort(400, "The callback's HMAC signature is not valid.")
    if not verify_query_timestamp(args):
        abort(400, "The callback's timestamp is too old or in the future.")
    if not args.get("code"):
        abort(400, "The callback has no authorization code.")
    browser_state = state_from_cookie()
    if browser_state is None or not hmac.compare_digest(browser_state, args.get("state") or ""):
        abort(400, "This browser did not start this sign-in (its state cookie is missing or does not match); "
                   "start the installation again.")
    if not consume_state(args.get("state"), shop):
        abort(400, "The callback's state does not match a sign-in this app started.")
    try:
        install_from_authorization_code(shop, args["code"])
    except InstallFailed as exc:
        abort(400 if exc.refused else 502, "Shopify did not grant access; start the installation again.")
    except ShopInactive:  # no code exchanged: an inactive connection makes no call to Shopify
        abort(403, "This connection is switched off by the OMS operator: it is not connected until activated again.")
    return redirect(
        embedded_app_url(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop, current_app.config["SHOPIFY_API_KEY"])
    )

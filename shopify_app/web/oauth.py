"""The authorization-code flow: redirect to Shopify with a state nonce, and the callback."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request

from ..shopify.hmac_checks import verify_query_hmac, verify_query_timestamp
from ..shopify.shop_domain import InvalidShopDomain, embedded_app_url, validate_shop_domain
from ..sync.install import InstallFailed, begin_authorization, consume_state, install_from_authorization_code

bp = Blueprint("oauth", __name__)

CALLBACK_PATH = "/auth/callback"


def redirect_uri() -> str:
    return current_app.config["SHOPIFY_APP_URL"] + CALLBACK_PATH


def authorization_redirect(shop: str):
    """302 to Shopify's authorize page, with a fresh single-use state nonce."""
    return redirect(begin_authorization(shop, redirect_uri()))


@bp.get(CALLBACK_PATH)
def callback():
    args = request.args.to_dict()
    try:
        shop = validate_shop_domain(args.get("shop"))
    except InvalidShopDomain:
        abort(400, "The shop parameter is not a myshopify.com domain.")
    if not verify_query_hmac(args, current_app.config["SHOPIFY_API_SECRET"]):
        abort(400, "The callback's HMAC signature is not valid.")
    if not verify_query_timestamp(args):
        abort(400, "The callback's timestamp is too old or in the future.")
    if not args.get("code"):
        abort(400, "The callback has no authorization code.")
    if not consume_state(args.get("state"), shop):
        abort(400, "The callback's state does not match a sign-in this app started.")
    try:
        install_from_authorization_code(shop, args["code"])
    except InstallFailed as exc:
        abort(400 if exc.refused else 502, "Shopify did not grant access; start the installation again.")
    return redirect(
        embedded_app_url(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop, current_app.config["SHOPIFY_API_KEY"])
    )

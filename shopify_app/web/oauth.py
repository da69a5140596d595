"""The authorization-code flow: redirect to Shopify with a state nonce, and the callback."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, redirect, request
from sqlalchemy import delete, select

from ..extensions import db
from ..models import OAuthState
from ..shopify.hmac_checks import verify_query_hmac, verify_query_timestamp
from ..shopify.oauth import OAuthFailure
from ..shopify.shop_domain import InvalidShopDomain, embedded_app_url, validate_shop_domain
from ..sync.connection import oauth_client
from ..sync.shop import install_shop

bp = Blueprint("oauth", __name__)

STATE_LIFETIME = timedelta(minutes=10)
CALLBACK_PATH = "/auth/callback"


def redirect_uri() -> str:
    return current_app.config["SHOPIFY_APP_URL"] + CALLBACK_PATH


def authorization_redirect(shop: str):
    """302 to Shopify's authorize page, with a fresh single-use state nonce."""
    now = datetime.now(timezone.utc)
    nonce = secrets.token_urlsafe(32)
    db.session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
    db.session.add(OAuthState(nonce=nonce, shop_domain=shop, created_at=now, expires_at=now + STATE_LIFETIME))
    db.session.commit()
    url = oauth_client().authorize_url(shop, tuple(current_app.config["SCOPES"]), redirect_uri(), nonce)
    return redirect(url)


def consume_state(nonce: str | None, shop: str) -> bool:
    """True once for a nonce we issued for this shop that has not expired."""
    if not nonce:
        return False
    state = db.session.execute(select(OAuthState).where(OAuthState.nonce == nonce)).scalar_one_or_none()
    if state is None:
        return False
    db.session.delete(state)
    db.session.commit()
    return state.shop_domain == shop and state.expires_at > datetime.now(timezone.utc)


@bp.get(CALLBACK_PATH)
def callback():
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
    if not consume_state(args.get("state"), shop):
        abort(400, "The callback's state does not match a sign-in this app started.")
    try:
        tokens = oauth_client().exchange_code(shop, args["code"])
    except OAuthFailure as exc:
        current_app.logger.warning("code exchange for %s failed: %s", shop, exc)
        abort(400 if exc.error else 502, "Shopify did not grant access; start the installation again.")
    install_shop(shop, tokens)
    return redirect(
        embedded_app_url(current_app.config["SHOPIFY_SHOP_ORIGIN"], shop, current_app.config["SHOPIFY_API_KEY"])
    )

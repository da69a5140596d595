"""Connecting a shop: the authorization-code grant and managed installation's token exchange.

The views (web/oauth.py, web/embedded.py) parse the request and check its
signatures; the work that asks Shopify for tokens, and what it means when Shopify
says no, is here. A refusal is an InstallFailed, never Shopify's own error.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from ..crypto import token_decrypts
from ..extensions import app_settings, db
from ..models import OAuthState, Shop
from ..shopify.oauth import OAuthFailure
from .connection import oauth_client
from .shop import find_shop, install_shop
from .shop_gate import refuse_inactive

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
# Shopify's answer to a token exchange whose ID token is expired or stale.
STALE_ID_TOKEN_ERROR = "invalid_subject_token"


class InstallFailed(Exception):
    """Shopify did not grant access. `refused`: Shopify answered no (an OAuth error);
    otherwise it could not be reached or failed, and trying again later may work."""

    def __init__(self, message: str, *, refused: bool):
        super().__init__(message)
        self.refused = refused


class StaleIdToken(InstallFailed):
    """The ID token was refused as expired or stale: a fresh one (from App Bridge) may work."""


def has_usable_token(shop: Shop | None) -> bool:
    return bool(shop and shop.is_active and token_decrypts(shop.access_token_encrypted) and not shop.needs_reauth)


def needs_token_exchange(shop: Shop | None) -> bool:
    """Managed installation: exchange the ID token when we hold no usable offline token."""
    return shop is None or shop.status == "uninstalled" or not token_decrypts(shop.access_token_encrypted) or shop.needs_reauth


def begin_authorization(shop: str, redirect_uri: str) -> tuple[str, str]:
    """(the URL of Shopify's authorize page, its state): a fresh single-use nonce for this
    shop, stored; the states expired by now are purged as it is written."""
    now = datetime.now(timezone.utc)
    nonce = secrets.token_urlsafe(32)
    db.session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
    db.session.add(OAuthState(nonce=nonce, shop_domain=shop, created_at=now, expires_at=now + STATE_LIFETIME))
    db.session.commit()
    return oauth_client().authorize_url(shop, tuple(app_settings.current.scopes), redirect_uri, nonce), nonce


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


def install_from_authorization_code(shop: str, code: str) -> Shop:
    """The OAuth callback's code exchanged for an offline token; the shop installed with it.
    Raises ShopInactive, before any call, for a shop the operator switched off."""
    refuse_inactive(find_shop(shop))
    try:
        tokens = oauth_client().exchange_code(shop, code)
    except OAuthFailure as exc:
        log.warning("code exchange for %s failed: %s", shop, exc)
        raise InstallFailed(str(exc), refused=bool(exc.error)) from exc
    return install_shop(shop, tokens)


def connect_by_token_exchange(shop: str, id_token: str) -> Shop:
    """Managed installation: the session's ID token exchanged for an offline token.
    Raises ShopInactive, before any call, for a shop the operator switched off."""
    refuse_inactive(find_shop(shop))
    try:
        tokens = oauth_client().exchange_session_token(shop, id_token)
    except OAuthFailure as exc:
        log.warning("token exchange for %s failed: %s", shop, exc)
        if exc.error == STALE_ID_TOKEN_ERROR:
            raise StaleIdToken(str(exc), refused=True) from exc
        raise InstallFailed(str(exc), refused=bool(exc.error)) from exc
    return install_shop(shop, tokens)

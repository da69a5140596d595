"""What the operator's console asks of a shop's connection, one call each: re-fetch one
order, read the granted scopes again, refresh the token now, queue a reconciliation.

Every Shopify failure is turned here into a ConnectionActionError whose message an
operator can act on: the console shows it and nothing changed (web/ never sees
Shopify's errors)."""
from __future__ import annotations

import logging
from datetime import datetime

from ..crypto import TokenDecryptionError, decrypt_token
from ..extensions import db
from ..models import Shop, SyncRun
from ..shopify.access import AccessDenied
from ..shopify.graphql_client import GraphQLError, ShopifyUnauthorized
from ..shopify.oauth import OAuthFailure
from .connection import NeedsReauthentication, access_token, probe_client
from .orders.run import OrderNotFound, refetch_by_reference
from .run_queue import queue_run
from .runner import flow_state, skip_reason
from .shop import update_scopes

log = logging.getLogger(__name__)

SCOPES_TIMEOUT = 10.0
SCOPES_ATTEMPTS = 2


class ConnectionActionError(Exception):
    """The action could not be carried out; the message says why, for the operator."""


def ensure_reachable(shop: Shop) -> None:
    if not shop.is_active:
        raise ConnectionActionError(f"{shop.domain} is {shop.status}: the app makes no call to Shopify for it")
    if shop.needs_reauth:
        raise ConnectionActionError(f"{shop.domain} needs re-authentication ({shop.reauth_reason or 'no usable token'}):"
                                    " the merchant must open the app from Shopify admin")


def shopify_problem(exc: Exception) -> ConnectionActionError:
    if isinstance(exc, NeedsReauthentication):
        return ConnectionActionError(f"the shop needs re-authentication: {exc}")
    if isinstance(exc, AccessDenied):
        return ConnectionActionError(f"not allowed at this shop's access level: {exc}")
    if isinstance(exc, ShopifyUnauthorized):
        return ConnectionActionError("Shopify refused the stored token (was the app uninstalled?)")
    return ConnectionActionError(f"Shopify did not answer ({exc.__class__.__name__}); try again later")


def retry_order(shop: Shop, ref: str) -> tuple[str, str, str | None]:
    """Re-fetch one order (id, GID or name such as #1001) and apply it, as
    `flask order refetch` does; committed. Returns (outcome, GID, name)."""
    ref = (ref or "").strip()
    if not ref or len(ref) > 200:
        raise ConnectionActionError("give the order's Shopify id or its name (such as #1001)")
    ensure_reachable(shop)
    try:
        result = refetch_by_reference(shop, ref)
    except OrderNotFound as exc:
        db.session.rollback()
        raise ConnectionActionError(str(exc)) from None
    except (AccessDenied, NeedsReauthentication, GraphQLError, OSError) as exc:
        db.session.rollback()
        log.warning("retry of order %s for %s failed: %s", ref, shop.domain, exc.__class__.__name__)
        raise shopify_problem(exc) from None
    db.session.commit()
    return result


def refresh_scopes(shop: Shop) -> tuple[list[str], list[str]]:
    """Read the granted scopes from Shopify and store them (the access level follows, as
    on app/scopes_update); the caller commits. Returns (before, after)."""
    ensure_reachable(shop)
    before = list(shop.scopes)
    try:
        data = probe_client(shop, timeout=SCOPES_TIMEOUT, max_attempts=SCOPES_ATTEMPTS).execute("app_access_scopes")
    except (NeedsReauthentication, GraphQLError, OSError) as exc:
        log.warning("scopes of %s could not be read: %s", shop.domain, exc.__class__.__name__)
        raise shopify_problem(exc) from None
    handles = [str(s.get("handle")) for s in ((data.get("currentAppInstallation") or {}).get("accessScopes") or [])
               if isinstance(s, dict) and s.get("handle")]
    update_scopes(shop, handles)
    return before, list(shop.scopes)


def refresh_token_now(shop: Shop) -> datetime | None:
    """Exchange the refresh token for a new access token now (committed by the refresh
    itself, under the shop's lock). Returns the new token's expiry."""
    ensure_reachable(shop)
    try:
        current = decrypt_token(shop.access_token_encrypted)
        refresh = decrypt_token(shop.refresh_token_encrypted)
    except TokenDecryptionError:
        raise ConnectionActionError("no TOKEN_ENCRYPTION_KEY decrypts this shop's tokens") from None
    if not refresh:
        # A non-expiring offline token has nothing to refresh with: asking would mark the
        # shop for re-authentication for no reason.
        raise ConnectionActionError("this shop's token does not expire and has no refresh token: nothing to refresh")
    shop_id = shop.id
    try:
        access_token(shop_id, rejected=current)
    except NeedsReauthentication as exc:
        raise ConnectionActionError(f"Shopify refused the refresh ({exc}); the merchant must open the app again") from None
    except (OAuthFailure, OSError) as exc:
        log.warning("token refresh of %s failed: %s", shop.domain, exc.__class__.__name__)
        raise ConnectionActionError("Shopify did not answer the token refresh; the current token is kept") from None
    finally:
        db.session.expire_all()  # the refresh wrote in its own session
    return db.session.get(Shop, shop_id).access_token_expires_at


def queue_reconciliation(shop: Shop) -> tuple[SyncRun, bool]:
    """Queue the orders flow with the `reconcile` trigger (what `flask order reconcile`
    runs, here carried out by the scheduler within a tick): (run, created). A queued
    plain run of the orders flow becomes the reconciliation."""
    ensure_reachable(shop)
    reason = skip_reason(shop, flow_state(shop.id, "orders"), "orders")
    if reason is not None:
        raise ConnectionActionError(f"the orders flow cannot run: {reason}")
    run, created = queue_run(shop.id, "orders", "reconcile")
    if not created and run.trigger != "reconcile":
        run.trigger = "reconcile"
        db.session.commit()
    return run, created

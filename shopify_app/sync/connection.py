"""A shop's connection to Shopify: its tokens and a GraphQL client that uses them.

Expiring offline tokens are refreshed before they expire. The refresh is
single-flight per shop across threads (a lock) and processes (a database row
lock), and the rotated pair is saved in the same transaction.
"""
from __future__ import annotations

import logging
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..crypto import UNDECRYPTABLE_REASON, TokenDecryptionError, decrypt_token, encrypt_token
from ..extensions import app_settings, db
from ..models import Shop
from ..shopify.access import AccessDenied, AccessLevel
from ..shopify.graphql_client import GraphQLClient
from ..shopify.oauth import OAuthClient, OAuthFailure, TokenSet
from .shop_gate import ShopInactive, refuse_inactive

log = logging.getLogger(__name__)

# Refresh this long before expiry, so a call never starts with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)

_thread_locks: dict[int, threading.Lock] = defaultdict(threading.Lock)
_thread_locks_guard = threading.Lock()


class NeedsReauthentication(Exception):
    """The shop's tokens are gone or refused: the merchant must open the app again."""


class NotPermitted(Exception):
    """The shop may not be asked this: its access level does not allow the call, or it is
    not active. Shopify's AccessDenied in sync/'s terms, with its message, for web/ (which
    never catches the GraphQL client's errors)."""


@contextmanager
def denied_as_not_permitted():
    """Within (or on a function it decorates), AccessDenied and ShopInactive are raised as
    NotPermitted. Only on what web/ calls: flows and commands keep AccessDenied, which
    the runner and the CLI already handle (and runs record by its name)."""
    try:
        yield
    except AccessDenied as exc:
        raise NotPermitted(str(exc)) from exc


def oauth_client() -> OAuthClient:
    cfg = app_settings.current
    return OAuthClient(
        api_key=cfg.api_key,
        api_secret=cfg.api_secret,
        shop_origin=cfg.shop_origin,
        timeout=cfg.http_timeout,
    )


def store_tokens(shop: Shop, tokens: TokenSet, now: datetime | None = None) -> None:
    shop.access_token_encrypted = encrypt_token(tokens.access_token)
    shop.access_token_expires_at = tokens.expires_at
    shop.refresh_token_encrypted = encrypt_token(tokens.refresh_token)
    shop.refresh_token_expires_at = tokens.refresh_token_expires_at
    shop.token_refreshed_at = now or datetime.now(timezone.utc)
    shop.needs_reauth = False
    shop.reauth_reason = None
    if tokens.scopes:
        shop.granted_scopes = ",".join(tokens.scopes)


def erase_tokens(shop: Shop) -> None:
    shop.access_token_encrypted = None
    shop.access_token_expires_at = None
    shop.refresh_token_encrypted = None
    shop.refresh_token_expires_at = None


def token_is_fresh(shop: Shop, now: datetime) -> bool:
    if not shop.access_token_encrypted:
        return False
    if shop.access_token_expires_at is None:  # a non-expiring (legacy) token
        return True
    return shop.access_token_expires_at - REFRESH_MARGIN > now


def _thread_lock(shop_id: int) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks[shop_id]


def access_token(shop_id: int, rejected: str | None = None, *, inactive_too: bool = False) -> str:
    """A usable access token for the shop, refreshed first when it is about to expire.

    `rejected` is a token Shopify just refused: a newer one is returned, or a
    refresh is forced. `inactive_too`: only for the uninstall probe (see probe_client).
    """
    now = datetime.now(timezone.utc)
    with Session(db.engine) as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise NeedsReauthentication("shop not found")
        # Asked before every request a client sends: a shop switched off mid-run stops here.
        if not inactive_too:
            refuse_inactive(shop)
        try:
            current = decrypt_token(shop.access_token_encrypted)
        except TokenDecryptionError:
            current = None  # the shop is marked for re-authentication under the lock below
        if current and current != rejected and token_is_fresh(shop, now):
            return current

    with _thread_lock(shop_id), Session(db.engine) as session:
        # Take the row lock: FOR UPDATE OF shops on PostgreSQL (not the product store the
        # shop joins, which PostgreSQL refuses to lock on an outer join); on SQLite the UPDATE takes
        # the database write lock, which serialises refreshers in every process.
        session.execute(update(Shop).where(Shop.id == shop_id).values(needs_reauth=Shop.needs_reauth))
        shop = session.execute(select(Shop).where(Shop.id == shop_id).with_for_update(of=Shop)).scalar_one()
        try:
            if not inactive_too:
                refuse_inactive(shop)  # no token refresh for an inactive shop either
        except ShopInactive:
            session.rollback()
            raise
        try:
            current = decrypt_token(shop.access_token_encrypted)
            refresh_token = decrypt_token(shop.refresh_token_encrypted)
        except TokenDecryptionError:
            current = refresh_token = None
            problem = UNDECRYPTABLE_REASON
        else:
            problem = None
        now = datetime.now(timezone.utc)
        if current and current != rejected and token_is_fresh(shop, now):
            session.commit()
            return current  # another thread or process refreshed it meanwhile
        if problem:
            pass  # no key decrypts the tokens: nothing to refresh with
        elif not refresh_token:
            problem = "no refresh token; the merchant must open the app to reconnect"
        elif shop.refresh_token_expires_at and shop.refresh_token_expires_at <= now:
            problem = "the refresh token expired; the merchant must open the app to reconnect"
        else:
            try:
                tokens = oauth_client().refresh(shop.domain, refresh_token)
            except OAuthFailure as exc:
                if not (exc.error or (exc.status and 400 <= exc.status < 500)):
                    session.rollback()
                    raise  # Shopify unreachable: try later, the tokens may still be good
                problem = f"token refresh refused: {exc}"
        if problem:
            log.warning("shop %s needs re-authentication: %s", shop.domain, problem)
            shop.needs_reauth = True
            shop.reauth_reason = problem
            session.commit()
            raise NeedsReauthentication(problem)
        store_tokens(shop, tokens, now)
        session.commit()
        log.info("refreshed access token for %s", shop.domain)
        return tokens.access_token


def client_for(shop: Shop, *, min_level: AccessLevel | None = None) -> GraphQLClient:
    """A GraphQL client for this shop, bound to its access level."""
    refuse_inactive(shop)
    if not shop.is_active:
        raise AccessDenied(f"shop {shop.domain} is {shop.status}")
    if shop.needs_reauth:
        raise NeedsReauthentication(shop.reauth_reason or "needs re-authentication")
    level = AccessLevel(shop.access_level)
    if min_level is not None and not level.allows(min_level):
        raise AccessDenied(f"access level {level.value} does not allow this flow")
    return _client(shop, level, timeout=app_settings.current.http_timeout)


def probe_client(shop: Shop, *, timeout: float, max_attempts: int, inactive_too: bool = False) -> GraphQLClient:
    """A client for asking Shopify whether the stored token still works, whatever the
    shop's status or access level (an uninstall must be checked even at access none).
    It may read only what AccessLevel.READ allows; the caller reads no merchant data.
    An inactive shop is refused (ShopInactive) unless `inactive_too`: the uninstall
    probe, the one question an inactive shop is asked (its token refreshed first if it
    expired), since an app/uninstalled is applied only when Shopify no longer takes it."""
    if not inactive_too:
        refuse_inactive(shop)
    timeout = min(timeout, app_settings.current.http_timeout)
    return _client(shop, AccessLevel.READ, timeout=timeout, max_attempts=max_attempts, inactive_too=inactive_too)


def _client(shop: Shop, level: AccessLevel, *, timeout: float, max_attempts: int | None = None,
            inactive_too: bool = False) -> GraphQLClient:
    shop_id = shop.id
    last: dict[str, str | None] = {"token": None}

    def provide(rejected: bool) -> str:
        token = access_token(shop_id, rejected=last["token"] if rejected else None, inactive_too=inactive_too)
        last["token"] = token
        return token

    cfg = app_settings.current
    extra = {"max_attempts": max_attempts} if max_attempts else {}
    return GraphQLClient(
        shop.domain,
        provide,
        level,
        shop_origin=cfg.shop_origin,
        api_version=cfg.api_version,
        timeout=timeout,
        **extra,
    )

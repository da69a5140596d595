"""The console's connection actions against devstore over HTTP (sync/connection_actions.py):
refresh the token now, refresh the scopes, retry one order; each Shopify failure is an
operator's message (ConnectionActionError), never an exception out of sync/."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from shopify_app.crypto import decrypt_token
from shopify_app.extensions import db
from shopify_app.models import Order, Shop
from shopify_app.sync.connection_actions import ConnectionActionError, refresh_scopes, refresh_token_now, retry_order
from tests.conftest import create_shop


def installed(c, *, scopes=None, orders=0):
    domain = f"ops-{uuid.uuid4().hex[:8]}.myshopify.com"
    c.ds.create_shop(domain, products=2, orders=orders)
    c.ds.install(domain, scopes=scopes)
    pair = c.ds.new_token(domain, expiring=True, scopes=scopes)
    shop = create_shop(domain, access="read", token=pair["access_token"], refresh_token=pair["refresh_token"],
                       expires_in=3600)
    return shop, pair


def test_refresh_the_token_now_exchanges_the_refresh_token_even_when_the_token_is_fresh(connected_app):
    c = connected_app
    with c.app.app_context():
        shop, pair = installed(c)
        before = shop.access_token_expires_at
        expires_at = refresh_token_now(shop)
        stored = db.session.get(Shop, shop.id)
        assert decrypt_token(stored.access_token_encrypted) != pair["access_token"]
        assert decrypt_token(stored.refresh_token_encrypted) != pair["refresh_token"]  # rotated, saved
        assert expires_at == stored.access_token_expires_at and expires_at >= before
        assert len(c.ds.token_requests(shop.domain, grant_type="refresh_token")) == 1


def test_a_refused_refresh_is_a_message_and_marks_the_shop_for_re_authentication(connected_app):
    c = connected_app
    with c.app.app_context():
        shop, pair = installed(c)
        c.ds.expire_token(shop.domain, pair["refresh_token"])
        with pytest.raises(ConnectionActionError, match="refused the refresh"):
            refresh_token_now(shop)
        assert db.session.get(Shop, shop.id).needs_reauth is True


def test_refresh_scopes_reads_what_shopify_grants_and_the_access_level_follows(connected_app):
    c = connected_app
    with c.app.app_context():
        shop, _ = installed(c, scopes=["read_products", "read_orders"])
        shop.granted_scopes = "read_products,read_orders,write_inventory,write_merchant_managed_fulfillment_orders"
        shop.access_level = "read_write"
        db.session.commit()
        before, after = refresh_scopes(shop)
        db.session.commit()
        assert "write_inventory" in before and sorted(after) == ["read_orders", "read_products"]
        assert db.session.get(Shop, shop.id).access_level == "read"


def test_retry_one_order_by_name_and_a_shopify_outage_is_a_message(connected_app):
    c = connected_app
    with c.app.app_context():
        shop, _ = installed(c, orders=2)
        order = c.ds.orders(shop.domain)[0]
        outcome, gid, name = retry_order(shop, order["name"])
        assert (gid, name) == (order["id"], order["name"]) and outcome == "applied"
        assert db.session.execute(select(Order).where(Order.shop_id == shop.id)).scalars().first() is not None
        c.ds.faults(error_rate=1.0, error_status=503, paths=r"/graphql\.json$")
        try:
            with pytest.raises(ConnectionActionError, match="Shopify did not answer"):
                retry_order(shop, order["name"])
        finally:
            c.ds.clear_faults()
        with pytest.raises(ConnectionActionError, match="give the order"):
            retry_order(shop, "  ")

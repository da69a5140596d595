"""A shop's row lock (token refresh, token rotation) works on PostgreSQL for a shop under a
product store too: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join, so
loading a shop must not outer-join its product store."""
from __future__ import annotations

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import Shop
from shopify_app.product_stores import create_store, link_shop
from shopify_app.token_rotation import rotate_stored_tokens
from tests.conftest import create_shop


def test_shops_are_locked_for_update_on_postgresql_under_a_product_store_or_none(pg_app):
    linked, alone = create_shop("linked.myshopify.com"), create_shop("alone.myshopify.com")
    link_shop(create_store("Alpha"), linked)
    db.session.commit()
    for shop_id in (linked.id, alone.id):
        locked = db.session.execute(select(Shop).where(Shop.id == shop_id).with_for_update()).scalar_one()
        assert locked.id == shop_id
        db.session.rollback()
    assert rotate_stored_tokens().rotated == 4
    assert db.session.get(Shop, linked.id).product_store.name == "Alpha"

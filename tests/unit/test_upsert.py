"""The batched upsert on SQLite and PostgreSQL: insert, update, the version guard,
columns kept on update, do-nothing placeholders."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import Order, Product, Variant
from shopify_app.sync.upsert import batched, upsert

from tests.conftest import create_shop

T1 = datetime(2026, 11, 1, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def rows(shop_id, n, title, version):
    return [{"shop_id": shop_id, "shopify_id": f"gid://shopify/Product/{i}", "title": f"{title}{i}",
             "tags": ["x", str(i)], "shopify_updated_at": version, "is_placeholder": False} for i in range(n)]


def check_upsert(app_db):
    shop = create_shop()
    upsert(db.session, Product, rows(shop.id, 50, "a", T1), newer="shopify_updated_at")
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 50
    # a newer version updates every row, no duplicate
    upsert(db.session, Product, rows(shop.id, 50, "b", T2), newer="shopify_updated_at")
    db.session.commit()
    titles = set(db.session.execute(select(Product.title)).scalars())
    assert titles == {f"b{i}" for i in range(50)}
    # an older version is ignored
    upsert(db.session, Product, rows(shop.id, 50, "old", T1), newer="shopify_updated_at")
    db.session.commit()
    assert set(db.session.execute(select(Product.title)).scalars()) == titles
    p = db.session.execute(select(Product).where(Product.shopify_id == "gid://shopify/Product/7")).scalar_one()
    assert p.tags == ["x", "7"] and p.shopify_updated_at == T2 and p.created_at and p.updated_at
    # do-nothing (placeholders) never touches a real row
    upsert(db.session, Product, [{"shop_id": shop.id, "shopify_id": "gid://shopify/Product/7", "title": "placeholder",
                                  "is_placeholder": True}], do_nothing=True)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Product, p.id).title == "b7"
    # keep: the OMS-owned brokering status survives an update
    order = {"shop_id": shop.id, "shopify_id": "gid://shopify/Order/1", "broker_status": "queued", "name": "#1",
             "shopify_updated_at": T1}
    upsert(db.session, Order, [order], newer="shopify_updated_at", keep=("broker_status",))
    db.session.commit()
    db.session.execute(Order.__table__.update().values(broker_status="brokered"))
    db.session.commit()
    upsert(db.session, Order, [{**order, "name": "#1 edited", "shopify_updated_at": T2}], newer="shopify_updated_at",
           keep=("broker_status",))
    db.session.commit()
    db.session.expire_all()
    o = db.session.execute(select(Order)).scalar_one()
    assert (o.name, o.broker_status) == ("#1 edited", "brokered")
    # two shops may hold the same Shopify id
    other = create_shop("other-shop.myshopify.com")
    upsert(db.session, Variant, [{"shop_id": s, "shopify_id": "gid://shopify/ProductVariant/1", "sku": "A"}
                                 for s in (shop.id, other.id)])
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Variant)).scalar_one() == 2


def test_upsert_on_sqlite(app):
    check_upsert(app)


def test_empty_batches_do_nothing(app):
    assert upsert(db.session, Product, []) == 0


def test_batched_is_lazy_and_complete():
    def gen():
        yield from range(10)

    assert [len(b) for b in batched(gen(), 4)] == [4, 4, 2]


def check_large_batches(app_db):
    """Large batches (COPY + INSERT ... SELECT on PostgreSQL): same results as small ones."""
    shop = create_shop()
    big = rows(shop.id, 1200, "a", T1)
    upsert(db.session, Product, big + big[:3], newer="shopify_updated_at")  # a key twice in one batch
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 1200
    upsert(db.session, Product, rows(shop.id, 1200, "b", T2), newer="shopify_updated_at")
    upsert(db.session, Product, rows(shop.id, 1200, "old", T1), newer="shopify_updated_at")
    db.session.commit()
    assert set(db.session.execute(select(Product.title)).scalars()) == {f"b{i}" for i in range(1200)}
    p = db.session.execute(select(Product).where(Product.shopify_id == "gid://shopify/Product/9")).scalar_one()
    assert p.tags == ["x", "9"] and p.shopify_updated_at == T2 and p.is_placeholder is False
    upsert(db.session, Product, [{"shop_id": shop.id, "shopify_id": f"gid://shopify/Product/{i}", "title": "ph",
                                  "is_placeholder": True} for i in range(1100, 1800)], do_nothing=True)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 1800
    assert db.session.execute(select(func.count()).select_from(Product).where(Product.title == "ph")).scalar_one() == 600


def test_large_batches_on_sqlite(app):
    check_large_batches(app)


def check_written_counts_only_rows_the_database_wrote(app_db):
    shop = create_shop()
    for n in (5, 700):  # a small batch, and one large enough for COPY on PostgreSQL
        first = [{"shop_id": shop.id, "shopify_id": f"gid://shopify/Product/{n}-{i}", "title": "t",
                  "is_placeholder": True} for i in range(n)]
        assert upsert(db.session, Product, first[: n // 2], do_nothing=True, count_written=True) == n // 2
        # the rows already there are skipped: only the new ones count
        assert upsert(db.session, Product, first, do_nothing=True, count_written=True) == n - n // 2
        assert upsert(db.session, Product, first, do_nothing=True) == n  # rows sent
        db.session.commit()


def test_written_counts_only_rows_the_database_wrote_on_sqlite(app):
    check_written_counts_only_rows_the_database_wrote(app)


def check_only_if_changed_leaves_unchanged_rows_alone(app_db):
    shop = create_shop()
    for n in (5, 700):
        batch = rows(shop.id, n, f"{n}-", T1)
        upsert(db.session, Product, batch)
        db.session.commit()
        db.session.execute(Product.__table__.update().values(updated_at=T1))
        db.session.commit()
        changed = [{**r, "title": "changed"} if i == 0 else r for i, r in enumerate(batch)]
        assert upsert(db.session, Product, changed, only_if_changed=("title",), count_written=True) == 1
        db.session.commit()
        touched = db.session.execute(select(Product.title).where(Product.updated_at != T1)).scalars().all()
        assert touched == ["changed"]
        db.session.execute(Product.__table__.delete())
        db.session.commit()


def test_only_if_changed_leaves_unchanged_rows_alone_on_sqlite(app):
    check_only_if_changed_leaves_unchanged_rows_alone(app)

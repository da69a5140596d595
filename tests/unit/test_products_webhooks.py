"""Webhook handlers with Shopify's own sample payloads: products and orders, versions,
deletions, access levels."""
from __future__ import annotations

import copy
import json

from sqlalchemy import func, select

from shopify_app.extensions import db
from shopify_app.models import Order, OrderLine, Product, Variant
from shopify_app.sync.registry import TOPICS, order_id_at

SAMPLES = "/work/shared/shopify/webhooks"


def sample(topic):
    with open(f"{SAMPLES}/{topic}.json") as fh:
        return json.load(fh)


def deliver(shop, topic, payload):
    TOPICS[topic].handler(shop.domain, payload)


def n(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_product_update_applies_and_an_older_one_does_not(app, shop):
    payload = sample("products/update")
    deliver(shop, "products/update", payload)
    p = db.session.execute(select(Product)).scalar_one()
    assert p.shopify_id == "gid://shopify/Product/788032119674292922"
    assert p.title == "Example T-Shirt" and p.tags == ["example", "mens", "t-shirt"] and p.status == "ACTIVE"
    assert p.product_type == "Shirts" and p.product_type_unmapped
    assert {v.shopify_id for v in db.session.execute(select(Variant)).scalars()} == {
        "gid://shopify/ProductVariant/642667041472713922", "gid://shopify/ProductVariant/757650484644203962"}
    older = copy.deepcopy(payload)
    older["updated_at"] = "2021-12-30T00:00:00-05:00"
    older["title"] = "Old title"
    deliver(shop, "products/update", older)
    db.session.expire_all()
    assert db.session.execute(select(Product.title)).scalar_one() == "Example T-Shirt"
    # a newer update without a variant: the variant is marked deleted, never removed
    newer = copy.deepcopy(payload)
    newer["updated_at"] = "2022-01-02T00:00:00-05:00"
    newer["variants"] = newer["variants"][:1]
    deliver(shop, "products/update", newer)
    db.session.expire_all()
    assert n(Variant) == 2
    deleted = db.session.execute(select(Variant).where(Variant.deleted_at.is_not(None))).scalars().all()
    assert [v.shopify_id for v in deleted] == ["gid://shopify/ProductVariant/757650484644203962"]
    deliver(shop, "products/delete", {"id": 788032119674292922})
    db.session.expire_all()
    assert db.session.execute(select(Product.deleted_at)).scalar_one() is not None
    assert n(Variant) == 2 and all(v.deleted_at for v in db.session.execute(select(Variant)).scalars())


def test_an_unversioned_update_changes_neither_the_product_nor_its_variants(app, shop):
    """Newer wins in one place (the upsert's version guard): a payload without updated_at
    loses to the stored version, for the product and for the variants it carries."""
    deliver(shop, "products/update", sample("products/update"))
    unversioned = sample("products/update")
    unversioned["updated_at"] = None
    unversioned["title"] = "No version"
    unversioned["variants"] = unversioned["variants"][:1]
    deliver(shop, "products/update", unversioned)
    db.session.expire_all()
    assert db.session.execute(select(Product.title)).scalar_one() == "Example T-Shirt"
    assert n(Variant) == 2 and not any(v.deleted_at for v in db.session.execute(select(Variant)).scalars())


def test_mapped_product_type(app, shop):
    from shopify_app.models import MappingValue
    from shopify_app.sync import mappings

    db.session.add(MappingValue(shop_id=shop.id, kind="product_type", shopify_value="Shirts", oms_value="APPAREL"))
    db.session.commit()
    mappings.invalidate()
    deliver(shop, "products/update", sample("products/update"))
    p = db.session.execute(select(Product)).scalar_one()
    assert (p.oms_product_type, p.product_type_unmapped) == ("APPAREL", False)


def test_order_webhooks_create_cancel_and_stale(app, shop):
    shop.settings = {"order_import": "open"}
    db.session.commit()
    created = sample("orders/create")
    created["cancelled_at"] = None
    created["closed_at"] = None
    deliver(shop, "orders/create", created)
    o = db.session.execute(select(Order)).scalar_one()
    assert o.shopify_id == "gid://shopify/Order/820982911946154508" and o.broker_status == "queued"
    assert o.shipping_address["city"] and o.billing_address
    assert n(OrderLine) == len(created["line_items"])
    lines = db.session.execute(select(OrderLine)).scalars().all()
    assert all(l.placeholder_product for l in lines)  # no catalog yet: flagged placeholders
    cancelled = sample("orders/cancelled")
    cancelled["updated_at"] = "2022-01-01T00:00:00-05:00"
    deliver(shop, "orders/cancelled", cancelled)
    db.session.expire_all()
    o = db.session.execute(select(Order)).scalar_one()
    assert o.cancelled_at is not None and o.cancel_reason == "CUSTOMER"
    # the earlier create arriving late changes nothing
    deliver(shop, "orders/create", created)
    db.session.expire_all()
    assert db.session.execute(select(Order)).scalar_one().cancelled_at is not None
    assert n(Order) == 1


def test_webhooks_for_a_shop_at_access_none_bring_nothing(app, shop):
    shop.access_level = "none"
    db.session.commit()
    deliver(shop, "products/update", sample("products/update"))
    deliver(shop, "orders/create", sample("orders/create"))
    assert n(Product) == 0 and n(Order) == 0


def test_customer_redaction_and_export_cover_orders(app, shop):
    from shopify_app.sync import privacy

    created = sample("orders/create")
    created["cancelled_at"] = None
    created["closed_at"] = None
    deliver(shop, "orders/create", created)
    ref = privacy.CustomerRef(shop=shop, customer_id=str(created["customer"]["id"]), email=created["email"], order_ids=())
    exported = privacy.customer_data(ref)["orders"]
    assert exported and exported[0]["order_id"] == "gid://shopify/Order/820982911946154508"
    assert privacy.redact_customer(ref, order_id_at)["orders"] == 1
    db.session.expire_all()
    o = db.session.execute(select(Order)).scalar_one()
    assert o.email is None and o.shipping_address is None and o.customer is None


def test_webhooks_for_a_switched_off_flow_bring_nothing(app, shop):
    from shopify_app.sync.runner import flow_state

    state = flow_state(shop.id, "products")
    state.enabled = False
    db.session.commit()
    deliver(shop, "products/update", sample("products/update"))
    assert n(Product) == 0
    created = sample("orders/create")
    created["cancelled_at"] = None
    created["closed_at"] = None
    shop.settings = {"order_import": "open"}
    db.session.commit()
    deliver(shop, "orders/create", created)
    assert n(Order) == 1  # the orders flow is still on


def test_a_download_started_before_a_deletion_does_not_bring_the_product_back(app, shop):
    from shopify_app.sync import bulk
    from shopify_app.sync.products.sink import ProductSink
    from shopify_app.sync.products.type_mapping import TypeResolver

    from .test_bulk_stream import Ctx, catalog_lines, jsonl

    lines = jsonl(catalog_lines(3, 1))
    bulk.ingest(Ctx(), lines, ProductSink(shop.id, TypeResolver(shop.id)))
    deliver(shop, "products/delete", {"id": 2})
    bulk.ingest(Ctx(), lines, ProductSink(shop.id, TypeResolver(shop.id)))  # the stale download lands after
    db.session.expire_all()
    p = db.session.execute(select(Product).where(Product.shopify_id == "gid://shopify/Product/2")).scalar_one()
    assert p.deleted_at is not None
    v = db.session.execute(select(Variant).where(Variant.product_shopify_id == p.shopify_id)).scalar_one()
    assert v.deleted_at is not None


def test_order_edits_remove_lines_and_refunds_count(app, shop):
    from shopify_app.sync.orders.mapper import Mapper
    from shopify_app.sync.orders.normalize import order_from_rest
    from shopify_app.sync.orders.write import apply_order

    shop.settings = {"order_import": "open"}
    db.session.commit()
    order = sample("orders/updated")
    order["cancelled_at"] = None
    order["closed_at"] = None
    apply_order(shop.id, order_from_rest(order), Mapper(shop.id), settings=shop.settings)
    db.session.commit()
    first, second = order["line_items"][0], order["line_items"][1]
    edited = copy.deepcopy(order)
    edited["updated_at"] = "2022-01-05T00:00:00-05:00"
    edited["line_items"] = [dict(first, current_quantity=0)]  # the first removed by an edit, the second gone
    edited["refunds"] = [{"id": 1, "created_at": "2022-01-05T00:00:00-05:00",
                          "refund_line_items": [{"line_item_id": first["id"], "quantity": 1}]}]
    edited["shipping_address"] = dict(order["shipping_address"], city="Louisville")
    apply_order(shop.id, order_from_rest(edited), Mapper(shop.id), settings=shop.settings)
    db.session.commit()
    db.session.expire_all()
    lines = {l.shopify_id: l for l in db.session.execute(select(OrderLine)).scalars()}
    a, b = lines[first["admin_graphql_api_id"]], lines[second["admin_graphql_api_id"]]
    assert a.removed and a.current_quantity == 0 and a.refunded_quantity == 1
    assert b.removed and b.current_quantity == 0
    o = db.session.execute(select(Order)).scalar_one()
    assert o.shipping_address["city"] == "Louisville" and len(o.refunds) == 1
